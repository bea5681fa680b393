import { describe, expect, it } from 'vitest';
import { renderGrid } from '../../cli/render/grid.js';
import type { FileRecord, InstanceMeta, ListingGap } from '../../core/ledger/records.js';
import { keys } from '../../core/ledger/records.js';
import {
  buildCompletenessReport,
  type CompletenessInput,
  cellOf,
  coverageHoles,
  emptyCounts,
} from '../../core/operations/completeness/report.js';
import {
  archivedRecord,
  auroraAuditName,
  CLUSTER,
  fileRecord,
  HOUR,
  INSTANCE,
  MINUTE,
} from '../support/factories.js';

/** Window start: 2024-10-01T00:00Z. */
const W = Date.UTC(2024, 9, 1, 0, 0);
const OTHER = `${CLUSTER}-2`;
const RETENTION = 24 * HOUR;

function meta(instance: string, overrides: Partial<InstanceMeta> = {}): InstanceMeta {
  return {
    pk: keys.activePk(instance),
    sk: '#META',
    cluster: CLUSTER,
    instance,
    firstListedAt: W - 48 * HOUR,
    lastListedAt: W + 4 * HOUR,
    lastListedCount: 4,
    retentionMs: RETENTION,
    gsi1pk: 'INSTANCES',
    gsi1sk: keys.instanceSk(CLUSTER, instance),
    ...overrides,
  };
}

function gap(instance: string, from: number, to: number): ListingGap {
  return {
    pk: keys.activePk(instance),
    sk: keys.gapSk(from),
    cluster: CLUSTER,
    instance,
    from,
    to,
    retentionMs: RETENTION,
    gsi2pk: keys.clusterGapsPk(CLUSTER),
    gsi2sk: keys.gapIndexSk(from, instance),
  };
}

/** A file of `instance` in hour `W + hour h`. */
function file(instance: string, h: number, writer: number, overrides: Partial<FileRecord> = {}): FileRecord {
  const name = auroraAuditName(writer, W + h * HOUR + 5 * MINUTE);
  return overrides.state === 'archived' || overrides.state === undefined
    ? archivedRecord(name, { instance, lastWritten: W + h * HOUR + 30 * MINUTE, ...overrides })
    : fileRecord(name, { instance, lastWritten: W + h * HOUR + 30 * MINUTE, ...overrides });
}

function input(overrides: Partial<CompletenessInput> = {}): CompletenessInput {
  return {
    cluster: CLUSTER,
    logType: 'audit',
    from: W,
    to: W + 4 * HOUR,
    now: W + 4 * HOUR + 10 * MINUTE,
    instances: [meta(INSTANCE), meta(OTHER)],
    files: [],
    gaps: [],
    ...overrides,
  };
}

