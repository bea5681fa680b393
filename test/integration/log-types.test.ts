/**
 * Log types other than Aurora MySQL audit, end to end on the local stack (DynamoDB Local, fauxqs,
 * the RDS simulator): RDS MySQL's error log, whose hourly names come back every day with new
 * content; PostgreSQL's log rotated by size within an hour; and PostgreSQL files that retention
 * removes before they are archived, reported lost with the hole in `completeness`; PostgreSQL's
 * csvlog files, archived under a key segment of their own and counted with the stderr files by
 * every `--log-type postgresql` report and by the digests.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { runDigester } from '../../core/digests/digester.js';
import { verifyDigests } from '../../core/digests/verify-digests.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import { runStatus } from '../../core/operations/status/status.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

/** The simulator's bytes of a listed file now: size and SHA-256. */
async function truth(h: PipelineHarness, instance: string, name: string) {
  const file = h.sim.world.listFiles(instance).find((f) => f.name === name);
  if (!file) throw new Error(`${name} is not listed on ${instance}`);
  return { size: file.size, sha256: await h.sim.world.sha256(instance, name, file.size) };
}

/** One discovery pass, then the queue drained. */
async function pass(h: PipelineHarness): Promise<void> {
  const summary = await h.discover();
  expect(summary.errors).toEqual([]);
  await h.drain();
}

/** Every file of a group and log type the ledger knows in a window, retired ones included. */
async function filesOf(h: PipelineHarness, group: string, logType: string, from: number, to: number) {
  return h.pipeline.clients.ledger.clusterFiles(group, logType, from, to);
}

