import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../local/rds-sim/index.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';
import { CLI_BIN, spawnCollecting } from '../support/processes.js';

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(200);
  }
}

describe('Archiver crash', () => {
  it('leaves no visible object when killed mid-upload, and archives the file on redelivery', async () => {
    harness = await startPipelineHarness('pipe-crash', {
      clock: realClock(),
      workload: { instancesPerCluster: 1, logKinds: ['error'] },
      visibilityTimeoutSeconds: 3,
      env: { ARCHIVER_LEASE_SECONDS: '10' },
    });
    const h = harness;
    const instance = 'aurora-audit-1-instance-1';
    const stamp = new Date(Date.now() - 2 * 3_600_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', '-')
      .replace(':', '-');
    const name = `audit/audit.log.1.${stamp}.5`;
    h.sim.world.addFile(instance, name, { size: 60 * 1024 * 1024, lastWritten: Date.now() - 3_600_000 });
    // Slow enough that several 5 MiB parts are uploaded before the kill, fast enough to finish later.
    const slow = h.sim.faults.add({ kind: 'slow', bytesPerSecond: 8 * 1024 * 1024, file: name });
    expect((await h.discover()).enqueued).toBe(1);

    const { child, exited } = spawnCollecting(
      [CLI_BIN, 'archive', '--concurrency', '1', '--log-level', 'silent'],
      h.env,
    );
    try {
      await until(async () => (await h.ledgerFile(instance, name))?.state === 'archiving', 30_000);
      await sleep(4_000); // about 32 MiB downloaded: parts are in flight
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const listed = await h.res.clients.s3.send(new ListObjectsV2Command({ Bucket: h.res.bucket }));
    expect(listed.Contents ?? []).toHaveLength(0);
    const stranded = await h.ledgerFile(instance, name);
    expect(stranded?.state).toBe('archiving');

    // The message comes back after the visibility timeout; the dead worker's lease must expire first.
    h.sim.faults.remove(slow);
    await until(async () => Date.now() > (stranded?.leaseUntil ?? 0), 20_000);
    await h.drain();
    const record = await h.ledgerFile(instance, name);
    expect(record?.state).toBe('archived');
    expect(record?.attempts).toBeGreaterThanOrEqual(2);
    const object = await h.readObject(record!.s3Key);
    expect(object.bytes).toBe(60 * 1024 * 1024);
    expect(object.sha256).toBe(await h.sim.world.sha256(instance, name));
  });
});