describe('buildCompletenessReport', () => {
  it('says COMPLETE when every file is archived and both instances were listed throughout', () => {
    const report = buildCompletenessReport(
      input({
        files: [file(INSTANCE, 0, 0, { archivedBytes: 100 }), file(OTHER, 2, 1, { archivedBytes: 50 })],
      }),
    );
    expect(report.hours).toEqual([W, W + HOUR, W + 2 * HOUR, W + 3 * HOUR]);
    expect(report.totals).toEqual({ ...emptyCounts(), files: 2, archived: 2, archivedBytes: 150 });
    expect(report.holes).toEqual([]);
    expect(report.verdict).toEqual({ complete: true, reasons: [] });
    expect(report.instances.map((i) => i.hours.map((h) => h.cell))).toEqual([
      ['archived', 'empty', 'empty', 'empty'],
      ['empty', 'empty', 'archived', 'empty'],
    ]);
  });

  it('counts each file once by its current state, in the hour of its name', () => {
    const report = buildCompletenessReport(
      input({
        files: [
          file(INSTANCE, 1, 0),
          file(INSTANCE, 1, 1, { state: 'seen' }),
          file(INSTANCE, 1, 2, { state: 'queued' }),
          file(INSTANCE, 1, 3, { state: 'archiving' }),
          file(INSTANCE, 2, 0, { state: 'failed', lastError: 'boom' }),
          file(INSTANCE, 3, 0, { state: 'lost' }),
        ],
      }),
    );
    const hours = report.instances[0]!.hours;
    expect(hours[1]).toMatchObject({
      files: 4,
      archived: 1,
      pending: 3,
      failed: 0,
      lost: 0,
      cell: 'pending',
    });
    expect(hours[2]).toMatchObject({ files: 1, failed: 1, cell: 'failed' });
    expect(hours[3]).toMatchObject({ files: 1, lost: 1, cell: 'lost' });
    expect(report.unfinished.map((f) => f.state)).toEqual(['seen', 'queued', 'archiving', 'failed', 'lost']);
    expect(report.unfinished.find((f) => f.state === 'failed')?.lastError).toBe('boom');
    expect(report.verdict.complete).toBe(false);
    expect(report.verdict.reasons).toEqual([
      '1 file lost (gone from RDS before archived)',
      '1 file failed (in the DLQ: redrive)',
      '3 files pending',
    ]);
  });

  it('counts a file archived once and grown since as pending and growing, not archived', () => {
    const grown = file(INSTANCE, 0, 0, {
      state: 'queued',
      generation: 2,
      archivedGeneration: 1,
      archivedBytes: 500,
      archivedSha256: 'a'.repeat(64),
    });
    const report = buildCompletenessReport(input({ files: [grown] }));
    expect(report.totals).toMatchObject({ files: 1, archived: 0, archivedBytes: 0, pending: 1, growing: 1 });
    expect(report.unfinished[0]).toMatchObject({ growing: true, generation: 2 });
    expect(report.verdict.reasons).toEqual(['1 file pending (1 archived earlier, grown since)']);
  });

  it('ignores files of other clusters, log types, hours and instances', () => {
    const report = buildCompletenessReport(
      input({
        instance: INSTANCE,
        files: [
          file(INSTANCE, 0, 0),
          file(OTHER, 0, 0, { state: 'failed' }),
          file(INSTANCE, 5, 0, { state: 'failed' }),
          { ...file(INSTANCE, 1, 0, { state: 'failed' }), cluster: 'elsewhere' },
          { ...file(INSTANCE, 1, 1, { state: 'failed' }), logType: 'error' },
        ],
      }),
    );
    expect(report.instances.map((i) => i.instance)).toEqual([INSTANCE]);
    expect(report.totals).toMatchObject({ files: 1, archived: 1 });
    expect(report.verdict.complete).toBe(true);
  });

  it('does not count the part of a gap the next listing still saw', () => {
    const holes = coverageHoles(INSTANCE, meta(INSTANCE), [gap(INSTANCE, W - 20 * HOUR, W + 20 * HOUR)], {
      from: W - 30 * HOUR,
      to: W + 30 * HOUR,
      now: W + 4 * HOUR,
    });
    expect(holes.filter((hole) => hole.kind === 'gap')).toEqual([
      expect.objectContaining({ from: W - 20 * HOUR, to: W - 4 * HOUR }),
    ]);
  });

  it('reports a recorded listing gap as a hole on every hour it touches, and INCOMPLETE', () => {
    const report = buildCompletenessReport(
      input({
        from: W + HOUR,
        to: W + 5 * HOUR,
        now: W + 30 * HOUR,
        instances: [meta(INSTANCE, { lastListedAt: W + 29 * HOUR })],
        gaps: [gap(INSTANCE, W - 20 * HOUR, W + 26 * HOUR + 30 * MINUTE), gap(OTHER, W, W + 26 * HOUR)],
        files: [file(INSTANCE, 3, 0)],
      }),
    );
    expect(report.holes).toEqual([
      expect.objectContaining({
        instance: INSTANCE,
        kind: 'gap',
        from: W + HOUR,
        to: W + 2 * HOUR + 30 * MINUTE,
        gapFrom: W - 20 * HOUR,
      }),
    ]);
    expect(report.instances[0]!.hours.map((h) => h.cell)).toEqual(['hole', 'hole', 'archived', 'empty']);
    expect(report.verdict.complete).toBe(false);
    expect(report.verdict.reasons[0]).toBe(
      `1 coverage hole, listing gaps longer than retention: ${INSTANCE} 2024-09-30 04:00Z - 2024-10-02 02:30Z`,
    );
  });

  it('marks hours before the first listing, an ongoing gap and a not-yet-listed tail', () => {
    const window = { from: W, to: W + 6 * HOUR, now: W + 40 * HOUR };
    // The first listing saw everything written in the retention before it.
    expect(
      coverageHoles(INSTANCE, meta(INSTANCE, { firstListedAt: W + 2 * HOUR + RETENTION }), [], window)[0],
    ).toMatchObject({
      kind: 'never-listed',
      from: W,
      to: W + 2 * HOUR,
    });
    expect(coverageHoles(INSTANCE, meta(INSTANCE, { firstListedAt: W + 2 * HOUR }), [], window)).toEqual([
      expect.objectContaining({ kind: 'ongoing-gap' }),
    ]);
    const stale = coverageHoles(INSTANCE, meta(INSTANCE, { lastListedAt: W + 3 * HOUR }), [], window);
    expect(stale).toEqual([
      expect.objectContaining({
        kind: 'ongoing-gap',
        from: W + 3 * HOUR,
        to: W + 6 * HOUR,
        gapTo: W + 40 * HOUR,
      }),
    ]);
    const recent = coverageHoles(INSTANCE, meta(INSTANCE, { lastListedAt: W + 5 * HOUR }), [], {
      ...window,
      now: W + 5 * HOUR + MINUTE,
    });
    expect(recent).toEqual([expect.objectContaining({ kind: 'not-yet-listed', from: W + 5 * HOUR })]);
    expect(coverageHoles(INSTANCE, undefined, [], window)).toEqual([
      expect.objectContaining({ kind: 'never-listed', from: W, to: W + 6 * HOUR }),
    ]);
  });

  it('treats a window reaching past the last listing as not complete yet', () => {
    const report = buildCompletenessReport(
      input({
        to: W + 6 * HOUR,
        now: W + 5 * HOUR,
        instances: [meta(INSTANCE, { lastListedAt: W + 4 * HOUR })],
      }),
    );
    expect(report.instances[0]!.hours.map((h) => h.cell)).toEqual([
      'empty',
      'empty',
      'empty',
      'empty',
      'unlisted',
      'unlisted',
    ]);
    expect(report.verdict.reasons).toEqual([`window ends after the last listing of ${INSTANCE}`]);
  });

  it('says INCOMPLETE for an instance asked for that was never listed, or a cluster with none', () => {
    const one = buildCompletenessReport(input({ instance: 'nobody' }));
    expect(one.verdict.complete).toBe(false);
    expect(one.holes[0]).toMatchObject({ instance: 'nobody', kind: 'never-listed' });
    expect(one.verdict.reasons).toEqual([
      'window starts before what the first listing of nobody (never listed) could see',
    ]);
    const late = buildCompletenessReport(
      input({ instances: [meta(INSTANCE, { firstListedAt: W + 90 * MINUTE + RETENTION })] }),
    );
    expect(late.verdict.reasons).toEqual([
      `window starts before what the first listing of ${INSTANCE} (2024-10-02 01:30Z) could see`,
    ]);
    const none = buildCompletenessReport(input({ instances: [] }));
    expect(none.verdict.reasons).toEqual(['no instance of this cluster has been listed']);
  });
});