describe('log types on the local stack', () => {
  it("archives RDS MySQL's mysql-error-running.log.15 of today and of tomorrow as two contents, both whole", async () => {
    harness = await startPipelineHarness('lt-mysql-error', {
      workload: { engines: ['mysql'], standaloneInstances: 1, logKinds: ['error'], historyHours: 1 },
      env: { ARCHIVER_INSTANCES: 'mysql-1', ARCHIVER_LOG_TYPES: 'error' },
    });
    const h = harness;
    const name = 'error/mysql-error-running.log.15';
    const seen: Array<{ size: number; sha256: string }> = [];
    // Day 1 15:10, then every 6 hours up to day 2 15:10: `.15` holds 14:00-15:00 of each day.
    for (let at = T0 + 15 * HOUR + 10 * MINUTE; at <= T0 + DAY + 15 * HOUR + 10 * MINUTE; at += 6 * HOUR) {
      h.clock.advance(at - h.clock.now());
      if ((at - T0) % DAY === 15 * HOUR + 10 * MINUTE) seen.push(await truth(h, 'mysql-1', name));
      await pass(h);
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]!.sha256).not.toBe(seen[1]!.sha256);

    const files = await filesOf(h, 'mysql-1', 'error', T0 - DAY, T0 + 2 * DAY);
    const fifteen = files.filter((f: FileRecord) => f.archivedName === name);
    expect(fifteen.map((f) => f.state)).toEqual(['archived', 'archived']);
    expect(new Set(fifteen.map((f) => f.contentId)).size).toBe(2);
    const objects = await Promise.all(fifteen.map((f) => h.readObject(f.s3Key)));
    expect(objects.map(({ sha256, bytes }) => ({ size: bytes, sha256 }))).toEqual(seen);
    expect(fifteen.map((f) => f.s3Key)).toEqual([
      expect.stringMatching(
        /^mysql-1\/error\/2026\/03\/01\/14\/mysql-1\/mysql-error-running\.log!20260301T14\d+Z\.gz$/,
      ),
      expect.stringMatching(
        /^mysql-1\/error\/2026\/03\/02\/14\/mysql-1\/mysql-error-running\.log!20260302T14\d+Z\.gz$/,
      ),
    ]);
    // The 5-minute staging copy is never archived: its bytes are in the running log.
    expect(files.some((f) => f.logFileName === 'error/mysql-error.log')).toBe(false);
    expect(files.filter((f) => f.state === 'lost')).toEqual([]);
  });

  it('archives every file of a PostgreSQL log rotated by size within one hour, each under that hour', async () => {
    harness = await startPipelineHarness('lt-pg-size', {
      workload: {
        engines: ['postgres'],
        standaloneInstances: 1,
        historyHours: 0.5,
        writerBytesPerSecond: 16,
        pgLogFilename: 'minute',
        pgRotationSizeKb: 1,
      },
      env: { ARCHIVER_INSTANCES: 'postgres-1', ARCHIVER_LOG_TYPES: 'postgresql' },
    });
    const h = harness;
    h.clock.advance(70 * MINUTE);
    const inHour = h.sim.world
      .listFiles('postgres-1')
      .filter((f) => f.name.startsWith('error/postgresql.log.2026-03-01-00'));
    expect(inHour.length).toBeGreaterThanOrEqual(3);
    const expected = await Promise.all(inHour.map((f) => truth(h, 'postgres-1', f.name)));
    await pass(h);

    const keys = await h.objectKeys();
    for (const [i, file] of inHour.entries()) {
      const key = `postgres-1/postgresql/2026/03/01/00/postgres-1/${file.name.slice('error/'.length)}.gz`;
      expect(keys).toContain(key);
      const object = await h.readObject(key);
      expect({ size: object.bytes, sha256: object.sha256 }).toEqual(expected[i]);
      const record = await h.ledgerFile('postgres-1', file.name);
      expect(record).toMatchObject({ state: 'archived', logType: 'postgresql' });
    }
  });

  it('reports PostgreSQL files that retention removed before they were archived as lost, with the hole in completeness', async () => {
    harness = await startPipelineHarness('lt-pg-retention', {
      workload: {
        engines: ['postgres'],
        standaloneInstances: 1,
        historyHours: 2,
        // rds.log_retention_period at its documented minimum of one day.
        pgRetentionMinutes: 1440,
      },
      env: {
        ARCHIVER_INSTANCES: 'postgres-1',
        ARCHIVER_LOG_TYPES: 'postgresql',
        ARCHIVER_RETENTION_HOURS: '24',
      },
    });
    const h = harness;
    const first = await h.discover();
    expect(first.enqueued).toBeGreaterThan(0);
    const early = h.sim.world.listFiles('postgres-1').map((f) => f.name);
    // Nothing is archived (the archiver is down): a day and a half later retention removed them.
    await h.peekMessages(h.res.queueUrl);
    h.clock.advance(DAY + 12 * HOUR);
    const now = h.sim.world.listFiles('postgres-1').map((f) => f.name);
    const removed = early.filter((name) => !now.includes(name));
    expect(removed.length).toBeGreaterThan(0);
    await h.discover();
    await h.discover();
    for (const name of removed) {
      const record = await h.ledgerFile('postgres-1', name);
      expect(record?.state, name).toBe('lost');
      expect(record?.lostReason).toMatch(/gone from 2 consecutive RDS listings before it was archived/);
    }

    const report = await runCompleteness(
      { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
      { instance: 'postgres-1', from: T0 - 2 * HOUR, to: T0 + DAY, logType: 'postgresql' },
    );
    expect(report.verdict.complete).toBe(false);
    expect(report.totals.lost).toBe(removed.length);
    // The listings were a day and a half apart, longer than the retention: a hole, with the gap.
    expect(report.holes).toContainEqual(
      expect.objectContaining({
        instance: 'postgres-1',
        kind: 'gap',
        gapFrom: T0,
        gapTo: T0 + DAY + 12 * HOUR,
      }),
    );

    // failures and status, per log type: the losses are PostgreSQL's, none is an audit log's.
    const ledger = h.pipeline.clients.ledger;
    const filter = { instance: 'postgres-1' };
    expect(
      (await runFailures({ ledger }, filter, 'postgresql')).map((row) => row.logFileName).sort(),
    ).toEqual([...removed].sort());
    expect(await runFailures({ ledger }, filter, 'audit')).toEqual([]);
    const at = () => h.clock.now();
    expect((await runStatus({ ledger, now: at }, { filter, logType: 'postgresql' })).onRecord?.lost).toBe(
      removed.length,
    );
    expect((await runStatus({ ledger, now: at }, { filter, logType: 'error' })).onRecord?.lost).toBe(0);
  });

  it('archives csvlog files under postgresql-csvlog, counted with the stderr files by --log-type postgresql and the digests', async () => {
    harness = await startPipelineHarness('lt-pg-csvlog', {
      workload: { engines: ['postgres'], standaloneInstances: 1, historyHours: 3, pgCsvlog: true },
      env: { ARCHIVER_INSTANCES: 'postgres-1', ARCHIVER_LOG_TYPES: 'postgresql' },
    });
    const h = harness;
    h.clock.advance(10 * MINUTE);
    await pass(h);
    const from = T0 - 4 * HOUR;
    const to = T0 + HOUR;
    const archived = (await filesOf(h, 'postgres-1', 'postgresql', from, to)).filter(
      (f) => f.state === 'archived',
    );
    const csv = archived.filter((f) => f.logFileName.endsWith('.csv'));
    expect(csv.length).toBeGreaterThan(1);
    expect(archived.length - csv.length).toBeGreaterThan(1);
    const keys = await h.objectKeys();
    for (const file of archived) {
      const segment = file.logFileName.endsWith('.csv') ? 'postgresql-csvlog' : 'postgresql';
      const base = file.logFileName.slice('error/'.length);
      expect(file.s3Key).toMatch(
        new RegExp(`^postgres-1/${segment}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/postgres-1/`),
      );
      expect(file.s3Key.endsWith(`/${base}.gz`)).toBe(true);
      expect(keys).toContain(file.s3Key);
      expect(file.logType).toBe('postgresql');
    }

    const ledger = h.pipeline.clients.ledger;
    const now = () => h.clock.now();
    const filter = { instance: 'postgres-1' };
    const report = await runCompleteness({ ledger, now }, { ...filter, from, to, logType: 'postgresql' });
    expect(report.totals.archived).toBe(archived.length);
    expect((await runStatus({ ledger, now }, { filter, logType: 'postgresql' })).totals.archived).toBe(
      archived.length,
    );
    const verified = await runVerify(
      { ledger, s3: h.res.clients.s3, bucket: h.res.bucket, now },
      { filter, logType: 'postgresql', from, to },
    );
    expect({ verdict: verified.verdict, ok: verified.counts.ok }).toEqual({
      verdict: 'verified',
      ok: archived.length,
    });

    // The digest of the hour they were archived in lists every one, and verify --digests finds them
    // all under their segments, none unlisted.
    h.clock.advance(HOUR);
    await runDigester(await h.pipeline.digesterDeps(now));
    const digests = await verifyDigests(
      {
        s3: h.res.clients.s3,
        bucket: h.res.bucket,
        keyPrefix: h.pipeline.config.keyPrefix,
        keyLayout: h.pipeline.config.keyLayout,
        now,
      },
      { from: T0, to: T0 + HOUR },
    );
    expect(digests.problems).toEqual([]);
    expect(digests.verdict).toBe('verified');
    expect(digests.objects.ok).toBe(archived.length);
  });
});
