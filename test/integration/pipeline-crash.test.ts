import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../local/rds-sim/index.js';
import { HIDDEN_SECONDS, type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';
import { CLI_BIN, spawnCollecting } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

const MiB = 1024 * 1024;

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('Archiver crash', () => {
  it('leaves no visible object when killed mid-upload, and archives the file on redelivery', async () => {
    harness = await startPipelineHarness('pipe-crash', {
      // The child (another process) claims on the real clock; the pipeline's clock starts there
      // too, and the test moves it past the child's lease rather than waiting for the lease.
      clock: manualClock(Date.now()),
      workload: { instancesPerCluster: 1, logKinds: ['error'] },
      // The child's receive hides the message for 10 s; then it comes back for the redelivery.
      visibilityTimeoutSeconds: 10,
    });
    const h = harness;
    const instance = 'aurora-audit-1-instance-1';
    const stamp = new Date(Date.now() - 2 * 3_600_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', '-')
      .replace(':', '-');
    const name = `audit/audit.log.1.${stamp}.5`;
    h.sim.world.addFile(instance, name, { size: 60 * MiB, lastWritten: Date.now() - 3_600_000 });
    // A rate limit, so the download cannot finish before the kill: what is left after the kill
    // point takes 3 s at this rate, and the simulator cannot go faster however the machine is.
    const slow = h.sim.faults.add({ kind: 'slow', bytesPerSecond: 6 * MiB, file: name });
    expect((await h.discover()).enqueued).toBe(1);

    const run = spawnCollecting([CLI_BIN, 'archive', '--concurrency', '1', '--log-level', 'silent'], h.env);
    const { child, exited } = run;
    const running = () => child.exitCode === null;
    try {
      await waitUntil(
        'the child to claim the file',
        async () => !running() || (await h.ledgerFile(instance, name))?.state === 'archiving',
      );
      // 42 MiB of this file gzip to about 7 MiB: the first 5 MiB part has gone to the multipart upload.
      await waitUntil(
        '42 MiB downloaded',
        () => !running() || (h.sim.stats().downloadBytes ?? 0) >= 42 * MiB,
      );
      expect(running(), run.stderr()).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const listed = await h.res.clients.s3.send(new ListObjectsV2Command({ Bucket: h.res.bucket }));
    expect(listed.Contents ?? []).toHaveLength(0);
    const stranded = await h.ledgerFile(instance, name);
    expect(stranded?.state).toBe('archiving');

    // Receives from now on (the drain's) hide the message as long as the harness always does, so
    // it is not delivered twice while the drain archives it, however slow the machine.
    await h.res.clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: h.res.queueUrl,
        Attributes: { VisibilityTimeout: String(HIDDEN_SECONDS) },
      }),
    );
    // The dead worker's lease is over (on the pipeline's clock): the redelivery may claim the file.
    h.clock.advance(stranded!.leaseUntil! - h.clock.now() + 1);
    h.sim.faults.remove(slow);
    // The drain polls until the message is back (10 s after the child received it), then archives.
    await h.drain();
    const record = await h.ledgerFile(instance, name);
    expect(record?.state).toBe('archived');
    expect(record?.attempts).toBeGreaterThanOrEqual(2);
    const object = await h.readObject(record!.s3Key);
    expect(object.bytes).toBe(60 * 1024 * 1024);
    expect(object.sha256).toBe(await h.sim.world.sha256(instance, name));
  });
});
