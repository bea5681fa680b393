/**
 * The whole-file RDS log download, which no AWS SDK offers: a SigV4-signed (service `rds`)
 * `GET {endpoint}/{v19|v13}/downloadCompleteLogFile/{instance}/{logFileName}` whose body is the file.
 *
 * Plain `node:http`/`node:https` rather than `fetch`: we want a Node stream with backpressure into
 * the gzip/upload pipeline and no silent decompression (the byte count is compared with the listed
 * size). We never ask for gzip; if a response is gzip-encoded anyway, it is gunzipped in the stream.
 */
import http from 'node:http';
import https from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  DownloadAbortedError,
  DownloadConnectionError,
  type DownloadError,
  type DownloadFailureDetails,
  DownloadRefusedError,
  DownloadServerError,
  DownloadThrottledError,
  LogFileNotFoundError,
} from './download-errors.js';
import {
  answerProvesRoute,
  type ConcreteDownloadPath,
  classifyDownloadFailure,
  type DownloadFailureKind,
  type DownloadPathVersion,
  downloadPath,
  parseAwsError,
} from './download-response.js';
import { resolveRdsEndpoint } from './endpoint.js';

/** Error bodies are small XML/JSON documents; never buffer more than this of one. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;
/** Body chunk size handed downstream (matches the gzip stage's chunk size). */
const STREAM_CHUNK_BYTES = 128 * 1024;

/** Configuration of a {@link LogFileDownloader}. Create one per process and reuse it. */
export interface LogFileDownloaderOptions {
  /** Region the requests are signed for. */
  region: string;
  /** Endpoint URL; default {@link resolveRdsEndpoint} (`AWS_ENDPOINT_URL_RDS`, else `https://rds.{region}.amazonaws.com`). */
  endpoint?: string;
  /**
   * Credentials or a provider, resolved for every request (they rotate; session tokens are sent).
   * Default: the SDK's Node provider chain (env, SSO, ini, container/instance metadata, ...).
   */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * `auto` (default): `/v19/` first; until one answer settles the choice, any answer from it other
   * than success or an RDS not-found (403, 400, 404 without such a code, 429, 5xx) makes the same
   * request go to `/v13/`. The first path that answers success or not-found is kept for the
   * downloader's life. `v19` / `v13` force one path.
   */
  pathVersion?: DownloadPathVersion;
  /** Connection pool; default a keep-alive agent owned by the downloader. */
  agent?: http.Agent;
  /** Socket idle timeout before the response or between body chunks (default 60 s). */
  idleTimeoutMs?: number;
  /** Told once which path version is in use and why, so the caller can log it (a fallback deserves a warning). */
  onPathChosen?: (event: PathChoiceEvent) => void;
  /**
   * Awaited before each HTTP request (a `/v13/` fallback is a second one): the RDS API budget takes
   * a token here (core/rds-budget/metering.ts). Its rejection fails the open.
   */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
}

/** Which path version downloads use, and why: told once per downloader, at the first answer that settles it. */
export interface PathChoiceEvent {
  version: ConcreteDownloadPath;
  /** `configured`: forced by the `pathVersion` option (ARCHIVER_DOWNLOAD_PATH); `auto`: settled by an answer. */
  how: 'configured' | 'auto';
  /** Set when `/v19/` answered something other than success or "file not found", so `/v13/` was tried. */
  fallbackFrom?: { version: 'v19'; status: number; code?: string; message?: string };
}

/** One file to download. */
export interface LogFileRequest {
  /** DB instance identifier (not the cluster). */
  instance: string;
  /** As listed by DescribeDBLogFiles, e.g. `audit/audit.log.0.2026-03-01-00-00.1`. */
  logFileName: string;
  /** Aborting destroys the request and the body stream with a {@link DownloadAbortedError}. */
  signal?: AbortSignal;
}

/** An open download: consume `body` (errors on it are {@link DownloadError}s). */
export interface LogFileDownload {
  body: Readable;
  /** The path version that served it. */
  pathVersion: ConcreteDownloadPath;
  /** `Content-Length` when the service sent one (it usually streams chunked). */
  contentLength?: number;
  /** True when the response was gzip-encoded and is being gunzipped on the fly. */
  decompressed: boolean;
  requestId?: string;
}

/** Opens signed whole-file downloads. */
export interface LogFileDownloader {
  /** Opens the download once the response headers say 2xx; rejects with a {@link DownloadError} otherwise. */
  open(request: LogFileRequest): Promise<LogFileDownload>;
  /** The path version in use: the configured one, or what `auto` settled on (`auto` until it has). */
  readonly pathVersion: DownloadPathVersion;
  /** Closes idle pooled sockets (only of an agent the downloader created). */
  close(): void;
}

