/**
 * Stream stages that observe bytes in passing: no copies, the chunk is forwarded as is.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TruncatedDownloadError } from '../rds/download-errors.js';

/** Stage buffer size; matches the gzip chunk size so each hop moves a few large chunks. */
export const STAGE_HIGH_WATER_MARK = 128 * 1024;

/** Counts the bytes that pass. */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor() {
    super({ highWaterMark: STAGE_HIGH_WATER_MARK });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Hashes (SHA-256) and counts the source bytes, and refuses to end short: when the input ends with
 * fewer than `expectedBytes`, the stage errors in its flush with {@link TruncatedDownloadError}
 * instead of ending, so nothing downstream ever sees a clean end of a truncated file (lib-storage
 * then never completes the upload). More bytes than expected is fine: the file grew while read.
 */
export class SourceDigest extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;

  constructor(private readonly expectedBytes: number) {
    super({ highWaterMark: STAGE_HIGH_WATER_MARK });
    if (!Number.isSafeInteger(expectedBytes) || expectedBytes < 0) {
      throw new RangeError(`expectedBytes must be a non-negative integer, got ${expectedBytes}`);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes < this.expectedBytes) {
      callback(new TruncatedDownloadError(this.bytes, this.expectedBytes));
      return;
    }
    this.hex = this.hash.digest('hex');
    callback();
  }

  /** Hex SHA-256 of everything that passed; only after the stage ended without error. */
  get sha256(): string {
    if (this.hex === undefined) throw new Error('SourceDigest: the stream has not ended');
    return this.hex;
  }
}
