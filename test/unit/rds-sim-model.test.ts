import { describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  type ContentSpec,
  contentBlock,
  entryCeil,
  entryFloor,
} from '../../local/rds-sim/content.js';
import { auditRotationSuffix } from '../../local/rds-sim/engines.js';
import { parseFaultSpec } from '../../local/rds-sim/index.js';
import { activeMs, QUIET_CYCLE_MS, timeAfterActive, type Writer } from '../../local/rds-sim/timeline.js';
import { resolveWorkload, WorkloadOptionError } from '../../local/rds-sim/workload.js';

describe('parseFaultSpec', () => {
  it('reads the CLI syntax with common keys', () => {
    expect(parseFaultSpec('throttle:times=3,target=api')).toEqual({
      kind: 'throttle',
      times: 3,
      target: 'api',
    });
    expect(parseFaultSpec('reset:afterBytes=1000,file=audit.log.0')).toEqual({
      kind: 'reset',
      afterBytes: 1000,
      file: 'audit.log.0',
    });
    expect(parseFaultSpec('vanish')).toEqual({ kind: 'vanish' });
    expect(parseFaultSpec('path-unavailable:version=v19,instance=db-1')).toEqual({
      kind: 'path-unavailable',
      version: 'v19',
      instance: 'db-1',
    });
  });

  it('refuses unknown kinds, unknown keys, missing and malformed values', () => {
    for (const bad of [
      'explode',
      'throttle:colour=red',
      'reset',
      'slow:bytesPerSecond=abc',
      'truncate:afterBytes',
      'path-unavailable:version=v20',
      'throttle:times=0',
      'server-error:target=db',
    ]) {
      expect(() => parseFaultSpec(bad), bad).toThrow(/fault/i);
    }
  });
});

describe('workload options', () => {
  it('applies the documented defaults of the audit plugin and PostgreSQL logging', () => {
    const w = resolveWorkload();
    expect(w.engines).toEqual(['aurora-mysql']);
    expect([w.auditRotateBytes, w.auditRotations]).toEqual([1_000_000, 9]);
    expect([w.pgRotationAgeMinutes, w.pgRetentionMinutes]).toEqual([60, 4320]);
    expect(w.retentionHours).toBeUndefined();
  });

  it('refuses values outside the documented bounds with the setting named', () => {
    expect(() => resolveWorkload({ auditRotations: 101 })).toThrow(/SERVER_AUDIT_FILE_ROTATIONS.*0 and 100/);
    expect(() => resolveWorkload({ auditRotateBytes: 0 })).toThrow(WorkloadOptionError);
    expect(() => resolveWorkload({ pgRetentionMinutes: 10_081 })).toThrow(/rds.log_retention_period/);
    expect(() => resolveWorkload({ pgRotationAgeMinutes: 0 })).toThrow(/log_rotation_age/);
    expect(() => resolveWorkload({ engines: ['oracle' as never] })).toThrow(/unknown engine "oracle"/);
  });
});

describe('audit plugin rotation suffix', () => {
  it('has n_dig(rotations) digits: one below 10, zero-padded two from 10, three from 100', () => {
    expect(auditRotationSuffix(1, 9)).toBe('.1');
    expect(auditRotationSuffix(9, 9)).toBe('.9');
    expect(auditRotationSuffix(1, 10)).toBe('.01');
    expect(auditRotationSuffix(10, 10)).toBe('.10');
    expect(auditRotationSuffix(7, 99)).toBe('.07');
    expect(auditRotationSuffix(7, 100)).toBe('.007');
  });
});

describe('writer timeline', () => {
  const quiet: Writer = { bytesPerSecond: 1000, quietSalt: 12345 };

  it('is active all the time without quiet periods', () => {
    expect(activeMs({ bytesPerSecond: 1 }, 1000, 5000)).toBe(4000);
    expect(timeAfterActive({ bytesPerSecond: 1 }, 1000, 4000)).toBe(5000);
  });

  it('has deterministic quiet periods, and timeAfterActive inverts activeMs', () => {
    const start = Date.UTC(2026, 2, 1);
    const day = activeMs(quiet, start, start + 86_400_000);
    expect(day).toBeLessThan(86_400_000);
    expect(day).toBeGreaterThan(86_400_000 * 0.7);
    for (const ms of [1, 60_000, 19 * 60_000, 5 * QUIET_CYCLE_MS + 17]) {
      const t = timeAfterActive(quiet, start, ms);
      expect(activeMs(quiet, start, t)).toBeCloseTo(ms, 6);
    }
  });
});

describe('content blocks', () => {
  const spec: ContentSpec = {
    id: 'seed-1/db-1/audit/audit.log.0.2026-03-01-10-00.1',
    format: 'aurora-audit',
    host: 'db-1',
    startMs: Date.UTC(2026, 2, 1, 10),
    writer: { bytesPerSecond: 2048 },
  };

  it('are whole entries of exactly one block size, identical for the same file and index', () => {
    for (const i of [0, 1, 2, 77]) {
      const block = contentBlock(spec, i);
      expect(block.length).toBe(BLOCK_SIZE);
      expect(block[block.length - 1]).toBe(0x0a);
      expect(contentBlock({ ...spec }, i).equals(block)).toBe(true);
    }
    expect(contentBlock({ ...spec, id: `${spec.id}-other` }, 0).equals(contentBlock(spec, 0))).toBe(false);
  });

  it('carry the file host and times of the offset they are served at', () => {
    const block = contentBlock(spec, 3).toString('latin1');
    const first = block.split('\n')[0]!.split(',');
    expect(first[1]).toBe('db-1');
    const us = Number(first[0]);
    const expected = (spec.startMs + (3 * BLOCK_SIZE * 1000) / 2048) * 1000;
    expect(Math.abs(us - expected)).toBeLessThan(1000);
  });

  it('floor and ceil offsets to entry ends', () => {
    // An entry is one write: a QUERY line and its table events are written together.
    const firstEnd = entryCeil(spec, 1);
    expect(contentBlock(spec, 0)[firstEnd - 1]).toBe(0x0a);
    expect(entryFloor(spec, firstEnd - 1)).toBe(0);
    expect(entryFloor(spec, firstEnd)).toBe(firstEnd);
    const n = 5 * BLOCK_SIZE + 1234;
    const floor = entryFloor(spec, n);
    const ceil = entryCeil(spec, n);
    expect(floor).toBeLessThanOrEqual(n);
    expect(ceil).toBeGreaterThanOrEqual(n);
    expect(contentBlock(spec, 5)[floor - 5 * BLOCK_SIZE - 1]).toBe(0x0a);
    expect(contentBlock(spec, 5)[ceil - 5 * BLOCK_SIZE - 1]).toBe(0x0a);
  });
});