/** A response: the open download, or the classified failure (thrown only when no answer came). */
type AttemptResult =
  | { kind: 'ok'; download: LogFileDownload }
  | { kind: 'failed'; failure: DownloadFailureKind; error: DownloadError; said: string };

/** The error for a classified failure answer. An unknown route is a refusal here; callers may add a hint. */
function failureError(
  kind: DownloadFailureKind,
  message: string,
  details: DownloadFailureDetails,
): DownloadError {
  switch (kind) {
    case 'not-found':
      return new LogFileNotFoundError(message, details);
    case 'throttled':
      return new DownloadThrottledError(message, details);
    case 'server':
      return new DownloadServerError(message, details);
    default:
      return new DownloadRefusedError(message, details);
  }
}

const FAILURE_WORDS: Record<DownloadFailureKind, string> = {
  'not-found': 'Log file not found',
  throttled: 'Download throttled',
  server: 'Download failed on the server',
  'unknown-route': 'Download path refused as an unknown route',
  refused: 'Download refused',
};

/**
 * Creates a downloader. No I/O happens until {@link LogFileDownloader.open}.
 */
export function createLogFileDownloader(options: LogFileDownloaderOptions): LogFileDownloader {
  const endpoint = new URL(options.endpoint ?? resolveRdsEndpoint(options.region));
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new Error(`Unsupported RDS endpoint protocol: ${endpoint.protocol}`);
  }
  const transport = endpoint.protocol === 'https:' ? https : http;
  const ownsAgent = options.agent === undefined;
  const agent = options.agent ?? new transport.Agent({ keepAlive: true, maxSockets: 32 });
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const signer = new SignatureV4({
    service: 'rds',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    // The wire path is encoded once; SigV4 for services other than S3 encodes it again in the canonical request.
    uriEscapePath: true,
  });
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  let chosen: DownloadPathVersion = options.pathVersion ?? 'auto';

  async function attempt(version: ConcreteDownloadPath, request: LogFileRequest): Promise<AttemptResult> {
    try {
      await options.beforeRequest?.(request.signal);
    } catch (error) {
      if (request.signal?.aborted)
        throw new DownloadAbortedError(
          'Download aborted while waiting for the RDS API budget',
          {},
          { cause: error },
        );
      throw error;
    }
    const path = basePath + downloadPath(version, request.instance, request.logFileName);
    const unsigned = new HttpRequest({
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path,
      headers: { host: endpoint.host },
    });
    const signed = await signer.sign(unsigned);
    const details: DownloadFailureDetails = { path };
    const response = await send(signed.headers, path, details, request.signal);
    const status = response.statusCode ?? 0;
    const requestId = headerValue(response.headers['x-amzn-requestid']);
    if (requestId) details.requestId = requestId;
    details.status = status;

    if (status >= 200 && status < 300) {
      return { kind: 'ok', download: wrapBody(response, version, details, request.signal) };
    }

    const body = await readBounded(response, MAX_ERROR_BODY_BYTES).catch(() => '');
    const info = parseAwsError(body, response.headers);
    if (info.code) details.code = info.code;
    if (info.requestId) details.requestId ??= info.requestId;
    const what = `${request.instance}/${request.logFileName} via /${version}/`;
    const said = `${status}${info.code ? ` ${info.code}` : ''}${info.message ? `: ${info.message}` : ''}`;
    const failure = classifyDownloadFailure(status, info.code);
    return {
      kind: 'failed',
      failure,
      said,
      error: failureError(failure, `${FAILURE_WORDS[failure]}: ${what} (${said})`, details),
    };
  }

  function send(
    headers: Record<string, string>,
    path: string,
    details: DownloadFailureDetails,
    signal: AbortSignal | undefined,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(
          new DownloadAbortedError('Download aborted before it started', details, { cause: signal.reason }),
        );
        return;
      }
      const req = transport.request({
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port || undefined,
        path,
        method: 'GET',
        headers,
        agent,
      });
      const onAbort = () =>
        req.destroy(new DownloadAbortedError('Download aborted', details, { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(idleTimeoutMs, () =>
        req.destroy(new DownloadConnectionError(`No data from RDS for ${idleTimeoutMs} ms`, details)),
      );
      req.once('response', (res) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(res);
      });
      // `on`, not `once`: a socket error after the response is also emitted here (and on the
      // response, where the body wrapper handles it); a second one must not crash the process.
      req.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(asDownloadError(err, details));
      });
      req.end();
    });
  }

  let announced = false;
  /** Settles (or, when forced, announces) the path version: once, first answer wins. */
  function settle(version: ConcreteDownloadPath, fallbackFrom?: PathChoiceEvent['fallbackFrom']): void {
    if (announced) return;
    announced = true;
    chosen = version;
    options.onPathChosen?.({
      version,
      how: options.pathVersion === undefined || options.pathVersion === 'auto' ? 'auto' : 'configured',
      ...(fallbackFrom ? { fallbackFrom } : {}),
    });
  }

  return {
    get pathVersion() {
      return chosen;
    },
    close() {
      if (ownsAgent) agent.destroy();
    },
    async open(request) {
      const settled = chosen;
      if (settled !== 'auto') {
        const result = await attempt(settled, request);
        if (result.kind === 'ok') {
          settle(settled);
          return result.download;
        }
        if (result.failure !== 'unknown-route') throw result.error;
        const why =
          options.pathVersion === settled
            ? 'check ARCHIVER_DOWNLOAD_PATH'
            : 'it served this process before; restart to choose again';
        throw new DownloadRefusedError(`${result.error.message}; ${why}`, detailsOf(result.error));
      }
      // Not settled yet: /v19/ first; an answer that does not prove the route sends the same
      // request to /v13/. A connection failure is no answer: it is thrown, and nothing settles.
      const v19 = await attempt('v19', request);
      if (v19.kind === 'ok') {
        settle('v19');
        return v19.download;
      }
      if (answerProvesRoute(v19.failure)) {
        settle('v19');
        throw v19.error;
      }
      const v13 = await attempt('v13', request);
      const fallbackFrom = {
        version: 'v19' as const,
        status: v19.error.status ?? 0,
        ...(v19.error.code ? { code: v19.error.code } : {}),
        message: v19.said,
      };
      if (v13.kind === 'ok') {
        settle('v13', fallbackFrom);
        return v13.download;
      }
      if (answerProvesRoute(v13.failure)) {
        settle('v13', fallbackFrom);
        throw v13.error;
      }
      // Neither path proved itself: fail with /v13/'s kind of failure (retryable or not) and both answers.
      const both = `/v19/ answered ${v19.said}, /v13/ answered ${v13.said}`;
      if (v19.failure === 'unknown-route' && v13.failure === 'unknown-route') {
        throw new DownloadRefusedError(
          `Both download paths refused as unknown routes for ${request.instance}/${request.logFileName}: ${both}`,
          detailsOf(v13.error),
        );
      }
      throw failureError(v13.failure, `${v13.error.message}; ${both}`, detailsOf(v13.error));
    },
  };
}