describe('cellOf', () => {
  it('shows the worst state of the hour', () => {
    const counts = { ...emptyCounts(), files: 3, archived: 1, pending: 1, failed: 1 };
    expect(cellOf(counts, [])).toBe('failed');
    expect(cellOf({ ...counts, lost: 1 }, ['gap'])).toBe('lost');
    expect(cellOf({ ...emptyCounts(), files: 1, pending: 1 }, ['gap'])).toBe('hole');
    expect(cellOf({ ...emptyCounts(), files: 1, pending: 1 }, ['not-yet-listed'])).toBe('pending');
    expect(cellOf({ ...emptyCounts(), files: 1, archived: 1 }, ['not-yet-listed'])).toBe('unlisted');
    expect(cellOf(emptyCounts(), [])).toBe('empty');
  });
});

describe('renderGrid', () => {
  it('draws one character per instance-hour under a date and hour header, with a legend', () => {
    const report = buildCompletenessReport(
      input({
        from: W - 2 * HOUR,
        to: W + 2 * HOUR,
        instances: [meta(INSTANCE), meta(OTHER)],
        files: [
          file(INSTANCE, -2, 0),
          file(INSTANCE, 0, 1, { state: 'failed' }),
          file(OTHER, 1, 0, { state: 'lost' }),
        ],
      }),
    );
    const lines = renderGrid(report).split('\n');
    const pad = ' '.repeat(INSTANCE.length + 2);
    expect(lines.slice(0, 5)).toEqual([
      `${pad}  10-01`, // no room for 09-30 before the day changes
      `${pad}2200`,
      `${pad}2301`,
      `${INSTANCE}  #.F.`,
      `${OTHER}  ...L`,
    ]);
    expect(lines.at(-1)).toContain('# all archived');
    expect(lines.at(-1)).toContain('L lost');
    expect(renderGrid(report, { colour: true })).toContain('\x1b[31mF\x1b[0m');
  });

  it('cuts long windows into blocks', () => {
    const report = buildCompletenessReport(
      input({
        from: W,
        to: W + 30 * HOUR,
        now: W + 31 * HOUR,
        instances: [meta(INSTANCE, { lastListedAt: W + 31 * HOUR })],
      }),
    );
    const text = renderGrid(report, { hoursPerBlock: 24 });
    const rows = text.split('\n').filter((line) => line.startsWith(INSTANCE));
    expect(rows.map((row) => row.slice(INSTANCE.length + 2).length)).toEqual([24, 6]);
  });
});
