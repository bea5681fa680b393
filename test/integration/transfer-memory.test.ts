import { readFile } from 'node:fs/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CREDENTIALS, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { uniquePrefix } from '../../local/resources.js';
import type { ArchiveChildInput, ArchiveChildOutput } from '../support/archive-child.js';
import { spawnCollecting } from '../support/processes.js';
import { localStack, type TestClients, testClients } from '../support/stack.js';

const GiB = 1024 ** 3;
const FILE = 'audit/audit.log.0.2026-03-01-00-00.1';
/** Generous: parts in flight (8 MiB x 4 + 1) plus Node, the SDK and tsx are well under this. */
const RSS_LIMIT_BYTES = 300 * 1024 * 1024;

let sim: RdsSimulator;
let clients: TestClients;
let s3: S3Client;
let bucket: string;
const key = 'memory/audit.log.0.gz';

/** VmRSS and VmHWM (peak) of a live process in bytes, or undefined once it is gone. */
async function rssOf(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  sim = await startRdsSimulator({ workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1 } });
  clients = testClients();
  s3 = clients.s3;
  bucket = `${uniquePrefix('xfer-mem')}-archive`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  if (s3 && bucket) {
    // The emulator keeps objects in memory: free the big one at once.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  }
  clients?.destroy();
  await sim?.stop();
});

describe('archiveStream memory', () => {
  it('archives a 1 GiB file with memory bounded by the upload queue, not the file size', async () => {
    const instance = sim.world.clusters()[0]!.instances[0]!;
    sim.world.addFile(instance, FILE, { size: GiB });
    const { endpoints, region } = localStack();
    const input: ArchiveChildInput = {
      rds: { url: sim.url, region: sim.region, credentials: DEFAULT_SIM_CREDENTIALS },
      s3: { endpoint: endpoints.s3, region },
      instance,
      file: FILE,
      expectedBytes: GiB,
      bucket,
      key,
    };
    const run = spawnCollecting(['--import', 'tsx', 'test/support/archive-child.ts', JSON.stringify(input)]);
    const { child, exited } = run;
    let peakSampled = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      void rssOf(child.pid!).then((m) => {
        if (m === undefined || m.rss === 0) return;
        samples += 1;
        peakSampled = Math.max(peakSampled, m.rss, m.hwm);
      });
    }, 100);
    let code: number | null;
    try {
      code = await exited;
    } finally {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
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
    expect(samples).toBeGreaterThan(5);
    const peak = Math.max(peakSampled, out.peakRssBytes);
    console.log(
      `archive 1 GiB: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (sampled ${(peakSampled / 2 ** 20).toFixed(0)} MiB, ` +
        `VmHWM at exit ${(out.peakRssBytes / 2 ** 20).toFixed(0)} MiB), ${out.mbPerSecond.toFixed(1)} MB/s, ` +
        `gzip ${(out.gzipBytes / 2 ** 20).toFixed(0)} MiB, ${out.seconds.toFixed(1)} s`,
    );
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
  }, 600_000);
});