function detailsOf(error: DownloadError): DownloadFailureDetails {
  return {
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
    ...(error.path !== undefined ? { path: error.path } : {}),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Maps a socket-level error to a download error (abort stays an abort). Never includes request headers. */
function asDownloadError(err: unknown, details: DownloadFailureDetails): DownloadError {
  if (err instanceof DownloadAbortedError || err instanceof DownloadConnectionError) return err;
  const e = err as NodeJS.ErrnoException;
  return new DownloadConnectionError(
    `Download connection failed: ${e.code ?? e.message ?? String(err)}`,
    details,
    {
      cause: err,
    },
  );
}

/** Reads at most `limit` bytes of an error body; a longer one is cut and its socket discarded. */
function readBounded(res: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      if (length >= limit) return;
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) {
        res.destroy();
        resolve(Buffer.concat(chunks).subarray(0, limit).toString('utf8'));
      }
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/**
 * Hands the body downstream as a stream whose errors are {@link DownloadError}s, gunzipping it when
 * the service compressed it anyway, and tearing the socket down when the consumer stops early or the
 * signal aborts.
 */
function wrapBody(
  res: http.IncomingMessage,
  version: ConcreteDownloadPath,
  details: DownloadFailureDetails,
  signal: AbortSignal | undefined,
): LogFileDownload {
  const encoding = headerValue(res.headers['content-encoding'])?.trim().toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  const body = new PassThrough({ highWaterMark: STREAM_CHUNK_BYTES });
  const fail = (err: unknown) => {
    if (!body.destroyed) body.destroy(asDownloadError(err, details));
  };
  res.on('error', fail);
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: STREAM_CHUNK_BYTES });
    gunzip.on('error', (err) => fail(new DownloadServerError(`Corrupt gzip body: ${err.message}`, details)));
    res.pipe(gunzip).pipe(body);
  } else {
    res.pipe(body);
  }
  const onAbort = () => {
    fail(new DownloadAbortedError('Download aborted', details, { cause: signal?.reason }));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  body.once('close', () => {
    signal?.removeEventListener('abort', onAbort);
    // Consumer gone (finished, failed or stopped early): free the socket unless the body completed.
    if (!res.complete) res.destroy();
  });
  const length = Number(headerValue(res.headers['content-length']));
  const requestId = details.requestId;
  return {
    body,
    pathVersion: version,
    decompressed: gzip,
    ...(Number.isFinite(length) && !gzip ? { contentLength: length } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
