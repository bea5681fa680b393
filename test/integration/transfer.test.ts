import type { S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogFileDownloader } from '../../core/rds/download.js';
import { DownloadError, TruncatedDownloadError } from '../../core/rds/download-errors.js';
import {
  ARCHIVE_CONTENT_TYPE,
  type ArchiveStreamOptions,
  archiveStream,
} from '../../core/transfer/archive-stream.js';
import { TransferAbortedError, UploadFailedError } from '../../core/transfer/errors.js';
import { archiveObjectMetadata } from '../../core/transfer/metadata.js';
import { readArchivedObject } from '../../core/transfer/read-archived.js';
import type { RdsSimulator } from '../../local/rds-sim/index.js';
import { objectExists, useTransferWorld } from '../support/transfer-world.js';
import { waitUntil } from '../support/wait.js';

const MiB = 1024 * 1024;
const SMALL = 'audit/audit.log.0.2026-03-01-00-00.1';
const SMALL_SIZE = 400_000;
const LARGE = 'audit/audit.log.1.2026-03-01-00-00.2';
const LARGE_SIZE = 12 * MiB;
/** With gzip level 0 the object is about the source size: 12 MiB in 5 MiB parts = a 3-part upload. */
const MULTIPART = { gzipLevel: 0, partSize: 5 * MiB, queueSize: 2 };

const world = useTransferWorld('xfer', [
  { name: SMALL, size: SMALL_SIZE },
  { name: LARGE, size: LARGE_SIZE },
]);
let sim: RdsSimulator;
let instance: string;
let s3: S3Client;
let bucket: string;
let downloader: LogFileDownloader;
beforeAll(() => {
  ({ sim, instance, s3, bucket, downloader } = world);
});
let keyCounter = 0;

function exists(key: string): Promise<boolean> {
  return objectExists(s3, bucket, key);
}

