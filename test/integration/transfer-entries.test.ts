/**
 * The entries object of a multi-line log (core/entries) written beside the archived object in the
 * same pass (core/transfer/archive-stream.ts `entries`), against fauxqs S3 and the RDS simulator:
 * one JSON line per entry, nothing published when the source is refused, and no archived object
 * left recorded without its entries when the entries upload fails.
 */

import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { entriesKey, SLOW_QUERY_FORMAT } from '../../core/entries/entry-formats.js';
import type { LogFileDownloader } from '../../core/rds/download.js';
import { TruncatedDownloadError } from '../../core/rds/download-errors.js';
import { type ArchiveStreamOptions, archiveStream } from '../../core/transfer/archive-stream.js';
import { UploadFailedError } from '../../core/transfer/errors.js';
import { readArchivedObject } from '../../core/transfer/read-archived.js';
import type { RdsSimulator } from '../../local/rds-sim/index.js';
import { type TestClients, testClients } from '../support/stack.js';
import { objectExists, useTransferWorld } from '../support/transfer-world.js';

const MiB = 1024 * 1024;
const SMALL = 'slowquery/mysql-slowquery.log.7';
const SMALL_SIZE = 300_000;
const LARGE = 'slowquery/mysql-slowquery.log.8';
const LARGE_SIZE = 12 * MiB;
/** gzip level 0: the archived and the entries object are each more than two 5 MiB parts. */
const MULTIPART = { gzipLevel: 0, partSize: 5 * MiB, queueSize: 2 };

const world = useTransferWorld('entries', [
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

function exists(client: S3Client, key: string): Promise<boolean> {
  return objectExists(client, bucket, key);
}

async function archive(file: string, extra: Partial<ArchiveStreamOptions> = {}, client = s3) {
  const key = `logs/c-1/slowquery/2026/03/01/00/${instance}/${file.split('/')[1]}.${++keyCounter}.gz`;
  const entries = entriesKey(key, 'logs/');
  const listed = sim.world.listFiles(instance).find((f) => f.name === file)!;
  const download = await downloader.open({ instance, logFileName: file });
  const run = archiveStream({
    source: download.body,
    expectedBytes: listed.size,
    s3: client,
    bucket,
    key,
    metadata: {},
    entries: { key: entries, format: SLOW_QUERY_FORMAT, metadata: { 'source-key': key } },
    ...extra,
  });
  return { key, entries, listed, run };
}

describe('archiveStream with an entries object', () => {
  it.each([
    ['a small file', SMALL, {}],
    ['a file of several parts', LARGE, MULTIPART],
  ] as const)('writes %s and one JSON line per slow query entry beside it', async (_what, file, options) => {
    const { key, entries, listed, run } = await archive(file, options);
    const result = await run;
    expect(result.sha256).toBe(await sim.world.sha256(instance, file));
    const source = (await readArchivedObject(s3, bucket, key)).bytes;
    expect(source).toBe(listed.size);
    const text = gunzipSync(
      Buffer.from(
        await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        ).Body!.transformToByteArray(),
      ),
    ).toString('latin1');
    const entryCount = text.split('\n').filter((line) => line.startsWith('# Time: ')).length;
    const json = gunzipSync(
      Buffer.from(
        await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entries }))
        ).Body!.transformToByteArray(),
      ),
    ).toString('utf8');
    const rows = json
      .split('\n')
      .filter(Boolean)
      .map(
        (line) => JSON.parse(line) as { source_offset: number; source_length: number; query_time: number },
      );
    expect(result.entries).toMatchObject({ key: entries, rows: entryCount });
    expect(rows).toHaveLength(entryCount);
    // The entries tile the file: each starts where the last ended, together they are every byte.
    let offset = 0;
    for (const row of rows) {
      expect(row.source_offset).toBe(offset);
      offset += row.source_length;
    }
    expect(offset).toBe(listed.size);
    // addFile cuts the file at a byte count, so its last entry may stop before its headers.
    expect(rows.slice(0, -1).every((row) => row.query_time > 0)).toBe(true);
  });

  it('publishes neither object when the download is cut short', async () => {
    sim.faults.add({ kind: 'truncate', afterBytes: 9 * MiB, times: 1 });
    const { key, entries, run } = await archive(LARGE, MULTIPART);
    expect(await run.catch((e: unknown) => e)).toBeInstanceOf(TruncatedDownloadError);
    expect(await exists(s3, key)).toBe(false);
    expect(await exists(s3, entries)).toBe(false);
  });

  it('fails the transfer, and publishes no archived object, when the entries upload is refused', async () => {
    const refusing = refusingClient((key) => key.includes('/_entries/'));
    try {
      const { key, entries, run } = await archive(LARGE, MULTIPART, refusing.s3);
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadFailedError);
      expect((error as Error).message).toContain(`Writing the entries object ${entries} failed`);
      expect(await exists(s3, key)).toBe(false);
      expect(await exists(s3, entries)).toBe(false);
    } finally {
      refusing.destroy();
    }
  });

  it('publishes no entries object when the archive upload is refused: it waits for the archived one', async () => {
    for (const [file, options] of [
      [SMALL, {}],
      [LARGE, MULTIPART],
    ] as const) {
      const refusing = refusingClient((key) => !key.includes('/_entries/'));
      try {
        const { key, entries, run } = await archive(file, options, refusing.s3);
        const error = await run.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UploadFailedError);
        expect((error as Error).message).not.toContain('entries');
        expect(await exists(s3, key)).toBe(false);
        expect(await exists(s3, entries)).toBe(false);
      } finally {
        refusing.destroy();
      }
    }
  });
});

/** A real S3 client whose requests for some keys fail, as a refusing bucket policy would. */
function refusingClient(refuses: (key: string) => boolean): TestClients {
  const refusing = testClients();
  refusing.s3.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Key?: string };
      if (input.Key !== undefined && refuses(input.Key))
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      return next(args);
    },
    { step: 'initialize', name: 'refuseSomeKeys' },
  );
  return refusing;
}
