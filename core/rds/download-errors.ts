/**
 * Errors of the whole-file log download. Every subclass says whether a later attempt may succeed
 * (`retryable`), so the archiver can decide between "retry through SQS", "record as lost" and
 * "fail loudly" without string matching. Messages never carry credentials or signatures.
 */

/** What the service answered, when it answered. */
export interface DownloadFailureDetails {
  /** HTTP status, when a response arrived. */
  status?: number;
  /** AWS error code from the body or `x-amzn-ErrorType`, e.g. `DBLogFileNotFoundFault`. */
  code?: string;
  /** AWS request id, for support cases. */
  requestId?: string;
  /** The request path (instance and file name; no query, no signature). */
  path?: string;
}

/** Base of every download failure. */
export class DownloadError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly path: string | undefined;

  constructor(
    message: string,
    retryable: boolean,
    details: DownloadFailureDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DownloadError';
    this.retryable = retryable;
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.path = details.path;
  }
}

/** The file (404 `DBLogFileNotFoundFault`) or its instance (404 `DBInstanceNotFound`) is gone: record it as lost. */
export class LogFileNotFoundError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}) {
    super(message, false, details);
    this.name = 'LogFileNotFoundError';
  }
}

/** 429 or a throttling code: the account-wide RDS API budget is spent; retry later. */
export class DownloadThrottledError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}) {
    super(message, true, details);
    this.name = 'DownloadThrottledError';
  }
}

/** 5xx: the service failed; retry later. */
export class DownloadServerError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}) {
    super(message, true, details);
    this.name = 'DownloadServerError';
  }
}

/** Codes that mean "your clock or credentials were stale": a later attempt (fresh credentials, new signature) may pass. */
const TRANSIENT_AUTH_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'RequestTimeTooSkewed',
]);

/**
 * Any other refusal (403 signature or permission faults, 400s, an unknown download path).
 * Not retryable, except for expired credentials and clock skew.
 */
export class DownloadRefusedError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}) {
    super(message, details.code !== undefined && TRANSIENT_AUTH_CODES.has(details.code), details);
    this.name = 'DownloadRefusedError';
  }
}

/** The connection failed (refused, reset, timed out) before or while the body streamed. Retryable. */
export class DownloadConnectionError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}, options?: ErrorOptions) {
    super(message, true, details, options);
    this.name = 'DownloadConnectionError';
  }
}

/** The caller's AbortSignal fired (e.g. the Lambda is about to time out). Retryable: the file is fine. */
export class DownloadAbortedError extends DownloadError {
  constructor(message: string, details: DownloadFailureDetails = {}, options?: ErrorOptions) {
    super(message, true, details, options);
    this.name = 'DownloadAbortedError';
  }
}

/**
 * The body ended before reaching the size RDS listed. RDS sends no length and no end marker, so a
 * short body looks like success; files only grow, so fewer bytes than listed means a cut-off stream.
 */
export class TruncatedDownloadError extends DownloadError {
  readonly expectedBytes: number;
  readonly receivedBytes: number;

  constructor(receivedBytes: number, expectedBytes: number, details: DownloadFailureDetails = {}) {
    super(`Download truncated: received ${receivedBytes} of ${expectedBytes} listed bytes`, true, details);
    this.name = 'TruncatedDownloadError';
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}
