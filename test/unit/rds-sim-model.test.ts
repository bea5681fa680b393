import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, contentBlock } from '../../local/rds-sim/content.js';
import { parseFaultSpec } from '../../local/rds-sim/index.js';
import { liveSegments, resolveWorkload, segmentState, segmentsOfHour } from '../../local/rds-sim/workload.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 10, 0);

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

describe('workload', () => {
  const w = resolveWorkload({ writerBytesPerSecond: 1000, rotateBytes: 1_000_000 });

  it('rotates each writer by size within the hour and always at the hour', () => {
    const segs = segmentsOfHour(w, 'db-1', T0).filter((s) => s.name.startsWith('audit/audit.log.0.'));
    expect(segs[0]?.name).toBe('audit/audit.log.0.2026-03-01-10-00.1');
    for (const [a, b] of segs.slice(0, -1).map((s, i) => [s, segs[i + 1]!] as const))
      expect(b.startMs).toBe(a.endMs);
    expect(segs.at(-1)?.endMs).toBe(T0 + HOUR);
    for (const s of segs) expect(segmentState(s, T0 + 2 * HOUR).size).toBeLessThanOrEqual(1_000_000);
  });

  it('keeps files for the retention period after their last write', () => {
    const short = resolveWorkload({ retentionHours: 1, historyHours: 5 });
    const names = liveSegments(short, 'db-1', T0, T0 + 30 * 60_000).map((s) => s.name);
    expect(names.some((n) => n.includes('2026-03-01-09-00'))).toBe(true);
    expect(names.some((n) => n.includes('2026-03-01-08-00'))).toBe(false);
  });
});

describe('content blocks', () => {
  it('are whole lines of exactly one block size, identical for the same file and index', () => {
    const key = { seed: 1, instance: 'db-1', name: 'audit/audit.log.0.2026-03-01-10-00.1' };
    for (const i of [0, 1, 2, 77]) {
      const block = contentBlock(key, i);
      expect(block.length).toBe(BLOCK_SIZE);
      expect(block[block.length - 1]).toBe(0x0a);
      expect(contentBlock({ ...key }, i).equals(block)).toBe(true);
    }
    expect(contentBlock({ ...key, seed: 2 }, 0).equals(contentBlock(key, 0))).toBe(false);
  });
});
