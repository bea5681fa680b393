/**
 * What a failure while archiving means for the work, decided in one place from the error's class
 * and code: the file is gone from RDS, another attempt may succeed, or no attempt will. Errors this
 * project raises say so themselves (`retryable` on DownloadError and TransferError); AWS SDK
 * errors by their service code; anything unknown is retried, so a surprise never loses work.
 */

import { PERMANENT_SERVICE_CODES, serviceErrorCode } from './aws-errors.js';
import { DownloadError, LogFileNotFoundError } from './rds/download-errors.js';
import { ContentMismatchError, TransferError } from './transfer/errors.js';

export interface ClassifiedFailure {
  /**
   * gone: RDS no longer has the file; diverged: its name holds other content (the bytes archived
   * before are not its start); retryable: try again later; permanent: no retry can fix it.
   */
  kind: 'gone' | 'diverged' | 'retryable' | 'permanent';
  /** The error as one line, for the ledger and the DLQ. */
  reason: string;
  /** The AWS error code, when there is one. */
  code?: string;
}

/** Classifies any error thrown while archiving. */
export function classifyFailure(error: unknown): ClassifiedFailure {
  const reason = describeError(error);
  if (error instanceof LogFileNotFoundError) return withCode({ kind: 'gone', reason }, error.code);
  if (error instanceof ContentMismatchError) return { kind: 'diverged', reason };
  if (error instanceof DownloadError) {
    return withCode({ kind: error.retryable ? 'retryable' : 'permanent', reason }, error.code);
  }
  if (error instanceof TransferError) {
    const code = (error as { code?: unknown }).code;
    return withCode(
      { kind: error.retryable ? 'retryable' : 'permanent', reason },
      typeof code === 'string' ? code : undefined,
    );
  }
  const code = serviceErrorCode(error);
  const kind = code !== undefined && PERMANENT_SERVICE_CODES.has(code) ? 'permanent' : 'retryable';
  return withCode({ kind, reason }, code);
}

/** An error as one line: its class and message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function withCode(failure: ClassifiedFailure, code: string | undefined): ClassifiedFailure {
  return code === undefined ? failure : { ...failure, code };
}
