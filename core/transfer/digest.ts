/**
 * Stream stages that observe bytes in passing: no copies, the chunk is forwarded as is.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TruncatedDownloadError } from '../rds/download-errors.js';
import { ContentMismatchError } from './errors.js';

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

/** Checks the digest stage makes on the bytes, in the same pass (see {@link SourceDigest}). */
export interface SourceChecks {
  /**
   * The bytes archived before: the first `bytes` must hash (SHA-256) to `sha256`, else the stage
   * errors with {@link ContentMismatchError} as soon as they have passed.
   */
  prefix?: { bytes: number; sha256: string };
  /**
   * Asked once the source ended, with the byte count, before the end is passed downstream (so
   * nothing is published yet): throw to refuse the bytes (e.g. the file moved while read).
   */
  beforeEnd?: (bytes: number) => Promise<void>;
}

/**
 * Hashes (SHA-256) and counts the source bytes, and refuses to end short: when the input ends with
 * fewer than `expectedBytes`, the stage errors in its flush with {@link TruncatedDownloadError}
 * instead of ending, so nothing downstream ever sees a clean end of a truncated file (lib-storage
 * then never completes the upload). More bytes than expected is fine: the file grew while read.
 * With `checks`, it also proves the prefix archived before and asks `beforeEnd` (see
 * {@link SourceChecks}); the prefix hash is a copy of the running hash, so there is one pass and
 * no byte is copied.
 */
export class SourceDigest extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;
  private prefixChecked: boolean;

  constructor(
    private readonly expectedBytes: number,
    private readonly checks: SourceChecks = {},
  ) {
    super({ highWaterMark: STAGE_HIGH_WATER_MARK });
    if (!Number.isSafeInteger(expectedBytes) || expectedBytes < 0) {
      throw new RangeError(`expectedBytes must be a non-negative integer, got ${expectedBytes}`);
    }
    this.prefixChecked = checks.prefix === undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const prefix = this.checks.prefix;
    if (!this.prefixChecked && prefix && this.bytes + chunk.length >= prefix.bytes) {
      const head = prefix.bytes - this.bytes;
      this.hash.update(chunk.subarray(0, head));
      const mismatch = this.comparePrefix(prefix);
      this.hash.update(chunk.subarray(head));
      this.bytes += chunk.length;
      callback(mismatch, mismatch ? undefined : chunk);
      return;
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const prefix = this.checks.prefix;
    if (!this.prefixChecked && prefix && this.bytes >= prefix.bytes) {
      const mismatch = this.comparePrefix(prefix);
      if (mismatch) {
        callback(mismatch);
        return;
      }
    }
    const finish = () => {
      if (this.bytes < this.expectedBytes) {
        callback(new TruncatedDownloadError(this.bytes, this.expectedBytes));
        return;
      }
      this.hex = this.hash.digest('hex');
      callback();
    };
    const beforeEnd = this.checks.beforeEnd;
    if (!beforeEnd) {
      finish();
      return;
    }
    beforeEnd(this.bytes).then(finish, (error: unknown) =>
      callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Hex SHA-256 of everything that passed; only after the stage ended without error. */
  get sha256(): string {
    if (this.hex === undefined) throw new Error('SourceDigest: the stream has not ended');
    return this.hex;
  }

  private comparePrefix(prefix: { bytes: number; sha256: string }): ContentMismatchError | null {
    this.prefixChecked = true;
    const actual = this.hash.copy().digest('hex');
    if (actual === prefix.sha256) return null;
    return new ContentMismatchError(
      `the first ${prefix.bytes} bytes differ from those archived before (sha256 ${actual.slice(0, 12)} != ${prefix.sha256.slice(0, 12)}): the name holds other content`,
    );
  }
}
