/**
 * What `verify --digests` reads from S3, with read access alone: digests, archived objects (hashed
 * while streaming, never held in memory) and listings. Each read answers with what it found, a
 * missing object, or why it could not be read; only an abort or a setting problem throws.
 */

import { createHash, type Hash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ByteCounter } from '../transfer/digest.js';

/** A digest object as read. */
export type DigestReading =
  | { kind: 'found'; bytes: Buffer; metadata: Record<string, string> }
  | { kind: 'missing' }
  | { kind: 'unreadable'; error: string };

/** An archived object as re-read: its stored and its source (gunzipped) figures. */
export type ObjectReading =
  | {
      kind: 'found';
      etag: string;
      versionId?: string;
      gzipBytes: number;
      sourceBytes: number;
      sourceSha256: string;
      /** SHA-256 of the first n source bytes, for each n asked for that the object reaches. */
      prefixSha256: Record<number, string>;
    }
  | { kind: 'missing' }
  | { kind: 'unreadable'; error: string };

/** Digests are small (a few hundred bytes per object listed); anything larger is not one. */
const MAX_DIGEST_BYTES = 64 * 1024 * 1024;

function notFound(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  const name = (error as { name?: unknown })?.name;
  if (name === 'NoSuchVersion') return true;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;
}

/**
 * An error that is about the caller, not one object: aborted, no credentials, access denied to
 * the bucket (then every read would fail: one clear line beats a problem per object).
 */
function rethrowable(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (error as { name?: unknown })?.name;
  return (
    name === 'CredentialsProviderError' ||
    name === 'AccessDenied' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'ExpiredToken' ||
    name === 'NoSuchBucket'
  );
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Reads one digest object. */
export async function readDigest(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<DigestReading> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    if ((out.ContentLength ?? 0) > MAX_DIGEST_BYTES)
      return { kind: 'unreadable', error: `${out.ContentLength} bytes: too large for a digest` };
    const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    return { kind: 'found', bytes, metadata: out.Metadata ?? {} };
  } catch (error) {
    if (notFound(error)) return { kind: 'missing' };
    if (rethrowable(error, signal)) throw error;
    return { kind: 'unreadable', error: message(error) };
  }
}

/** A hash stage that also snapshots the hash after given byte counts (prefixes). */
class PrefixHasher extends Writable {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  readonly prefixes: Record<number, string> = {};
  private readonly pending: number[];

  constructor(offsets: readonly number[]) {
    super();
    this.pending = [...new Set(offsets)].filter((n) => n >= 0).sort((a, b) => a - b);
    this.snapshot();
  }

  /** Records the hash of every pending offset reached exactly by the bytes so far. */
  private snapshot(): void {
    while (this.pending.length > 0 && this.pending[0] === this.bytes) {
      this.prefixes[this.bytes] = this.hash.copy().digest('hex');
      this.pending.shift();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let rest = chunk;
    while (rest.length > 0) {
      const next = this.pending[0];
      const take = next === undefined ? rest.length : Math.min(rest.length, next - this.bytes);
      this.hash.update(rest.subarray(0, take));
      this.bytes += take;
      rest = rest.subarray(take);
      this.snapshot();
    }
    callback();
  }
}

/**
 * Streams an archived object (a given version, or the current one) through gunzip and SHA-256,
 * also hashing the first `prefixes[i]` source bytes of it on the way.
 */
export async function readObjectFigures(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { versionId?: string; prefixes?: readonly number[]; signal?: AbortSignal } = {},
): Promise<ObjectReading> {
  const { signal } = options;
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    if (!(out.Body instanceof Readable)) return { kind: 'unreadable', error: 'GetObject returned no stream' };
    const stored = new ByteCounter();
    const hasher = new PrefixHasher(options.prefixes ?? []);
    try {
      await pipeline(
        out.Body,
        stored,
        createGunzip({ chunkSize: 128 * 1024 }),
        hasher,
        signal ? { signal } : {},
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      return { kind: 'unreadable', error: `not a whole gzip stream (${message(error)})` };
    }
    return {
      kind: 'found',
      etag: out.ETag ?? '',
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
      gzipBytes: stored.bytes,
      sourceBytes: hasher.bytes,
      sourceSha256: hasher.hash.digest('hex'),
      prefixSha256: hasher.prefixes,
    };
  } catch (error) {
    if (notFound(error)) return { kind: 'missing' };
    if (rethrowable(error, signal)) throw error;
    return { kind: 'unreadable', error: message(error) };
  }
}

/** One listed object. */
export interface ListedObject {
  key: string;
  etag: string;
}

/**
 * Lists under a prefix: the objects, and (with a delimiter) the next level's common prefixes.
 * Throws on failure: a listing that fails is not an empty one.
 */
export async function listPrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { delimiter?: string; signal?: AbortSignal } = {},
): Promise<{ objects: ListedObject[]; prefixes: string[] }> {
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    for (const object of out.Contents ?? []) {
      if (object.Key !== undefined) objects.push({ key: object.Key, etag: object.ETag ?? '' });
    }
    for (const common of out.CommonPrefixes ?? []) if (common.Prefix) prefixes.push(common.Prefix);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}
