import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClientConfig } from '../../local/aws-config.js';
import { type Fauxqs, startFauxqsServer } from '../../local/fauxqs.js';
import { DEFAULT_SIM_CREDENTIALS, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import type { ArchiveChildInput, ArchiveChildOutput } from '../support/archive-child.js';
import { spawnCollecting } from '../support/processes.js';

const GiB = 1024 ** 3;
const FILE = 'audit/audit.log.0.2026-03-01-00-00.1';
/** Generous: parts in flight (8 MiB x 4 + 1) plus Node, the SDK and tsx are well under this. */
const RSS_LIMIT_BYTES = 300 * 1024 * 1024;
const REGION = 'us-east-1';

// This file runs in the "heavy" project (vitest.config.ts), which has no shared emulators: it
// starts its own fauxqs, in this worker. The memory measured is the archiving child's alone.
let sim: RdsSimulator;
let fauxqs: Fauxqs;
let s3: S3Client;
const bucket = 'xfer-mem-archive';
const key = 'memory/audit.log.0.gz';

beforeAll(async () => {
  sim = await startRdsSimulator({ workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1 } });
  fauxqs = await startFauxqsServer({ region: REGION });
  s3 = new S3Client({ ...emulatorClientConfig(fauxqs.endpoint, REGION), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  if (s3) {
    // The emulator keeps objects in memory: free the big one at once.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  }
  await fauxqs?.stop();
  await sim?.stop();
});

describe('archiveStream memory', () => {
  it('archives a 1 GiB file with memory bounded by the upload queue, not the file size', async () => {
    const instance = sim.world.clusters()[0]!.instances[0]!;
    sim.world.addFile(instance, FILE, { size: GiB });
    const input: ArchiveChildInput = {
      rds: { url: sim.url, region: sim.region, credentials: DEFAULT_SIM_CREDENTIALS },
      s3: { endpoint: fauxqs.endpoint, region: REGION },
      instance,
      file: FILE,
      expectedBytes: GiB,
      bucket,
      key,
    };
    // The child reports its own peak (VmHWM, kept by the kernel for the process image): exact,
    // however rarely a loaded machine would have let a sampler look.
    const run = spawnCollecting(['--import', 'tsx', 'test/support/archive-child.ts', JSON.stringify(input)]);
    const code = await run.exited;
    expect(
      run
        .stderr()
        .split('\n')
        .filter((l) => /Error/.test(l) && !/NodeVersion|node >=22/.test(l)),
    ).toEqual([]);
    expect(code).toBe(0);
    const out = JSON.parse(run.stdout().trim().split('\n').pop()!) as ArchiveChildOutput;
    expect(out.bytes).toBe(GiB);
    expect(out.sha256).toBe(await sim.world.sha256(instance, FILE));
    expect(out.peakRssBytes).toBeGreaterThan(0);
    expect(out.peakRssBytes).toBeLessThan(RSS_LIMIT_BYTES);
  });
});
