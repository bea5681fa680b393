/**
 * RDS's own evidence of deletion on the local stack: the simulator's Aurora deletes log files
 * under storage pressure and reports each unpublished one with RDS-EVENT-0611; the discoverer
 * reads DescribeEvents since its cursor and records them; `completeness` shows an `rds-deleted`
 * coverage hole with the event as evidence, distinct from a listing gap.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { auroraAuditName } from '../support/factories.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CLUSTER = 'aurora-audit-1';
const I1 = `${CLUSTER}-instance-1`;
const I2 = `${CLUSTER}-instance-2`;
/** The hour of the files: two hours before the first listing, so well within what it sees. */
const H = T0 - 2 * HOUR;
const WINDOW = [
  '--cluster',
  CLUSTER,
  '--from',
  new Date(H).toISOString(),
  '--to',
  new Date(H + HOUR).toISOString(),
];

const FILES = {
  // Archived normally.
  kept: { instance: I1, name: auroraAuditName(0, H), size: 3000, lastWritten: H + 40 * MINUTE },
  // Deleted by storage pressure before any listing saw it: only RDS's event tells.
  unseen: { instance: I1, name: auroraAuditName(1, H), size: 2000, lastWritten: H + 5 * MINUTE },
  // Listed and queued, then deleted before it was archived: lost, and RDS says why.
  queued: { instance: I2, name: auroraAuditName(2, H), size: 2500, lastWritten: H + 5 * MINUTE },
  other: { instance: I2, name: auroraAuditName(3, H), size: 2600, lastWritten: H + 45 * MINUTE },
} as const;

let h: PipelineHarness;

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

async function storagePressure(
  instance: string,
  files: number,
): Promise<Array<{ file: string; reported: boolean }>> {
  const answer = await fetch(`${h.sim.url}/_sim/storage-pressure`, {
    method: 'POST',
    body: JSON.stringify({ instance, files }),
  });
  return ((await answer.json()) as { deleted: Array<{ file: string; reported: boolean }> }).deleted;
}

describe('RDS deletion events as evidence of coverage holes', () => {
  beforeAll(async () => {
    h = await startPipelineHarness('cdel', {
      workload: { instancesPerCluster: 2, historyHours: 0, logKinds: ['error'] },
    });
    for (const file of Object.values(FILES)) {
      h.sim.world.addFile(file.instance, file.name, { size: file.size, lastWritten: file.lastWritten });
    }
    // `unseen` is I1's oldest file: storage pressure removes it before the first listing.
    expect(await storagePressure(I1, 1)).toEqual([
      expect.objectContaining({ file: FILES.unseen.name, reported: true }),
    ]);
    await h.discover();
    // `queued` was listed and queued; storage pressure removes it before the archiver runs.
    expect(await storagePressure(I2, 1)).toEqual([
      expect.objectContaining({ file: FILES.queued.name, reported: true }),
    ]);
    h.clock.advance(5 * MINUTE);
    await h.discover();
    await h.drain();
    h.clock.advance(5 * MINUTE);
    await h.discover();
  }, 120_000);
  afterAll(() => h?.cleanup());

  it('the discoverer records each event once, and moves its cursor on the heartbeat', async () => {
    const events = await h.pipeline.clients.ledger.clusterDeletionEvents(CLUSTER, H, H);
    expect(events.map((e) => [e.instance, e.file, e.reason, e.logType])).toEqual([
      [I1, FILES.unseen.name, 'storage', 'audit'],
      [I2, FILES.queued.name, 'storage', 'audit'],
    ]);
    expect(events.every((e) => /deleted/.test(e.message))).toBe(true);
    const { meta } = await h.pipeline.clients.ledger.instanceState(I2);
    expect(meta?.eventsCursor).toBe(events[1]?.date);
  });

  it('completeness shows an rds-deleted hole with the event as evidence: INCOMPLETE (exit 1)', async () => {
    const shown = await cli('completeness', ...WINDOW, '--json');
    expect(shown.code).toBe(1);
    const report = JSON.parse(shown.out) as CompletenessReport;
    expect(
      report.holes.map((hole) => [hole.instance, hole.kind, hole.evidence?.file, hole.evidence?.reason]),
    ).toEqual([
      [I1, 'rds-deleted', FILES.unseen.name, 'storage'],
      [I2, 'rds-deleted', FILES.queued.name, 'storage'],
    ]);
    expect(report.holes[0]).toMatchObject({ from: H, to: H + HOUR });
    expect(report.totals).toMatchObject({ files: 3, archived: 2, lost: 1 });
    expect(report.unfinished.map((f) => [f.logFileName, f.state])).toEqual([[FILES.queued.name, 'lost']]);
    expect(report.verdict.reasons).toEqual([
      '1 file lost (gone from RDS before archived)',
      `2 log files deleted by RDS before archived (RDS events): ${I1} ${FILES.unseen.name}, ${I2} ${FILES.queued.name}`,
    ]);
    expect(report.instances.map((i) => i.hours[0]?.cell)).toEqual(['hole', 'lost']);

    const text = await cli('completeness', ...WINDOW);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(
      new RegExp(
        `${I1}  rds-deleted  .*RDS deleted ${FILES.unseen.name.replaceAll('.', '\\.')} before it was archived \\(storage\\): RDS event of .*: "Log file`,
      ),
    );
  });

  it('a window without deletions is untouched by them', async () => {
    const shown = await cli(
      'completeness',
      '--cluster',
      CLUSTER,
      '--from',
      new Date(H - HOUR).toISOString(),
      '--to',
      new Date(H).toISOString(),
      '--json',
    );
    const report = JSON.parse(shown.out) as CompletenessReport;
    expect(report.holes).toEqual([]);
    expect(shown.code).toBe(0);
  });
});

describe('RDS-EVENT-0610: a file retention removed before any listing saw it', () => {
  let r: PipelineHarness;
  afterAll(() => r?.cleanup());

  it('is recorded from DescribeEvents and shown as an rds-deleted hole (retention), INCOMPLETE (exit 1)', async () => {
    r = await startPipelineHarness('cdel-ret', {
      workload: { instancesPerCluster: 1, historyHours: 0, logKinds: ['error'], retentionHours: 1 },
    });
    const instance = `${CLUSTER}-instance-1`;
    const name = auroraAuditName(0, T0 - 30 * MINUTE);
    r.sim.world.addFile(instance, name, { size: 1200, lastWritten: T0 - 20 * MINUTE });
    await r.discover();
    const seen = await r.ledgerFile(instance, name);
    expect(seen?.state).toBe('queued');
    // Past its retention before the archiver ran: RDS deletes it, unpublished, and says so.
    r.clock.advance(50 * MINUTE);
    await r.discover();
    const events = await r.pipeline.clients.ledger.clusterDeletionEvents(CLUSTER, T0 - HOUR, T0);
    expect(events.map((e) => [e.file, e.reason, e.date])).toEqual([[name, 'retention', T0 + 40 * MINUTE]]);

    const { io, out } = bufferIo({ env: r.env });
    const code = await main(
      [
        'completeness',
        '--cluster',
        CLUSTER,
        '--from',
        new Date(T0 - HOUR).toISOString(),
        '--to',
        new Date(T0).toISOString(),
        '--json',
      ],
      io,
    );
    expect(code).toBe(1);
    const report = JSON.parse(out()) as CompletenessReport;
    expect(report.holes).toEqual([
      expect.objectContaining({
        instance,
        kind: 'rds-deleted',
        evidence: expect.objectContaining({ file: name, reason: 'retention', date: T0 + 40 * MINUTE }),
      }),
    ]);
  }, 120_000);
});
