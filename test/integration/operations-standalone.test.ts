/**
 * The operator commands for standalone instances and renamed files (issue 11, Proof): status,
 * completeness, failures, verify and redrive over RDS MySQL and MariaDB instances (in no DB
 * cluster, selected by ARCHIVER_INSTANCES) whose audit plugin renames `server_audit.log` on every
 * rotation, on the local stack (DynamoDB Local, fauxqs, the RDS simulator over HTTP), through the
 * use cases and the CLI. Completeness counts contents, not names: the same few names hold many
 * contents over the scenario, and each content counts once.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import { type RedriveDeps, redrive } from '../../core/operations/redrive/redrive.js';
import { runStatus } from '../../core/operations/status/status.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import { bytesOf, contentsNow, objectsOf, type SimContent } from '../support/content-oracle.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';

/** A hang net only (these wait on state through many round trips); main's project-wide net is the same. */
const LONG = 900_000;
const SECOND = 1000;
const HOUR = 3_600_000;
const MYSQL = 'mysql-1';
const MARIADB = 'mariadb-1';

let h: PipelineHarness;
let redriveDeps: RedriveDeps;
/** Every content the simulator served at an audit name of MYSQL, at the largest size listed. */
const contents = new Map<string, SimContent>();
/** The names those contents were listed under. */
const names = new Set<string>();

function observe(): void {
  for (const content of contentsNow(h.sim.world, MYSQL)) {
    names.add(content.name);
    const known = contents.get(content.id);
    if (!known || known.size < content.size) contents.set(content.id, content);
  }
}

/** Lists and drains until a pass sends nothing and nothing is open (the clock stands still). */
async function settle(): Promise<void> {
  for (let round = 0; round < 6; round++) {
    observe();
    const { enqueued } = await h.discover();
    await h.drain();
    const open = (
      await Promise.all([MYSQL, MARIADB].map((i) => h.pipeline.clients.ledger.instanceState(i)))
    ).flatMap((s) => s.files.filter((f) => ['seen', 'queued', 'archiving'].includes(f.state)));
    if (enqueued === 0 && open.length === 0) return;
  }
  throw new Error('the pipeline did not settle');
}

async function files(instance: string): Promise<FileRecord[]> {
  return (await h.pipeline.clients.ledger.instanceState(instance)).files;
}

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

