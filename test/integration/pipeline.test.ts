import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { discover as discoverPass } from '../../core/discover.js';
import { liveFileNames, parseLogFileName } from '../../core/log-files.js';
import { parseArchiveMessage } from '../../core/messages.js';
import type { SimLogFile } from '../../local/rds-sim/index.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const SEED_KEY =
  /^aurora-audit-1\/audit\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/aurora-audit-1-instance-\d\/audit\.log\.\d\.\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\.\d+\.gz$/;

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

/** The audit files RDS lists now that are rotated (final), per instance. */
function rotatedAuditFiles(h: PipelineHarness): SimLogFile[] {
  const files: SimLogFile[] = [];
  for (const cluster of h.sim.world.clusters()) {
    for (const instance of cluster.instances) {
      const listed = h.sim.world.listFiles(instance).filter((f) => f.name.startsWith('audit/'));
      const live = liveFileNames(listed.map((f) => f.name));
      files.push(...listed.filter((f) => !live.has(f.name)));
    }
  }
  return files;
}

async function expectArchivedIntact(h: PipelineHarness, file: SimLogFile, generation = 1): Promise<void> {
  const record = await h.ledgerFile(file.instance, file.name);
  expect(record?.state, `${file.name} state`).toBe('archived');
  expect(record?.archivedGeneration).toBe(generation);
  const object = await h.readObject(record!.s3Key);
  const source = await h.sim.world.sha256(file.instance, file.name, record!.archivedBytes);
  expect(object.bytes).toBe(record!.archivedBytes);
  expect(object.sha256).toBe(source);
  expect(record!.archivedSha256).toBe(source);
}

