/**
 * Pure decisions about a download response: the request path, what an AWS error body says, and
 * what a failure means. Kept apart from the HTTP code so each rule is unit-testable.
 */

/** Which REST path to download through. `auto` tries `/v19/` and falls back to `/v13/`. */
export const DOWNLOAD_PATH_VERSIONS = ['auto', 'v19', 'v13'] as const;
export type DownloadPathVersion = (typeof DOWNLOAD_PATH_VERSIONS)[number];
/** A concrete path version. */
export type ConcreteDownloadPath = 'v19' | 'v13';

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (stricter than encodeURIComponent). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * `/{version}/downloadCompleteLogFile/{instance}/{logFileName}`, with every segment encoded and the
 * `/` inside the log file name kept as a path separator (`audit/audit.log.0...` is two segments).
 */
export function downloadPath(version: ConcreteDownloadPath, instance: string, logFileName: string): string {
  if (!instance || instance.includes('/'))
    throw new Error(`Invalid DB instance identifier: ${JSON.stringify(instance)}`);
  const segments = logFileName.split('/');
  if (!logFileName || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Invalid log file name: ${JSON.stringify(logFileName)}`);
  }
  return `/${version}/downloadCompleteLogFile/${encodeSegment(instance)}/${segments.map(encodeSegment).join('/')}`;
}

/** What an AWS error response says about itself. */
export interface AwsErrorInfo {
  code?: string;
  message?: string;
  requestId?: string;
}

function xmlElement(body: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]{0,1024})</${name}>`).exec(body);
  return match?.[1]?.trim() || undefined;
}

/** `aws.protocol#Code:http://...` and `com.amazon.coral#Code` both mean `Code`. */
function bareCode(code: string | undefined): string | undefined {
  if (!code) return undefined;
  const tail = code.split(':')[0]!.split('#').pop()!.trim();
  return tail || undefined;
}

/**
 * Reads the error code, message and request id out of an AWS XML (Query/REST) or JSON error body,
 * falling back to the `x-amzn-ErrorType` / `x-amzn-RequestId` headers.
 */
export function parseAwsError(
  body: string,
  headers: Record<string, string | string[] | undefined> = {},
): AwsErrorInfo {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const info: AwsErrorInfo = {};
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      info.code = bareCode(str(json.__type) ?? str(json.code) ?? str(json.Code));
      info.message = str(json.message) ?? str(json.Message);
    } catch {
      // Not JSON after all: fall through to the headers.
    }
  } else if (trimmed.startsWith('<')) {
    info.code = bareCode(xmlElement(trimmed, 'Code'));
    info.message = xmlElement(trimmed, 'Message');
    info.requestId = xmlElement(trimmed, 'RequestId') ?? xmlElement(trimmed, 'RequestID');
  }
  info.code ??= bareCode(header('x-amzn-errortype'));
  info.requestId ??= header('x-amzn-requestid') ?? header('x-amz-request-id');
  return info;
}

const NOT_FOUND_CODES = new Set(['DBLogFileNotFoundFault', 'DBInstanceNotFound', 'DBInstanceNotFoundFault']);

export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);

/**
 * Faults about the caller (signature, credentials, clock, permissions, parameters): `refused`, not an
 * unknown route, so a forced or settled path reports them as what they are. They do not stop the
 * `auto` fallback (see `createLogFileDownloader`): AWS has not been seen answering `/v19/`, which
 * might well answer 403 for a route it does not serve. A credential problem is not hidden by it:
 * `/v13/` then answers the same, and the error carries both answers.
 */
const CALLER_FAULT_CODES = new Set([
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'RequestTimeTooSkewed',
  'AccessDenied',
  'AccessDeniedException',
  'AuthFailure',
  'AuthorizationError',
  'NotAuthorized',
  'OptInRequired',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
]);

/**
 * What a failed download answer means.
 * - `not-found`: the file or instance is gone (record the file as lost). On `/v19/` it also proves
 *   the route exists, so it is the one failure that never makes `auto` try `/v13/`.
 * - `throttled`, `server`: transient, retry later.
 * - `unknown-route`: this download path probably does not exist here (said so in the error).
 * - `refused`: anything else; fail loudly.
 */
export type DownloadFailureKind = 'not-found' | 'throttled' | 'server' | 'unknown-route' | 'refused';

/**
 * Classifies a non-2xx download answer.
 *
 * AWS does not document how an unserved path answers, so "unknown route" is deliberately broad:
 * 404 `UnknownOperationException` (what AWS REST front ends answer for an unmapped route), a
 * 400/403/404/405 that carries no code or a code that is neither a not-found, a throttle nor a
 * caller fault (e.g. `InvalidAction`, `UnknownOperation`, API Gateway's `MissingAuthenticationToken`
 * which it answers for unmapped routes even to signed requests). The class only shapes the error
 * (its retryability and wording); whether `auto` falls back is {@link answerProvesRoute}'s call.
 */
export function classifyDownloadFailure(status: number, code: string | undefined): DownloadFailureKind {
  if (code && NOT_FOUND_CODES.has(code)) return 'not-found';
  if (status === 429 || (code && THROTTLING_CODES.has(code))) return 'throttled';
  if (status >= 500) return 'server';
  if (code && CALLER_FAULT_CODES.has(code)) return 'refused';
  if (status === 400 || status === 403 || status === 404 || status === 405) return 'unknown-route';
  return 'refused';
}

/**
 * Under `auto`, whether an answer from a download path proves that the path is served here: a
 * success, or RDS saying the file or instance is not there (only the route's own handler knows
 * that). Every other answer from `/v19/` (403, 400, 404 without such a code, 429, 5xx) sends the
 * same request to `/v13/`: AWS has not been seen answering `/v19/`, and a process must not stay
 * unable to archive because of a guess about how it refuses.
 */
export function answerProvesRoute(answer: 'ok' | DownloadFailureKind): boolean {
  return answer === 'ok' || answer === 'not-found';
}
