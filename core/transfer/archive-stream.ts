/**
 * Streams a log file into S3 as one gzip object: source -> SHA-256 + count -> gzip -> count ->
 * lib-storage `Upload`, in one pass with bounded memory (about partSize x (queueSize + 1), whatever
 * the file size: lib-storage's chunker pulls parts only as its uploaders free up).
 */
import { pipeline, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { CopyObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { RUNTIME_SETTINGS } from '../config.js';
import { EntriesStream } from '../entries/entries-stream.js';
import type { EntryFormat } from '../entries/entry-formats.js';
import { DownloadError } from '../rds/download-errors.js';
import { ByteCounter, type SourceChecks, SourceDigest } from './digest.js';
import { TransferAbortedError, TransferError, UploadFailedError } from './errors.js';
import { DIGEST_KEYS, type RecordDigestMode } from './metadata.js';

/** Content type of every archive object (ContentEncoding is not relied on: some stores drop it). */
export const ARCHIVE_CONTENT_TYPE = 'application/gzip';

/** CopyObject copies at most 5 GiB in one request; larger objects keep the digest in the ledger only. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

/**
 * How the source digest (SHA-256 and byte count, known only at the end) is attached to the object.
 * Multipart metadata is fixed when the upload starts, so it cannot go in with the upload.
 *
 * - `metadata` (default): a same-key CopyObject with `MetadataDirective: REPLACE` adds
 *   `source-sha256` / `source-bytes` to the user metadata. Works on AWS and on fauxqs. Costs one
 *   server-side copy; on a versioned bucket the pre-stamp version remains as a noncurrent version
 *   (as much storage again until a noncurrent-version rule expires it); skipped above 5 GiB (the
 *   ledger always holds the digest).
 * - `tags`: `PutObjectTagging` with the same keys. The natural choice on AWS (no copy, no extra
 *   version), but fauxqs 1.9.2 does not implement object tagging and, worse, treats
 *   `PUT ?tagging` as a PutObject: the object is silently REPLACED by the tagging XML (checked by
 *   hand against fauxqs 1.9.2). Use it only against a store known to support tagging.
 * - `none`: the digest lives in the ledger only.
 */
export type { RecordDigestMode };

/** Inputs of {@link archiveStream}. */
export interface ArchiveStreamOptions {
  /** The file's bytes (e.g. a download body). Destroyed on failure. */
  source: Readable;
  /** Size RDS listed; fewer source bytes than this is a truncated download. */
  expectedBytes: number;
  s3: S3Client;
  bucket: string;
  key: string;
  /** User metadata known up front (see `archiveObjectMetadata`). */
  metadata: Record<string, string>;
  /** zlib level 0-9 (default 6). */
  gzipLevel?: number;
  /** Multipart part size in bytes (default 5 MiB, the minimum: see README "Performance"). */
  partSize?: number;
  /** Parts uploaded concurrently (default 2: gzip output is far slower than two parts carry). */
  queueSize?: number;
  /** Aborting stops the transfer, aborts the multipart upload and publishes nothing. */
  signal?: AbortSignal;
  /** Where the source digest goes after completion (default `metadata`). */
  recordDigest?: RecordDigestMode;
  /**
   * Checks on the bytes before anything is published: the prefix archived before, and a last
   * look once the source ended (see `SourceChecks`). A refusal aborts the upload like a truncation.
   */
  checks?: SourceChecks;
  /**
   * A derived entries object to write from the same bytes in the same pass (core/entries: one
   * JSON line per entry of a multi-line format). It completes only after the archived object was
   * published, and a failure of either upload fails the transfer (see {@link archiveStream}).
   */
  entries?: EntriesTarget;
}

/** Where and how to write the entries object of one archived file. */
export interface EntriesTarget {
  key: string;
  format: EntryFormat;
  metadata: Record<string, string>;
}

/** What was archived. */
export interface ArchiveResult {
  /** Source bytes (may exceed the listed size when the file grew during the download). */
  bytes: number;
  /** Bytes of the gzip object. */
  gzipBytes: number;
  /** Hex SHA-256 of the source bytes. */
  sha256: string;
  /** ETag of the final object (after the digest stamp, if any). */
  etag: string;
  /** Version id of the final object, on a versioned bucket. */
  versionId?: string;
  /** Where the digest was recorded on the object. */
  digestRecorded: RecordDigestMode;
  /** The entries object written beside it, when asked for. */
  entries?: { key: string; rows: number; gzipBytes: number };
}

/** zlib output chunk: large enough to keep per-chunk overhead negligible, small enough to stream. */
const GZIP_CHUNK_BYTES = 128 * 1024;
// Defaults of ARCHIVER_PART_SIZE_MB and ARCHIVER_UPLOAD_CONCURRENCY, declared in core/config.ts.
const DEFAULT_PART_SIZE = RUNTIME_SETTINGS.partSizeBytes.default;
const DEFAULT_QUEUE_SIZE = RUNTIME_SETTINGS.uploadConcurrency.default;

/**
 * Archives `source` to `s3://bucket/key` as gzip, hashing and counting the source in the same pass.
 *
 * The object becomes visible only when the whole source arrived: a short source fails with
 * `TruncatedDownloadError` before lib-storage completes (it then aborts its multipart upload, and a
 * small file never reaches its single PutObject). On any failure or abort the multipart upload is
 * aborted and the first error is rethrown: download errors as they are, S3 errors as
 * {@link UploadFailedError}, the abort as {@link TransferAbortedError}.
 * An abort that arrives after the upload completed is ignored: the object is whole and verified.
 *
 * With `entries`, a second upload runs beside the first, fed by the same digest stage (so memory
 * stays bounded: the slower of the two sets the pace). Its last bytes are held back until the
 * archived object is published, so an entries object never exists without its archived object
 * (the archiver may not delete: it could not clean one up). If the archive upload fails, the
 * entries upload is aborted. If the entries upload fails first, the archive upload is aborted; if
 * it fails after the archived object was published, that object stays and the transfer still
 * fails with {@link UploadFailedError}, so the file is archived again (same key, same bytes) and
 * the ledger never records a file archived without its entries object.
 */
export async function archiveStream(options: ArchiveStreamOptions): Promise<ArchiveResult> {
  const { source, s3, bucket, key, signal } = options;
  const recordDigest = options.recordDigest ?? 'metadata';
  if (signal?.aborted) {
    source.destroy();
    throw new TransferAbortedError('Archive aborted before it started', { cause: signal.reason });
  }

  const digest = new SourceDigest(options.expectedBytes, options.checks);
  const gzip = createGzip({
    level: options.gzipLevel ?? RUNTIME_SETTINGS.gzipLevel.default,
    chunkSize: GZIP_CHUNK_BYTES,
  });
  const gzipCounter = new ByteCounter();
  let pipelineDone = false;
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  // Settles when the archive upload does: the entries object waits for it before it completes.
  let published: { resolve: () => void; reject: (error: unknown) => void } = {
    resolve: () => undefined,
    reject: () => undefined,
  };
  const archivePublished = new Promise<void>((resolve, reject) => {
    published = { resolve, reject };
  });
  archivePublished.catch(() => undefined);
  const entries = options.entries
    ? startEntries(options.entries, digest, s3, bucket, options.gzipLevel, partSize, () => archivePublished)
    : undefined;
  pipeline(source, digest, gzip, gzipCounter, (error) => {
    // Errors surface through lib-storage reading gzipCounter; this only records that the data side is over.
    pipelineDone = true;
    // The entries side reads the digest stage through pipe(), which passes no error: stop it here.
    if (error) entries?.stop(error);
  });
  // Errors of the data side, to tell them from S3's when lib-storage rethrows one. A stream emits
  // 'error' before its async iterator (lib-storage's reader) rejects, so the set is complete in time.
  const dataErrors = new Set<unknown>();
  for (const stage of [source, digest, gzip, gzipCounter]) stage.on('error', (e) => dataErrors.add(e));

  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: key,
      Body: gzipCounter,
      ContentType: ARCHIVE_CONTENT_TYPE,
      Metadata: options.metadata,
    },
    partSize,
    queueSize: options.queueSize ?? DEFAULT_QUEUE_SIZE,
    leavePartsOnError: false,
  });

  let abortError: TransferAbortedError | undefined;
  const onAbort = () => {
    abortError = new TransferAbortedError('Archive aborted', { cause: signal?.reason });
    // Erroring the data side fails lib-storage's reader (so it aborts the multipart upload);
    // upload.abort() also stops parts not yet started and makes done() settle now.
    if (!pipelineDone) source.destroy(abortError);
    void upload.abort();
    entries?.stop(abortError);
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  // A failed entries upload stops the archive upload before it can complete.
  let entriesError: UploadFailedError | undefined;
  const entriesDone = entries?.upload.done().then(
    () => true,
    (err: unknown) => {
      // Stopped because the archive side failed or was aborted: that error is the one to report.
      if (entries.stopped) return false;
      entriesError ??= new UploadFailedError(
        `Writing the entries object ${entries.key} failed: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
      if (!pipelineDone) source.destroy(entriesError);
      void upload.abort();
      return false;
    },
  );

  let result: Awaited<ReturnType<Upload['done']>>;
  try {
    result = await upload.done();
    published.resolve();
  } catch (err) {
    published.reject(err);
    source.destroy();
    gzipCounter.destroy();
    entries?.stop(err);
    await entriesDone;
    throw abortError ?? entriesError ?? (dataErrors.has(err) ? err : asTransferFailure(err));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (entriesDone && !(await entriesDone))
    throw (
      abortError ?? entriesError ?? new UploadFailedError('The entries object was not written', undefined)
    );

  const sha256 = digest.sha256;
  const bytes = digest.bytes;
  const gzipBytes = gzipCounter.bytes;
  let etag = result.ETag ?? '';
  let versionId = result.VersionId;
  let digestRecorded: RecordDigestMode = 'none';
  const digestValues = { [DIGEST_KEYS.sha256]: sha256, [DIGEST_KEYS.bytes]: String(bytes) };
  try {
    if (recordDigest === 'metadata' && gzipBytes <= MAX_SINGLE_COPY_BYTES) {
      const copied = await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: copySource(bucket, key, versionId),
          // Stamp the object we just wrote, not one a concurrent writer put there since.
          ...(etag ? { CopySourceIfMatch: etag } : {}),
          MetadataDirective: 'REPLACE',
          ContentType: ARCHIVE_CONTENT_TYPE,
          Metadata: { ...options.metadata, ...digestValues },
        }),
        signal ? { abortSignal: signal } : {},
      );
      etag = copied.CopyObjectResult?.ETag ?? etag;
      versionId = copied.VersionId ?? versionId;
      digestRecorded = 'metadata';
    } else if (recordDigest === 'tags') {
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          ...(versionId ? { VersionId: versionId } : {}),
          Tagging: { TagSet: Object.entries(digestValues).map(([Key, Value]) => ({ Key, Value })) },
        }),
        signal ? { abortSignal: signal } : {},
      );
      digestRecorded = 'tags';
    }
  } catch (err) {
    if (signal?.aborted)
      throw new TransferAbortedError('Archive aborted while recording the digest', { cause: err });
    throw asTransferFailure(err, 'Recording the source digest failed');
  }

  return {
    bytes,
    gzipBytes,
    sha256,
    etag,
    ...(versionId ? { versionId } : {}),
    digestRecorded,
    ...(entries
      ? { entries: { key: entries.key, rows: entries.stage.entries, gzipBytes: entries.counter.bytes } }
      : {}),
  };
}

/** The entries side of a transfer: digest output -> entries -> gzip -> its own upload. */
function startEntries(
  target: EntriesTarget,
  digest: SourceDigest,
  s3: S3Client,
  bucket: string,
  gzipLevel: number | undefined,
  partSize: number,
  beforeEnd: () => Promise<void>,
) {
  const stage = new EntriesStream(target.format, beforeEnd);
  const gzip = createGzip({
    level: gzipLevel ?? RUNTIME_SETTINGS.gzipLevel.default,
    chunkSize: GZIP_CHUNK_BYTES,
  });
  const counter = new ByteCounter();
  // A second reader of the digest stage: it pauses while either reader is behind.
  digest.pipe(stage);
  pipeline(stage, gzip, counter, () => {
    // Errors surface through its upload reading `counter`.
  });
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: bucket,
      Key: target.key,
      Body: counter,
      ContentType: ARCHIVE_CONTENT_TYPE,
      Metadata: target.metadata,
    },
    partSize,
    // JSON of a log is about as large as the log; one part in flight keeps up with gzip.
    queueSize: 1,
    leavePartsOnError: false,
  });
  return {
    key: target.key,
    stage,
    counter,
    upload,
    stopped: false,
    stop(reason: unknown): void {
      this.stopped = true;
      if (!stage.destroyed) stage.destroy(reason instanceof Error ? reason : new Error(String(reason)));
      upload.abort().catch(() => undefined);
    },
  };
}

/** Download and transfer errors pass unchanged; anything else came from S3 (or the SDK) and is wrapped. */
function asTransferFailure(err: unknown, what = 'Upload to S3 failed'): Error {
  if (err instanceof DownloadError || err instanceof TransferError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UploadFailedError(`${what}: ${message}`, err);
}

/** `bucket/key[?versionId=]` with the key URL-encoded per segment, as CopyObject expects. */
function copySource(bucket: string, key: string, versionId: string | undefined): string {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  return `${bucket}/${encodedKey}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
}