/** Downloads `file` from the simulator and archives it under a fresh key. */
async function archive(file: string, extra: Partial<ArchiveStreamOptions> = {}) {
  const key = `${instance}/${file}.${++keyCounter}.gz`;
  const listed = sim.world.listFiles(instance).find((f) => f.name === file)!;
  const download = await downloader.open({
    instance,
    logFileName: file,
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
  const metadata = archiveObjectMetadata({
    file,
    instance,
    cluster: 'c-1',
    generation: 1,
    listedBytes: listed.size,
    lastWritten: listed.lastWritten,
  });
  const run = archiveStream({
    source: download.body,
    expectedBytes: listed.size,
    s3,
    bucket,
    key,
    metadata,
    ...extra,
  });
  return { key, listed, metadata, run };
}

describe('archiveStream', () => {
  it('archives a small simulated file as gzip whose content hashes to the source', async () => {
    const { key, metadata, run } = await archive(SMALL);
    const result = await run;
    const expected = await sim.world.sha256(instance, SMALL);
    expect(result).toMatchObject({ bytes: SMALL_SIZE, sha256: expected, digestRecorded: 'metadata' });
    expect(result.gzipBytes).toBeGreaterThan(0);
    expect(result.gzipBytes).toBeLessThan(SMALL_SIZE);
    const stored = await readArchivedObject(s3, bucket, key);
    expect(stored).toMatchObject({ sha256: expected, bytes: SMALL_SIZE, gzipBytes: result.gzipBytes });
    expect(stored.contentType).toBe(ARCHIVE_CONTENT_TYPE);
    expect(stored.metadata).toMatchObject(metadata);
    expect(stored.recorded).toEqual({ sha256: expected, bytes: SMALL_SIZE });
    expect(stored.etag).toBe(result.etag);
  });

  it('archives a file of several parts', async () => {
    const { key, run } = await archive(LARGE, MULTIPART);
    const result = await run;
    const expected = await sim.world.sha256(instance, LARGE);
    expect(result).toMatchObject({ bytes: LARGE_SIZE, sha256: expected });
    expect(result.gzipBytes).toBeGreaterThan(2 * MULTIPART.partSize);
    const stored = await readArchivedObject(s3, bucket, key);
    expect(stored).toMatchObject({ sha256: expected, bytes: LARGE_SIZE, gzipBytes: result.gzipBytes });
    expect(stored.recorded).toEqual({ sha256: expected, bytes: LARGE_SIZE });
  });

  it('can leave the digest to the ledger only', async () => {
    const { key, run } = await archive(SMALL, { recordDigest: 'none' });
    expect((await run).digestRecorded).toBe('none');
    expect((await readArchivedObject(s3, bucket, key)).recorded).toEqual({});
  });

  it('publishes nothing and throws TruncatedDownloadError when a small body is cut short', async () => {
    sim.faults.add({ kind: 'truncate', afterBytes: 1_000, times: 1 });
    const { key, run } = await archive(SMALL);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruncatedDownloadError);
    expect(error).toMatchObject({ receivedBytes: 1_000, expectedBytes: SMALL_SIZE, retryable: true });
    expect(await exists(key)).toBe(false);
  });

  it('publishes nothing when a multipart body is cut short after parts were uploaded', async () => {
    sim.faults.add({ kind: 'truncate', afterBytes: 11 * MiB, times: 1 });
    const { key, run } = await archive(LARGE, MULTIPART);
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruncatedDownloadError);
    expect(error).toMatchObject({ receivedBytes: 11 * MiB });
    expect(await exists(key)).toBe(false);
  });

  it('publishes nothing when the connection resets mid-file', async () => {
    for (const [file, options] of [
      [SMALL, {}],
      [LARGE, MULTIPART],
    ] as const) {
      sim.faults.add({ kind: 'reset', afterBytes: file === SMALL ? 50_000 : 11 * MiB, times: 1 });
      const { key, run } = await archive(file, options);
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadError);
      expect(error).toMatchObject({ name: 'DownloadConnectionError', retryable: true });
      expect(await exists(key)).toBe(false);
    }
  });

  it('publishes nothing when the signal aborts mid-transfer', async () => {
    // 400 KB at 100 KB/s: the transfer is still running when the first bytes have arrived.
    sim.faults.add({ kind: 'slow', bytesPerSecond: 100_000, times: 1 });
    const before = sim.stats().downloadBytes ?? 0;
    const controller = new AbortController();
    const { key, run } = await archive(SMALL, { signal: controller.signal });
    const outcome = run.catch((e: unknown) => e);
    await waitUntil('the first bytes of the download', () => (sim.stats().downloadBytes ?? 0) > before);
    controller.abort(new Error('lambda timeout near'));
    const error = await outcome;
    expect(error).toBeInstanceOf(TransferAbortedError);
    expect(error).toMatchObject({ retryable: true });
    expect(await exists(key)).toBe(false);
  });

  it('accepts a file that grew during the download: more bytes than listed', async () => {
    const file = 'audit/audit.log.2.2026-03-01-00-00.3';
    sim.world.addFile(instance, file, { size: 100_000 });
    sim.faults.add({ kind: 'grow-during-download', growBytes: 25_000, file, times: 1 });
    const { key, listed, run } = await archive(file);
    const result = await run;
    expect(listed.size).toBe(100_000);
    expect(result.bytes).toBe(125_000);
    expect(result.sha256).toBe(await sim.world.sha256(instance, file, 125_000));
    expect((await readArchivedObject(s3, bucket, key)).sha256).toBe(result.sha256);
  });

  it('wraps an S3 refusal as a non-retryable UploadFailedError and releases the download', async () => {
    const download = await downloader.open({ instance, logFileName: SMALL });
    const error = await archiveStream({
      source: download.body,
      expectedBytes: SMALL_SIZE,
      s3,
      bucket: `${bucket}-missing`,
      key: 'x.gz',
      metadata: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFailedError);
    expect(error).toMatchObject({ code: 'NoSuchBucket', retryable: false });
    expect(download.body.destroyed).toBe(true);
  });

  it('records the digest as tags on the uploaded version, with no copy (ARCHIVER_OBJECT_DIGEST=tags)', async () => {
    // The one AWS call here no local store can serve: fauxqs 1.9.2 answers PutObjectTagging by
    // REPLACING the object with the tagging XML. So this middleware answers that one command itself
    // and records its input; the download and the upload still run against the simulator and fauxqs.
    const tagged: Array<Record<string, unknown>> = [];
    let copies = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CopyObjectCommand') copies += 1;
        if (context.commandName !== 'PutObjectTaggingCommand') return next(args);
        tagged.push(args.input as Record<string, unknown>);
        return { response: {} as never, output: { $metadata: {} } as never };
      },
      { step: 'initialize', name: 'answerPutObjectTagging' },
    );
    try {
      const { key, run } = await archive(SMALL, { recordDigest: 'tags' });
      const result = await run;
      expect(result.digestRecorded).toBe('tags');
      expect(copies).toBe(0);
      expect(tagged).toEqual([
        expect.objectContaining({
          Bucket: bucket,
          Key: key,
          Tagging: {
            TagSet: [
              { Key: 'source-sha256', Value: await sim.world.sha256(instance, SMALL) },
              { Key: 'source-bytes', Value: String(SMALL_SIZE) },
            ],
          },
        }),
      ]);
      const object = await readArchivedObject(s3, bucket, key);
      expect(object.sha256).toBe(result.sha256);
    } finally {
      s3.middlewareStack.remove('answerPutObjectTagging');
    }
  });
});