describe('Operator commands for standalone instances and renamed files', () => {
  beforeAll(async () => {
    h = await startPipelineHarness('ops-standalone', {
      workload: {
        engines: ['mysql', 'mariadb'],
        standaloneInstances: 1,
        historyHours: 0.05,
        writerBytesPerSecond: 64,
        auditRotateBytes: 4000,
        auditRotations: 5,
        logKinds: ['audit'],
      },
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 2,
      env: {
        ARCHIVER_INSTANCES: `${MYSQL},${MARIADB}`,
        ARCHIVER_SETTLE_SECONDS: '0',
        ARCHIVER_MAX_ATTEMPTS: '2',
      },
    });
    redriveDeps = {
      sqs: h.pipeline.clients.sqs,
      ledger: h.pipeline.clients.ledger,
      queueUrl: h.res.queueUrl,
      dlqUrl: h.res.dlqUrl,
      now: () => h.clock.now(),
    };
    await settle();
    // Rotations one at a time, each archived before the next: every rotated name comes to hold
    // several contents in turn, and none falls off before it is archived.
    for (let i = 0; i < 6; i++) {
      h.clock.advance(20 * SECOND);
      h.sim.world.rotate(MYSQL);
      h.sim.world.rotate(MARIADB);
      await settle();
    }
    // MariaDB's next contents fail on every attempt: parked in the DLQ as failed.
    h.sim.faults.add({ kind: 'always-fail', instance: MARIADB });
    h.clock.advance(20 * SECOND);
    h.sim.world.rotate(MARIADB);
    observe();
    await h.discover();
    await h.drain();
    await h.drain();
  }, LONG);

  afterAll(() => h?.cleanup());

  it('status groups each standalone instance as its own group', async () => {
    const report = await runStatus(
      { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
      { filter: {} },
    );
    const rows = report.instances.map((r) => [r.cluster, r.instance, r.standalone]);
    expect(rows).toEqual([
      [MARIADB, MARIADB, true],
      [MYSQL, MYSQL, true],
    ]);
    const mysql = report.instances.find((r) => r.instance === MYSQL)!;
    expect(mysql.states.archived).toBe((await files(MYSQL)).filter((f) => f.state === 'archived').length);
    expect(mysql.states.archived).toBeGreaterThan(0);
    const shown = await cli('status', '--instance', MYSQL);
    // (Exit 1 here: the CLI reads the wall clock, years after the simulated listing: "STALE".)
    expect(shown.err).toBe('');
    expect(shown.out).toContain('(standalone)');
    expect(shown.out).toContain(MYSQL);
    expect(shown.out).not.toContain(MARIADB);
  });

  it('completeness counts contents, not names', async () => {
    const now = h.clock.now();
    const report = await runCompleteness(
      { ledger: h.pipeline.clients.ledger, now: () => now },
      { instance: MYSQL, from: now - 2 * HOUR, to: now, logType: 'audit' },
    );
    expect(report).toMatchObject({ cluster: MYSQL, standalone: true });
    // Every content, also the live one just after its rotation, still empty (an empty generation).
    const served = [...contents.values()];
    // The instance listed at most 6 names at once; it served many more contents under them.
    expect(served.length).toBeGreaterThan(names.size);
    expect(report.totals.files).toBe(served.length);
    expect(report.totals.archived).toBe(served.length);
    expect(report.totals).toMatchObject({ failed: 0, lost: 0, pending: 0 });
    expect(report.verdict.complete, report.verdict.reasons.join('; ')).toBe(true);
    // Each served content is in one object, whole.
    const objects = [...(await objectsOf(h.res.clients.s3, h.res.bucket))].filter(([key]) =>
      key.includes(`/${MYSQL}/`),
    );
    for (const content of served) {
      const whole = objects.filter(([, bytes]) => bytes.equals(bytesOf(content, content.size)));
      expect(whole.length, `${content.name} ${content.id}`).toBe(1);
    }
    const shown = await cli(
      'completeness',
      '--instance',
      MYSQL,
      '--from',
      new Date(now - 2 * HOUR).toISOString(),
      '--to',
      new Date(now).toISOString(),
    );
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`instance ${MYSQL} (standalone)`);
  });

  it('failures lists the failed contents of a standalone instance by name and content', async () => {
    const failed = (await files(MARIADB)).filter((f) => f.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    const rows = await runFailures({ ledger: h.pipeline.clients.ledger }, { instance: MARIADB });
    expect(rows.map((r) => [r.state, r.cluster, r.instance, r.contentId]).sort()).toEqual(
      failed.map((f) => ['failed', MARIADB, MARIADB, f.contentId]).sort(),
    );
    expect(await runFailures({ ledger: h.pipeline.clients.ledger }, { instance: MYSQL })).toEqual([]);
    const shown = await cli('failures', '--instance', MARIADB);
    expect(shown.code).toBe(1);
    for (const f of failed) expect(shown.out).toContain(`[content ${f.contentId}]`);
  });

  it(
    'redrive sends the failed contents back, and they are archived',
    async () => {
      const failed = (await files(MARIADB)).filter((f) => f.state === 'failed');
      h.sim.faults.clear();
      const result = await redrive(redriveDeps, { filter: { instance: MARIADB } });
      expect(result.moved.map((m) => m.message.contentId).sort()).toEqual(
        failed.map((f) => f.contentId).sort(),
      );
      expect(result.moved.every((m) => m.message.v === 3 && m.ledger === 'reset')).toBe(true);
      await settle();
      const after = await files(MARIADB);
      for (const f of failed) expect(after.find((r) => r.sk === f.sk)?.state).toBe('archived');
      expect(await runFailures({ ledger: h.pipeline.clients.ledger }, {})).toEqual([]);
      expect((await cli('failures')).code).toBe(0);
    },
    LONG,
  );

  it('verify reads every content object of a standalone instance back', async () => {
    const report = await runVerify(
      { ledger: h.pipeline.clients.ledger, s3: h.res.clients.s3, bucket: h.res.bucket },
      { filter: { instance: MYSQL }, logType: 'audit' },
    );
    expect(report.problems).toEqual([]);
    expect(report.verdict).toBe('verified');
    expect(report.counts.ok).toBe(contents.size);
    const shown = await cli('verify', '--instance', MARIADB);
    expect(shown.code, shown.err).toBe(0);
  });
});
