/**
 * The world the transfer tests archive from and into: an RDS simulator with one instance holding
 * the given files, a signed downloader for it, and a fresh fauxqs bucket, set up once per test
 * file (vitest hooks registered by {@link useTransferWorld}) and torn down after it.
 */

import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createLogFileDownloader, type LogFileDownloader } from '../../core/rds/download.js';
import { DEFAULT_SIM_CREDENTIALS, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { uniquePrefix } from '../../local/resources.js';
import { type TestClients, testClients } from './stack.js';

export interface TransferWorld {
  sim: RdsSimulator;
  /** The one instance, which holds the files. */
  instance: string;
  clients: TestClients;
  s3: S3Client;
  bucket: string;
  downloader: LogFileDownloader;
}

/** Registers the hooks that build the world before the file's tests and remove it after them. */
export function useTransferWorld(
  bucketPrefix: string,
  files: Array<{ name: string; size: number }>,
): TransferWorld {
  const world = {} as TransferWorld;
  beforeAll(async () => {
    world.sim = await startRdsSimulator({
      workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1 },
    });
    world.instance = world.sim.world.clusters()[0]!.instances[0]!;
    for (const file of files) world.sim.world.addFile(world.instance, file.name, { size: file.size });
    world.downloader = createLogFileDownloader({
      region: world.sim.region,
      endpoint: world.sim.url,
      credentials: DEFAULT_SIM_CREDENTIALS,
    });
    world.clients = testClients();
    world.s3 = world.clients.s3;
    world.bucket = `${uniquePrefix(bucketPrefix)}-archive`;
    await world.s3.send(new CreateBucketCommand({ Bucket: world.bucket }));
  });
  afterEach(() => {
    world.sim.faults.clear();
  });
  afterAll(async () => {
    const { s3, bucket } = world;
    if (s3 && bucket) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const o of listed.Contents ?? [])
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
    world.clients?.destroy();
    world.downloader?.close();
    await world.sim?.stop();
  });
  return world;
}

/** Whether `key` is in `bucket` (a HEAD; 404 is no). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}
