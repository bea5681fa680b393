/**
 * Reads an archived object back and recomputes what it holds: the gunzipped bytes' SHA-256 and
 * count, with the object's metadata and recorded digest. Streams; never buffers the object.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, GetObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { ByteCounter } from './digest.js';
import { DIGEST_KEYS } from './metadata.js';

/** An archived object, re-read. */
export interface ArchivedObject {
  /** Hex SHA-256 of the gunzipped content. */
  sha256: string;
  /** Gunzipped byte count. */
  bytes: number;
  /** Stored (gzip) byte count. */
  gzipBytes: number;
  contentType?: string;
  etag?: string;
  versionId?: string;
  /** User metadata (source file, instance, ... and the digest when recorded as metadata). */
  metadata: Record<string, string>;
  /** Object tags; read only when asked for (`tags: true`). */
  tags: Record<string, string>;
  /** The digest recorded on the object at archive time (from tags, else metadata), if any. */
  recorded: { sha256?: string; bytes?: number };
}

/** Options of {@link readArchivedObject}. */
export interface ReadArchivedOptions {
  /**
   * Also read the object's tags. Off by default: fauxqs 1.9.2 answers `GET ?tagging` with the
   * object itself, which the SDK cannot parse.
   */
  tags?: boolean;
  versionId?: string;
  signal?: AbortSignal;
}

/** Streams `s3://bucket/key` through gunzip and SHA-256. */
export async function readArchivedObject(
  s3: S3Client,
  bucket: string,
  key: string,
  options: ReadArchivedOptions = {},
): Promise<ArchivedObject> {
  const send = options.signal ? { abortSignal: options.signal } : {};
  const version = options.versionId ? { VersionId: options.versionId } : {};
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...version }), send);
  if (!(object.Body instanceof Readable)) throw new Error('GetObject returned no Node stream body');
  const hash = createHash('sha256');
  let bytes = 0;
  const stored = new ByteCounter();
  await pipeline(
    object.Body,
    stored,
    createGunzip({ chunkSize: 128 * 1024 }),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback();
      },
    }),
    options.signal ? { signal: options.signal } : {},
  );

  const tags: Record<string, string> = {};
  if (options.tags) {
    const tagging = await s3.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ...version }),
      send,
    );
    for (const tag of tagging.TagSet ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  const metadata = object.Metadata ?? {};
  const recordedSha = tags[DIGEST_KEYS.sha256] ?? metadata[DIGEST_KEYS.sha256];
  const recordedBytes = tags[DIGEST_KEYS.bytes] ?? metadata[DIGEST_KEYS.bytes];
  return {
    sha256: hash.digest('hex'),
    bytes,
    gzipBytes: stored.bytes,
    ...(object.ContentType ? { contentType: object.ContentType } : {}),
    ...(object.ETag ? { etag: object.ETag } : {}),
    ...(object.VersionId ? { versionId: object.VersionId } : {}),
    metadata,
    tags,
    recorded: {
      ...(recordedSha ? { sha256: recordedSha } : {}),
      ...(recordedBytes ? { bytes: Number(recordedBytes) } : {}),
    },
  };
}