describe('Pipeline on the local stack', () => {
  it('archives every rotated audit file once, intact, under the seed key layout', async () => {
    harness = await startPipelineHarness('pipe-full', {
      workload: { instancesPerCluster: 2, logKinds: ['audit', 'error'] },
    });
    const rotated = rotatedAuditFiles(harness);
    expect(rotated.length).toBeGreaterThanOrEqual(8);

    const first = await harness.discover();
    expect(first.enqueued).toBe(rotated.length);
    const drained = await harness.drain();
    expect(drained.failed).toBe(0);

    const keys = await harness.objectKeys();
    expect(keys).toHaveLength(rotated.length);
    for (const file of rotated) {
      await expectArchivedIntact(harness, file);
      const record = await harness.ledgerFile(file.instance, file.name);
      const match = SEED_KEY.exec(record!.s3Key);
      expect(match, record!.s3Key).not.toBeNull();
      // The key's hour is the file name's timestamp hour.
      const started = new Date(parseLogFileName(file.name).startedAt!);
      expect(match!.slice(1, 5)).toEqual([
        String(started.getUTCFullYear()),
        String(started.getUTCMonth() + 1).padStart(2, '0'),
        String(started.getUTCDate()).padStart(2, '0'),
        String(started.getUTCHours()).padStart(2, '0'),
      ]);
    }
    // Live files wait for their settle period; error logs are not selected by default.
    const live = harness.sim.world
      .listFiles('aurora-audit-1-instance-1')
      .filter((f) => f.name.startsWith('audit/') && liveFileNames([f.name]).size === 1)
      .filter((f) => !rotated.some((r) => r.name === f.name));
    for (const file of live) expect((await harness.ledgerFile(file.instance, file.name))?.state).toBe('seen');

    // A steady-state pass writes only the two heartbeats and enqueues nothing.
    const steady = await harness.discover();
    expect(steady.enqueued).toBe(0);
    expect(steady.writes).toBe(2);
  });

  it('enqueues each generation once with two discoverers at once, and a duplicate delivery uploads nothing', async () => {
    harness = await startPipelineHarness('pipe-race', { workload: { instancesPerCluster: 2 } });
    const rotated = rotatedAuditFiles(harness);
    const [a, b] = await Promise.all([harness.discover(), harness.discover()]);
    expect(a.enqueued + b.enqueued).toBe(rotated.length);

    const messages = await harness.peekMessages(harness.res.queueUrl);
    const ids = messages.map((m) => {
      const body = parseArchiveMessage(m.Body!);
      return `${body.instance}/${body.logFileName}#${body.generation}`;
    });
    expect(ids).toHaveLength(rotated.length);
    expect(new Set(ids).size).toBe(ids.length);

    await harness.drain();
    expect(harness.pipeline.counters.filesArchived).toBe(rotated.length);

    const target = rotated[0]!;
    const record = await harness.ledgerFile(target.instance, target.name);
    const before = await harness.res.clients.s3.send(
      new HeadObjectCommand({ Bucket: harness.res.bucket, Key: record!.s3Key }),
    );
    await harness.res.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.res.queueUrl, MessageBody: messages[0]!.Body! }),
    );
    const again = await harness.drain();
    expect(again.succeeded).toBe(1);
    expect(harness.pipeline.counters.filesArchived).toBe(rotated.length);
    const after = await harness.res.clients.s3.send(
      new HeadObjectCommand({ Bucket: harness.res.bucket, Key: record!.s3Key }),
    );
    expect(after.ETag).toBe(before.ETag);
    expect(after.LastModified).toEqual(before.LastModified);
  });

  it('acknowledges a duplicate in the same batch without a retry', async () => {
    harness = await startPipelineHarness('pipe-batchdup', { workload: { instancesPerCluster: 1 } });
    await harness.discover();
    const [message] = await harness.peekMessages(harness.res.queueUrl);
    await harness.res.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.res.queueUrl, MessageBody: message!.Body! }),
    );
    const drained = await harness.drain({ concurrency: 1 });
    expect(drained.failed).toBe(0);
    expect(harness.pipeline.counters.retries).toBe(0);
    expect(harness.pipeline.counters.filesArchived).toBe(rotatedAuditFiles(harness).length);
  });

  it('archives a file that grew after archival again, as generation 2 on the same key', async () => {
    harness = await startPipelineHarness('pipe-grow', { workload: { logKinds: ['error'] } });
    const instance = 'aurora-audit-1-instance-1';
    const name = 'audit/audit.log.0.2026-02-28-20-00.7';
    harness.sim.world.addFile(instance, name, { size: 40_000, lastWritten: harness.clock.now() - 3_600_000 });
    await harness.discover();
    await harness.drain();
    const first = await harness.ledgerFile(instance, name);
    expect(first?.archivedGeneration).toBe(1);

    harness.sim.world.setSize(instance, name, 90_000, harness.clock.now() - 1_800_000);
    // Seen growing since the last listing: it waits until quiet for the settle period (300 s).
    expect((await harness.discover()).enqueued).toBe(0);
    expect(await harness.ledgerFile(instance, name)).toMatchObject({ state: 'seen', generation: 2 });
    harness.clock.advance(5 * 60_000);
    const pass = await harness.discover();
    expect(pass.enqueued).toBe(1);
    await harness.drain();
    const second = await harness.ledgerFile(instance, name);
    expect(second?.generation).toBe(2);
    expect(second?.s3Key).toBe(first?.s3Key);
    await expectArchivedIntact(harness, { instance, name, size: 90_000, lastWritten: 0 }, 2);
    expect(second?.archivedBytes).toBe(90_000);
  });

  it('archives the generations of a live file while the simulator clock runs ahead of the discoverer (--speed)', async () => {
    // `local up --speed 60` runs the simulator's clock ahead of the one `discover` reads, so
    // RDS's LastWritten is in the discoverer's future. Two manual clocks model it exactly.
    harness = await startPipelineHarness('pipe-speed', { workload: { logKinds: ['error'] } });
    const h = harness;
    h.clock.advance(3_600_000);
    let ours = T0;
    const discover = () => discoverPass(h.pipeline.discoverDeps(() => ours));
    const instance = 'aurora-audit-1-instance-1';
    const name = 'audit/audit.log.0.2026-03-01-00-00.1';
    h.sim.world.addFile(instance, name, { size: 40_000, lastWritten: h.clock.now() });

    expect((await discover()).enqueued).toBe(0); // live, and not seen quiet yet
    ours += 5 * 60_000; // the settle period, by the discoverer's clock
    expect((await discover()).enqueued).toBe(1);
    await h.drain();
    expect(await h.ledgerFile(instance, name)).toMatchObject({ state: 'archived', archivedGeneration: 1 });

    h.clock.advance(60_000);
    h.sim.world.setSize(instance, name, 90_000, h.clock.now());
    expect((await discover()).enqueued).toBe(0); // grew: generation 2 waits
    expect(await h.ledgerFile(instance, name)).toMatchObject({ state: 'seen', generation: 2 });
    ours += 5 * 60_000;
    expect((await discover()).enqueued).toBe(1);
    await h.drain();
    await expectArchivedIntact(h, { instance, name, size: 90_000, lastWritten: 0 }, 2);
  });

  it('retries throttling, 5xx, connection resets and silent truncation until archived', async () => {
    // /v19/ forced: under auto, a failure on the process's first download is retried on /v13/ at
    // once (download.test.ts), which would use up two of a file's faults in one attempt.
    harness = await startPipelineHarness('pipe-faults', {
      workload: { instancesPerCluster: 1 },
      env: { ARCHIVER_DOWNLOAD_PATH: 'v19' },
    });
    const [a, b, c, d] = rotatedAuditFiles(harness);
    harness.sim.faults.add({ kind: 'throttle', target: 'api', times: 3 });
    harness.sim.faults.add({
      kind: 'server-error',
      status: 503,
      target: 'download',
      file: a!.name,
      times: 2,
    });
    harness.sim.faults.add({ kind: 'reset', afterBytes: 1000, file: b!.name, times: 1 });
    harness.sim.faults.add({ kind: 'truncate', afterBytes: 500, file: c!.name, times: 1 });
    harness.sim.faults.add({ kind: 'throttle', target: 'download', file: d!.name, times: 2 });

    await harness.discover();
    const drained = await harness.drain();
    expect(drained.failed).toBeGreaterThanOrEqual(6);
    expect(harness.pipeline.counters.retries).toBeGreaterThanOrEqual(6);
    for (const file of [a!, b!, c!, d!]) await expectArchivedIntact(harness, file);
    expect(harness.sim.faults.list()).toHaveLength(0);
  });

  it('parks a permanently failing file in the DLQ as FAILED with its reason; the rest of its batch is archived', async () => {
    harness = await startPipelineHarness('pipe-dlq', {
      workload: { instancesPerCluster: 1 },
      maxReceiveCount: 3,
      env: { ARCHIVER_MAX_ATTEMPTS: '3' },
    });
    const rotated = rotatedAuditFiles(harness);
    const bad = rotated[0]!;
    harness.sim.faults.add({ kind: 'always-fail', file: bad.name });
    await harness.discover();
    await harness.drain();

    const record = await harness.ledgerFile(bad.instance, bad.name);
    expect(record?.state).toBe('failed');
    expect(record?.attempts).toBe(3);
    expect(record?.lastError).toMatch(/500|Server/i);
    const dlq = await harness.peekMessages(harness.res.dlqUrl);
    expect(dlq.map((m) => parseArchiveMessage(m.Body!).logFileName)).toEqual([bad.name]);
    for (const file of rotated.slice(1)) await expectArchivedIntact(harness, file);
  });

  it('parks a malformed message in the DLQ with its reason without failing the rest of the batch', async () => {
    harness = await startPipelineHarness('pipe-malformed', { workload: { instancesPerCluster: 1 } });
    await harness.res.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.res.queueUrl, MessageBody: '{"v":1,"cluster":"../x"}' }),
    );
    await harness.discover();
    const drained = await harness.drain();
    expect(drained.failed).toBe(0);
    const dlq = await harness.peekMessages(harness.res.dlqUrl);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.MessageAttributes?.reason?.StringValue).toMatch(/malformed message: cluster/);
    for (const file of rotatedAuditFiles(harness)) await expectArchivedIntact(harness, file);
  });

  it('marks a vanished file lost, and never marks anything lost on an empty listing', async () => {
    harness = await startPipelineHarness('pipe-lost', { workload: { instancesPerCluster: 1 } });
    const [vanishing, removed] = rotatedAuditFiles(harness);
    harness.sim.faults.add({ kind: 'vanish', file: vanishing!.name });
    await harness.discover();

    // Discoverer path: gone from two non-empty listings before it was archived.
    // The work is queued; nothing archives it until the drain below.
    const messages = await harness.peekMessages(harness.res.queueUrl);
    expect(messages.length).toBeGreaterThan(2);
    harness.sim.world.removeFile(removed!.instance, removed!.name);
    harness.sim.faults.add({ kind: 'empty-listing', times: 2 });
    for (let i = 0; i < 2; i++) {
      const empty = await harness.discover();
      expect(empty.instances[0]!.listed).toBe(0);
    }
    expect((await harness.ledgerFile(removed!.instance, removed!.name))?.missingListings).toBe(0);
    await harness.discover();
    expect((await harness.ledgerFile(removed!.instance, removed!.name))?.state).toBe('queued');
    await harness.discover();
    const gone = await harness.ledgerFile(removed!.instance, removed!.name);
    expect(gone?.state).toBe('lost');
    expect(gone?.lostReason).toMatch(/gone from 2 consecutive RDS listings/);

    // Archiver path: the download answers not found.
    await harness.drain();
    const vanished = await harness.ledgerFile(vanishing!.instance, vanishing!.name);
    expect(vanished?.state).toBe('lost');
    expect(vanished?.lostReason).toMatch(/not found/);
    expect(harness.pipeline.counters.lost).toBe(2); // one found by the discoverer, one by the archiver
    const keys = await harness.objectKeys();
    expect(keys.some((key) => key.includes(vanishing!.name.split('/')[1]!))).toBe(false);
  });

  it('re-sends work stranded between the ledger write and the send, once, after the sweep period', async () => {
    harness = await startPipelineHarness('pipe-sweep', { workload: { instancesPerCluster: 1 } });
    const rotated = rotatedAuditFiles(harness);
    await harness.discover();
    // The sends are lost (as if the discoverer died right after its ledger writes).
    expect(await harness.takeMessages(harness.res.queueUrl)).toHaveLength(rotated.length);
    expect((await harness.discover()).enqueued).toBe(0); // not stranded yet
    harness.clock.advance(31 * 60_000); // past ARCHIVER_SWEEP_AFTER_SECONDS (1800)
    const [first, second] = await Promise.all([harness.discover(), harness.discover()]);
    expect(first.instances[0]!.rearmed + second.instances[0]!.rearmed).toBe(rotated.length);
    await harness.drain();
    for (const file of rotated) await expectArchivedIntact(harness, file);
  });

  it('aborts download and upload shortly before the function timeout, releasing the claim, leaving no object', async () => {
    harness = await startPipelineHarness('pipe-timeout', {
      workload: { instancesPerCluster: 1, logKinds: ['error'] },
      maxReceiveCount: 2,
      env: { ARCHIVER_MAX_ATTEMPTS: '2' },
    });
    const instance = 'aurora-audit-1-instance-1';
    const name = 'audit/audit.log.0.2026-02-28-20-00.3';
    harness.sim.world.addFile(instance, name, {
      size: 20 * 1024 * 1024,
      lastWritten: harness.clock.now() - 3_600_000,
    });
    harness.sim.faults.add({ kind: 'slow', bytesPerSecond: 1024 * 1024, file: name });
    await harness.discover();
    // A 4 s function whose work is aborted 2 s before its end: far too short for 20 s of download.
    await harness.drain({ functionTimeoutMs: 4_000, timeoutMarginMs: 2_000 });
    const record = await harness.ledgerFile(instance, name);
    expect(record?.state).toBe('failed');
    expect(record?.attempts).toBe(2);
    expect(record?.lastError).toMatch(/abort/i);
    expect(record?.leaseOwner).toBeUndefined();
    expect(await harness.objectKeys()).toEqual([]);
    expect(await harness.peekMessages(harness.res.dlqUrl)).toHaveLength(1);
  });

  it('archives through /v13/ when /v19/ is unavailable (auto), and through a forced /v13/', async () => {
    harness = await startPipelineHarness('pipe-paths', { workload: { instancesPerCluster: 1 } });
    harness.sim.faults.add({ kind: 'path-unavailable', version: 'v19' });
    await harness.discover();
    await harness.drain();
    for (const file of rotatedAuditFiles(harness)) await expectArchivedIntact(harness, file);
    const stats = harness.sim.stats();
    expect(stats['download.v13']).toBe(rotatedAuditFiles(harness).length);
    expect(harness.pipeline.clients.downloader.pathVersion).toBe('v13');
  });
});
