import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { parseArchiveMessage } from '../../core/messages.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import { type RedriveDeps, redrive } from '../../core/operations/redrive/redrive.js';
import { runStatus } from '../../core/operations/status/status.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import { auroraAuditName } from '../support/factories.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The second listing comes 25 h after the first: more than the 24 h retention, so a gap. */
const T1 = T0 + 25 * HOUR;
const CLUSTER = 'aurora-audit-1';
const I1 = `${CLUSTER}-instance-1`;
const I2 = `${CLUSTER}-instance-2`;

/** The scenario's files (all in hour T1 but L, which is in hour T1+1h). */
const FILES = {
  A: { instance: I1, name: auroraAuditName(0, T1), size: 3000, lastWritten: T1 + 20 * MINUTE },
  A2: { instance: I1, name: auroraAuditName(0, T1 + 30 * MINUTE), size: 2500, lastWritten: T1 + 50 * MINUTE },
  F1: { instance: I1, name: auroraAuditName(1, T1), size: 2000, lastWritten: T1 + 50 * MINUTE },
  F3: { instance: I1, name: auroraAuditName(2, T1), size: 2100, lastWritten: T1 + 50 * MINUTE },
  B: { instance: I2, name: auroraAuditName(0, T1), size: 4000, lastWritten: T1 + 50 * MINUTE },
  F2: { instance: I2, name: auroraAuditName(1, T1), size: 2200, lastWritten: T1 + 50 * MINUTE },
  // Live and written just now: seen, waiting to settle.
  P: { instance: I2, name: auroraAuditName(3, T1), size: 1500, lastWritten: T1 + 80 * MINUTE },
  L: { instance: I2, name: auroraAuditName(2, T1 + HOUR), size: 1800, lastWritten: T1 + 65 * MINUTE },
} as const;

let h: PipelineHarness;
let redriveDeps: RedriveDeps;
const failFaults: string[] = [];

/** Message bodies in a queue, without hiding them (visibility 0; the queues here hold < 10). */
async function queueMessages(sqs: SQSClient, url: string): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

async function visibleCount(url: string): Promise<number> {
  const out = await h.res.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? -1);
}

