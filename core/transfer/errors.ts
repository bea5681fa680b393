/**
 * Errors of the streaming transfer (download -> gzip -> S3). Download failures keep their own
 * classes ({@link DownloadError} from `core/rds/download-errors.ts`, including
 * `TruncatedDownloadError`); this area adds the upload side and the caller's abort.
 */

import { PERMANENT_SERVICE_CODES, serviceErrorCode } from '../aws-errors.js';

/** Base of transfer failures. `retryable` says whether another attempt may succeed. */
export class TransferError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransferError';
    this.retryable = retryable;
  }
}

/**
 * S3 refused or failed the upload (or the digest stamp after it). Wraps the SDK error as `cause`;
 * retryable unless its service code is one no retry fixes (`PERMANENT_SERVICE_CODES`).
 */
export class UploadFailedError extends TransferError {
  readonly code: string | undefined;

  constructor(message: string, cause: unknown) {
    const code = serviceErrorCode(cause);
    super(message, !(code && PERMANENT_SERVICE_CODES.has(code)), { cause });
    this.name = 'UploadFailedError';
    this.code = code;
  }
}

/** The caller's AbortSignal fired before the object was complete: nothing was published. Retryable. */
export class TransferAbortedError extends TransferError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, true, options);
    this.name = 'TransferAbortedError';
  }
}

/**
 * The downloaded bytes do not start with the bytes archived before (a later generation's first
 * `archivedBytes` hash differently): the name held other content. Nothing is published and no
 * retry of this name helps.
 */
export class ContentMismatchError extends TransferError {
  constructor(message: string) {
    super(message, false);
    this.name = 'ContentMismatchError';
  }
}

/**
 * The content moved while it was being downloaded (its family rotated, or its name now lists other
 * figures): the bytes cannot be vouched for. Nothing is published; locate it again and retry.
 */
export class ContentMovedError extends TransferError {
  constructor(message: string) {
    super(message, true);
    this.name = 'ContentMovedError';
  }
}
