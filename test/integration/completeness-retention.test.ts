/**
 * Coverage holes from each engine's and log type's retention, on the local stack (DynamoDB Local,
 * fauxqs, the RDS simulator): an Aurora MySQL cluster (audit kept 24 hours, the error log 30 days)
 * and an RDS PostgreSQL instance (rds.log_retention_period's default, 3 days), with
 * ARCHIVER_RETENTION_HOURS at 14 days, longer than both: the engines' own retentions decide.
 *
 * - Two days without a listing: a hole in the Aurora audit log (24 h), none in its error log or
 *   in PostgreSQL's log, whose files the next listing still saw and archived: COMPLETE.
 * - Then four days, with PostgreSQL's files queued but not archived: RDS removed them after 3
 *   days, so they are LOST and the gap is a hole; the Aurora error log still has no hole.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CLUSTER = 'aurora-audit-1';
const AURORA = `${CLUSTER}-instance-1`;
const PG = 'postgres-1';

/** The listings: A0, A1 two days later (everything archived at both), B0, B1 four days later. */
const A0 = T0;
const A1 = A0 + 2 * DAY;
const B0 = A1 + HOUR;
const B1 = B0 + 4 * DAY;

let h: PipelineHarness;

async function pass(): Promise<void> {
  const summary = await h.discover();
  expect(summary.errors).toEqual([]);
  await h.drain();
}

function report(group: { cluster?: string; instance?: string }, logType: string, from: number, to: number) {
  return runCompleteness(
    { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
    { ...group, from, to, logType },
  );
}

const gapHoles = (r: CompletenessReport) => r.holes.filter((hole) => hole.kind === 'gap');

describe('coverage holes from each engine and log type', () => {
  /** Reports of the two-day gap, taken at A1. */
  let two: Record<'audit' | 'error' | 'postgresql', CompletenessReport>;
  /** The PostgreSQL files listed at B0 and never archived. */
  let stranded: string[];

  beforeAll(async () => {
    h = await startPipelineHarness('cret', {
      workload: {
        engines: ['aurora-mysql', 'postgres'],
        clusters: 1,
        instancesPerCluster: 1,
        standaloneInstances: 1,
        historyHours: 1,
        logKinds: ['audit', 'error'],
        // Six simulated days of logs: a few bytes a second keep them small.
        writerBytesPerSecond: 4,
      },
      env: {
        ARCHIVER_INSTANCES: PG,
        ARCHIVER_LOG_TYPES: 'audit,error,postgresql',
        ARCHIVER_RETENTION_HOURS: String(14 * 24),
      },
    });
    await pass();
    h.clock.advance(A1 - h.clock.now());
    await pass();
    two = {
      audit: await report({ cluster: CLUSTER }, 'audit', A0, A1),
      error: await report({ cluster: CLUSTER }, 'error', A0, A1),
      postgresql: await report({ instance: PG }, 'postgresql', A0, A1),
    };

    // B0: PostgreSQL's new files are listed and queued, and no archiver runs for four days.
    h.clock.advance(B0 - h.clock.now());
    const listed = await h.discover();
    expect(listed.errors).toEqual([]);
    const pending = await h.pipeline.clients.ledger.clusterFiles(PG, 'postgresql', A1 - HOUR, B0);
    stranded = pending.filter((f) => f.state !== 'archived').map((f) => f.logFileName);
    h.clock.advance(B1 - h.clock.now());
    // Two listings without them: gone before archived.
    await h.discover();
    h.clock.advance(5 * MINUTE);
    await h.discover();
  }, 600_000);
  afterAll(() => h?.cleanup());

  it('records each instance engine and its retention per log type on the listing', async () => {
    const metas = await h.pipeline.clients.ledger.instances();
    const byInstance = new Map(metas.map((m) => [m.instance, m]));
    expect(byInstance.get(PG)).toMatchObject({
      engine: 'postgres',
      retention: { postgresql: 3 * DAY },
      retentionMs: 3 * DAY,
    });
    expect(byInstance.get(AURORA)).toMatchObject({
      engine: 'aurora-mysql',
      retention: { audit: DAY, error: 14 * DAY },
      retentionMs: DAY,
    });
  });

  it('makes two days without a listing a hole in the 24-hour audit log only', () => {
    expect(gapHoles(two.audit)).toEqual([
      expect.objectContaining({ instance: AURORA, from: A0, to: A0 + DAY, retentionMs: DAY }),
    ]);
    expect(two.audit.verdict.complete).toBe(false);
  });

  it('finds the error log and the PostgreSQL log of those two days complete: the next listing saw them all', () => {
    for (const r of [two.error, two.postgresql]) {
      expect(r.holes).toEqual([]);
      expect(r.totals.files).toBeGreaterThan(40);
      expect(r.totals.archived).toBe(r.totals.files);
      expect(r.verdict).toEqual({ complete: true, reasons: [] });
    }
    expect(two.postgresql.instances[0]).toMatchObject({
      retentionMs: 3 * DAY,
      retentionBasis: 'log-type',
      engine: 'postgres',
    });
    expect(two.error.instances[0]).toMatchObject({ retentionMs: 14 * DAY, retentionBasis: 'log-type' });
  });

  it('reports PostgreSQL files retention removed in a four-day gap as lost, and the gap as a hole', async () => {
    expect(stranded.length).toBeGreaterThan(0);
    const r = await report({ instance: PG }, 'postgresql', A1, B1);
    expect(gapHoles(r)).toEqual([
      expect.objectContaining({ from: B0, to: B1 - 3 * DAY, gapFrom: B0, gapTo: B1, retentionMs: 3 * DAY }),
    ]);
    const lost = r.unfinished.filter((f) => f.state === 'lost').map((f) => f.logFileName);
    expect(lost.sort()).toEqual([...stranded].sort());
    expect(r.totals.lost).toBe(stranded.length);
    expect(r.verdict.complete).toBe(false);
    expect(r.verdict.reasons).toEqual(
      expect.arrayContaining([
        `${stranded.length} file${stranded.length === 1 ? '' : 's'} lost (gone from RDS before archived)`,
        expect.stringMatching(/^1 coverage hole, listing gaps longer than retention: postgres-1 /),
      ]),
    );
  });

  it('finds no hole in the Aurora error log over the same four days (kept 30 days, bounded to 14)', async () => {
    const r = await report({ cluster: CLUSTER }, 'error', B0, B1);
    expect(gapHoles(r)).toEqual([]);
    expect(r.totals.lost).toBe(0);
    const audit = await report({ cluster: CLUSTER }, 'audit', B0, B1);
    expect(gapHoles(audit)).toEqual([expect.objectContaining({ from: B0, to: B1 - DAY })]);
  });

  it('says in the text report which retention it assumed', async () => {
    const { io, out } = bufferIo({ env: h.env });
    const code = await main(
      [
        'completeness',
        '--instance',
        PG,
        '--log-type',
        'postgresql',
        '--ledger-only',
        '--from',
        new Date(A1).toISOString(),
        '--to',
        new Date(B1).toISOString(),
      ],
      io,
    );
    expect(code).toBe(1);
    expect(out()).toContain(`Retention assumed: 3d00h, postgresql logs on postgres: ${PG}`);
    expect(out()).toMatch(/postgres-1 {2}gap .*\(4d00h > 3d00h retention\)/);
  });
});