function completeness(from: number, to: number, instance?: string): Promise<CompletenessReport> {
  return runCompleteness(
    { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
    { cluster: CLUSTER, from, to, logType: 'audit', ...(instance ? { instance } : {}) },
  );
}

/** An SQS client that "crashes" (throws) on its first DeleteMessage: the worst moment for a redrive. */
function crashingBeforeFirstDelete(sqs: SQSClient): SQSClient {
  let crashed = false;
  return new Proxy(sqs, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, ...rest: unknown[]) => {
        if (!crashed && command instanceof DeleteMessageCommand) {
          crashed = true;
          return Promise.reject(new Error('simulated crash before DeleteMessage'));
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
}

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

describe('Operations on the local stack', () => {
  beforeAll(async () => {
    h = await startPipelineHarness('ops', {
      // No generated audit files: the scenario adds exactly the files it is about.
      workload: { instancesPerCluster: 2, historyHours: 0, logKinds: ['error'] },
      // Two deliveries. A failed record comes back once the invocations running when it failed
      // have ended, never while it is archived (the harness hides received messages; see
      // test/support/pipeline.ts), however slow the machine.
      maxReceiveCount: 2,
      env: { ARCHIVER_MAX_ATTEMPTS: '2' },
    });
    redriveDeps = {
      sqs: h.pipeline.clients.sqs,
      ledger: h.pipeline.clients.ledger,
      queueUrl: h.res.queueUrl,
      dlqUrl: h.res.dlqUrl,
      now: () => h.clock.now(),
    };
    // First listing at T0, the next one 25 h later: a listing gap longer than the retention.
    await h.discover();
    h.clock.advance(25 * HOUR);
    await h.discover();
    h.clock.advance(80 * MINUTE);
    for (const file of Object.values(FILES)) {
      h.sim.world.addFile(file.instance, file.name, { size: file.size, lastWritten: file.lastWritten });
    }
    for (const file of [FILES.F1, FILES.F2, FILES.F3]) {
      failFaults.push(h.sim.faults.add({ kind: 'always-fail', instance: file.instance, file: file.name }));
    }
    h.sim.faults.add({ kind: 'vanish', instance: I2, file: FILES.L.name });
    // A malformed message: the archiver parks it in the DLQ with its reason.
    await h.res.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: h.res.queueUrl, MessageBody: '{"v":1,"cluster":"../x"}' }),
    );
    await h.discover();
    await h.drain();
  });
  afterAll(() => h?.cleanup());

  it('completeness reports exactly the archived, pending, failed and lost files and the gap: INCOMPLETE', async () => {
    const report = await completeness(T0, T1 + 80 * MINUTE);
    expect(report.hours).toHaveLength(27);
    expect(report.totals).toEqual({
      files: 8,
      archived: 3,
      archivedBytes: FILES.A.size + FILES.A2.size + FILES.B.size,
      pending: 1,
      growing: 0,
      failed: 3,
      lost: 1,
      missingObjects: 0,
    });
    const states = (instance: string) =>
      Object.fromEntries(
        report.unfinished.filter((f) => f.instance === instance).map((f) => [f.logFileName, f.state]),
      );
    expect(states(I1)).toEqual({ [FILES.F1.name]: 'failed', [FILES.F3.name]: 'failed' });
    expect(states(I2)).toEqual({
      [FILES.F2.name]: 'failed',
      [FILES.P.name]: 'seen',
      [FILES.L.name]: 'lost',
    });
    // The listing at T1 still saw the last 24 h (the retention): only the gap's first hour went unseen.
    expect(report.holes.map((hole) => [hole.instance, hole.kind, hole.from, hole.to])).toEqual([
      [I1, 'gap', T0, T1 - 24 * HOUR],
      [I2, 'gap', T0, T1 - 24 * HOUR],
    ]);
    const i2 = report.instances.find((i) => i.instance === I2)!;
    expect(i2.hours.find((row) => row.hour === T1)).toMatchObject({
      files: 3,
      archived: 1,
      pending: 1,
      failed: 1,
      lost: 0,
      cell: 'failed',
    });
    expect(i2.hours.find((row) => row.hour === T1 + HOUR)?.cell).toBe('lost');
    expect(i2.hours.find((row) => row.hour === T0)?.cell).toBe('hole');
    expect(i2.hours.find((row) => row.hour === T0 + 3 * HOUR)?.cell).toBe('empty');
    expect(report.verdict.complete).toBe(false);
    expect(report.verdict.reasons.join('\n')).toMatch(/1 file lost/);
    expect(report.verdict.reasons.join('\n')).toMatch(/3 files failed/);
    expect(report.verdict.reasons.join('\n')).toMatch(/2 coverage holes/);
    expect(report.verdict.reasons.join('\n')).toMatch(/1 file pending/);

    const shown = await cli(
      'completeness',
      '--cluster',
      CLUSTER,
      '--from',
      new Date(T0).toISOString(),
      '--to',
      new Date(T1 + 80 * MINUTE).toISOString(),
      '--grid',
    );
    expect(shown.code).toBe(1);
    expect(shown.out).toMatch(/^INCOMPLETE: .*1 file lost/m);
    expect(shown.out).toContain(`${I2}  ?..`);
  });

  it('status and failures show the failed and lost files and the DLQ depth', async () => {
    const status = await runStatus(
      {
        ledger: h.pipeline.clients.ledger,
        sqs: h.pipeline.clients.sqs,
        queueUrl: h.res.queueUrl,
        dlqUrl: h.res.dlqUrl,
        now: () => h.clock.now(),
      },
      { filter: {} },
    );
    expect(status.instances.map((i) => [i.instance, i.states])).toEqual([
      [I1, { seen: 0, queued: 0, archiving: 0, archived: 2, failed: 2, lost: 0 }],
      [I2, { seen: 1, queued: 0, archiving: 0, archived: 1, failed: 1, lost: 1 }],
    ]);
    expect(status.instances[1]?.oldestPending?.logFileName).toBe(FILES.P.name);
    expect(status.dlq?.visible).toBe(4); // three failed files and the malformed message
    expect(status.queue?.visible).toBe(0);
    expect(status.attention.join('\n')).toMatch(/3 failed file/);
    expect(status.onRecord).toEqual({ failed: 3, lost: 1 });

    const failures = await runFailures({ ledger: h.pipeline.clients.ledger }, { instance: I2 });
    expect(failures.map((f) => [f.state, f.logFileName, f.attempts]).sort()).toEqual([
      ['failed', FILES.F2.name, 2],
      ['lost', FILES.L.name, 1],
    ]);
    expect(failures.find((f) => f.state === 'failed')?.lastError).toMatch(/500|Internal/i);
    const shown = await cli('failures', '--cluster', CLUSTER);
    expect(shown.code).toBe(1);
    expect(shown.out).toContain('3 failed (redrive them once the cause is fixed), 1 lost.');
  });

  it('a dry run changes nothing', async () => {
    const result = await redrive(redriveDeps, { filter: { instance: I1 }, dryRun: true });
    expect(result.moved.map((m) => m.message.logFileName).sort()).toEqual(
      [FILES.F1.name, FILES.F3.name].sort(),
    );
    expect(result.kept).toBe(1);
    expect(result.reported).toHaveLength(1);
    expect(await visibleCount(h.res.dlqUrl)).toBe(4);
    expect(await visibleCount(h.res.queueUrl)).toBe(0);
    expect((await h.ledgerFile(I1, FILES.F1.name))?.state).toBe('failed');
  });

  it('an interrupted filtered redrive, rerun, moves only matching messages and loses or duplicates nothing', async () => {
    for (const id of failFaults) h.sim.faults.remove(id);
    const archivedBefore = h.pipeline.counters.filesArchived;

    // 1. Crash between SendMessage + ledger reset and DeleteMessage.
    await expect(
      redrive(
        { ...redriveDeps, sqs: crashingBeforeFirstDelete(h.pipeline.clients.sqs) },
        { filter: { instance: I1 } },
      ),
    ).rejects.toThrow(/simulated crash/);
    // One message is on the archive queue (not received here: a receive counts as an attempt),
    // and the ledger says queued for exactly one of the two files: the one it carries.
    expect(await visibleCount(h.res.queueUrl)).toBe(1);
    const states = [
      (await h.ledgerFile(I1, FILES.F1.name))?.state,
      (await h.ledgerFile(I1, FILES.F3.name))?.state,
    ].sort();
    expect(states).toEqual(['failed', 'queued']);
    expect(await visibleCount(h.res.dlqUrl)).toBe(4); // nothing left the DLQ

    // 2. Interrupted (Ctrl-C) after the first message.
    const stop = new AbortController();
    const interrupted = await redrive(redriveDeps, {
      filter: { instance: I1 },
      signal: stop.signal,
      onProgress: (done) => {
        if (done === 1) stop.abort();
      },
    });
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.examined).toBe(1);

    // 3. Rerun to the end: only instance-1's messages leave the DLQ.
    const rest = await redrive(redriveDeps, { filter: { instance: I1 } });
    expect(rest.interrupted).toBe(false);
    const moved = [...interrupted.moved, ...rest.moved].map((m) => m.message.logFileName);
    expect(new Set(moved)).toEqual(new Set([FILES.F1.name, FILES.F3.name]));
    const left = await queueMessages(h.res.clients.sqs, h.res.dlqUrl);
    expect(left).toHaveLength(2);
    // Both were parked by the archiver with their reason: the malformed one, and F2 on its last attempt.
    const reason = (m: Message) => m.MessageAttributes?.reason?.StringValue ?? '';
    const malformed = left.filter((m) => /^malformed/.test(reason(m)));
    expect(malformed).toHaveLength(1);
    const waiting = left.filter((m) => !malformed.includes(m));
    expect(waiting.map(reason)).toEqual([expect.stringMatching(/DownloadServerError/)]);
    expect(waiting.map((m) => parseArchiveMessage(m.Body!).logFileName)).toEqual([FILES.F2.name]);
    expect(waiting.map((m) => parseArchiveMessage(m.Body!).instance)).toEqual([I2]);
    expect((await h.ledgerFile(I1, FILES.F1.name))?.state).toBe('queued');
    expect((await h.ledgerFile(I1, FILES.F1.name))?.attempts).toBe(0);

    // The drain archives each file once; the extra copy from the crash is acknowledged without work.
    await h.drain();
    expect(h.pipeline.counters.filesArchived - archivedBefore).toBe(2);
    for (const file of [FILES.F1, FILES.F3]) {
      const record = await h.ledgerFile(file.instance, file.name);
      expect(record?.state).toBe('archived');
      expect(record?.archivedSha256).toBe(await h.sim.world.sha256(file.instance, file.name));
    }
    expect(await visibleCount(h.res.queueUrl)).toBe(0);
  });

  it('after redrive and drain everything is archived and completeness says COMPLETE', async () => {
    const shown = await cli('redrive', '--json');
    expect(shown.code).toBe(1); // the malformed message stays, listed
    const result = JSON.parse(shown.out);
    expect(result.moved.map((m: { message: { logFileName: string } }) => m.message.logFileName)).toEqual([
      FILES.F2.name,
    ]);
    expect(result.reported[0].reason).toMatch(/malformed message/);
    await h.drain();
    // P settles (quiet for longer than the settle period) and is archived by the next pass.
    h.clock.advance(10 * MINUTE);
    await h.discover();
    await h.drain();

    const hour = await completeness(T1, T1 + HOUR);
    expect(hour.totals).toMatchObject({ files: 7, archived: 7, pending: 0, failed: 0, lost: 0 });
    expect(hour.holes).toEqual([]);
    expect(hour.verdict).toEqual({ complete: true, reasons: [] });
    const text = await cli(
      'completeness',
      '--cluster',
      CLUSTER,
      '--from',
      new Date(T1).toISOString(),
      '--to',
      new Date(T1 + HOUR).toISOString(),
    );
    expect(text.code).toBe(0);
    expect(text.out.trimEnd().split('\n').at(-1)).toBe('COMPLETE');

    // The whole window still has the gap and the lost file, and says so.
    const whole = await completeness(T0, T1 + 80 * MINUTE);
    expect(whole.verdict.complete).toBe(false);
    expect(whole.verdict.reasons.join('\n')).not.toMatch(/failed|pending/);
    expect(whole.verdict.reasons.join('\n')).toMatch(/1 file lost/);
  });

  it('verify passes on intact objects and catches one overwritten and one deleted', async () => {
    const clean = await runVerify(
      { ledger: h.pipeline.clients.ledger, s3: h.res.clients.s3, bucket: h.res.bucket },
      { filter: { cluster: CLUSTER }, logType: 'audit' },
    );
    expect(clean.counts).toEqual({ ok: 7, missing: 0, mismatch: 0, unreadable: 0 });

    const sampled = await runVerify(
      { ledger: h.pipeline.clients.ledger, s3: h.res.clients.s3, bucket: h.res.bucket },
      { filter: {}, logType: 'audit', sample: 3, seed: 7 },
    );
    expect(sampled.checked).toBe(3);

    const a = (await h.ledgerFile(I1, FILES.A.name))!;
    const b = (await h.ledgerFile(I2, FILES.B.name))!;
    await h.res.clients.s3.send(
      new PutObjectCommand({ Bucket: h.res.bucket, Key: a.s3Key, Body: gzipSync('tampered\n') }),
    );
    await h.res.clients.s3.send(new DeleteObjectCommand({ Bucket: h.res.bucket, Key: b.s3Key }));

    const shown = await cli('verify', '--cluster', CLUSTER, '--json');
    expect(shown.code).toBe(1);
    const report = JSON.parse(shown.out);
    expect(report.counts).toEqual({ ok: 5, missing: 1, mismatch: 1, unreadable: 0 });
    const byFile = Object.fromEntries(
      report.problems.map((p: { logFileName: string; instance: string; status: string }) => [
        `${p.instance}/${p.logFileName}`,
        p.status,
      ]),
    );
    expect(byFile).toEqual({ [`${I1}/${FILES.A.name}`]: 'mismatch', [`${I2}/${FILES.B.name}`]: 'missing' });
    const text = await cli('verify', '--cluster', CLUSTER);
    expect(text.out).toMatch(/MISMATCH .*content is 9 bytes, ledger says 3000/);
    expect(text.out).toMatch(/MISSING/);
    expect(text.out.trimEnd().split('\n').at(-1)).toBe('PROBLEMS FOUND');

    // completeness no longer trusts the ledger alone: the hour is INCOMPLETE, both objects named.
    const hour = await cli(
      'completeness',
      '--cluster',
      CLUSTER,
      '--from',
      new Date(T1).toISOString(),
      '--to',
      new Date(T1 + HOUR).toISOString(),
    );
    expect(hour.code).toBe(1);
    expect(hour.out).toMatch(/^INCOMPLETE: 2 archived objects missing or replaced in S3/m);
    expect(hour.out).toMatch(new RegExp(`MISSING +${I2}  ${FILES.B.name.replaceAll('.', '\\.')}`));
    expect(hour.out).toMatch(new RegExp(`REPLACED +${I1}  ${FILES.A.name.replaceAll('.', '\\.')}`));
  });

  it('--native is refused with a filter, and explains when the endpoint lacks StartMessageMoveTask', async () => {
    const filtered = await cli('redrive', '--native', '--cluster', CLUSTER);
    expect(filtered.code).toBe(2);
    expect(filtered.err).toMatch(/cannot filter/);
    const native = await cli('redrive', '--native');
    expect(native.code).toBe(1);
    expect(native.err).toMatch(/StartMessageMoveTask/);
    // Nothing moved: the malformed message is still in the DLQ.
    expect(await visibleCount(h.res.dlqUrl)).toBe(1);
  });
});
