/**
 * Puts every RDS request through the budget (budget.ts): an RDS API client middleware that takes a
 * token per attempt (retries pay too), and the same for the hand-signed whole-file download.
 *
 * Does `downloadCompleteLogFile` count against the budget? AWS does not say. The throttling page
 * ("Request throttling for the Amazon RDS API") covers "any Amazon RDS API operations" from any
 * source; the download is a REST call outside the Query API, and a team that ships RDS logs with
 * it found its rate limits "quite generous" next to DownloadDBLogFilePortion's
 * (vectordotdev/vector#16987), which suggests it is metered apart. The simulator counts it by
 * default (local/rds-sim/budget.ts) and so do we: one token per download attempt is cheap next to
 * the listings, and overcounting only slows us, where undercounting would starve other tools.
 *
 * Throttled all the same (other tools spend the same account budget): the RDS client's retry
 * strategy already backs off with full jitter (@smithy/core's standard strategy: base 1 s for
 * throttling, cap 20 s, up to `maxAttempts`), so API calls are not retried again here; the
 * download, which no SDK retries, backs off the same way (`meterDownloader`). Only a throttle that
 * outlives every attempt surfaces, as one line naming the account, Region and API.
 */

import { setTimeout as delay } from 'node:timers/promises';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { isServiceError, serviceErrorCode } from '../aws-errors.js';
import type { LogFileDownloader } from '../rds/download.js';
import { DownloadThrottledError } from '../rds/download-errors.js';
import { THROTTLING_CODES } from '../rds/download-response.js';
import { fullJitterDelay } from './bucket.js';
import type { RdsApiBudget } from './budget.js';
import { placeOf } from './place.js';

/** A throttled download's retries: the SDK's standard strategy's numbers for a throttled API call. */
export const DOWNLOAD_THROTTLE_RETRY = { attempts: 6, baseMs: 1000, capMs: 20_000 } as const;

/** Whether an RDS API error is a throttling answer (by code, or a 429). */
export function isThrottlingError(error: unknown): boolean {
  const code = serviceErrorCode(error);
  if (code !== undefined && THROTTLING_CODES.has(code)) return true;
  return isServiceError(error) && (error.$metadata as { httpStatusCode?: number }).httpStatusCode === 429;
}

/** `account home, region us-east-1` */
function where(place: string): string {
  const { account, region } = placeOf(place);
  return `account ${account}, region ${region}`;
}

const ADVICE =
  "the account's RDS API budget is spent by this deployment and other tools together: lower ARCHIVER_RDS_API_RATE or the other tools' rate, or ask AWS for a higher limit";

/** An RDS API call still throttled after every attempt: retryable later, reported as one line. */
export class RdsApiThrottledError extends Error {
  readonly retryable = true;
  constructor(
    readonly place: string,
    readonly api: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(
      `RDS API throttled in ${where(place)}: ${api} still throttled after ${attempts} attempt(s); ${ADVICE}`,
      options,
    );
    this.name = 'RdsApiThrottledError';
  }
}

/**
 * Meters an RDS API client: each attempt takes a token of `place`'s bucket before it is signed and
 * sent (the middleware sits right after the retry middleware), throttling answers are counted, and
 * a throttle that outlived the retries becomes an {@link RdsApiThrottledError} (its cause the SDK's
 * error, which keeps the call context).
 */
export function meterRdsClient(client: RDSClient, budget: RdsApiBudget, place: string): void {
  const perAttempt: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
    await budget.take(place);
    try {
      return await next(args);
    } catch (error) {
      if (isThrottlingError(error))
        budget.noteThrottled(place, String(context.commandName ?? 'RDS').replace(/Command$/, ''));
      throw error;
    }
  };
  client.middlewareStack.addRelativeTo(
    perAttempt as Parameters<typeof client.middlewareStack.addRelativeTo>[0],
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'rdsApiBudget', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isThrottlingError(error)) throw error;
        const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        const api = String(context.commandName ?? 'RDS').replace(/Command$/, '');
        throw new RdsApiThrottledError(place, api, attempts, { cause: error });
      }
    },
    { step: 'initialize', name: 'rdsApiThrottled', override: true },
  );
}

export interface MeterDownloaderOptions {
  /** Waits `ms` unless the signal aborts first; default a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * The `beforeRequest` hook of the signed downloader (core/rds/download.ts): a token per HTTP
 * request, so the `/v19/` to `/v13/` fallback pays for both.
 */
export function downloadTokens(budget: RdsApiBudget, place: string): (signal?: AbortSignal) => Promise<void> {
  return (signal) => budget.take(place, signal);
}

/**
 * Retries a throttled download open with full-jitter backoff, up to
 * {@link DOWNLOAD_THROTTLE_RETRY}.attempts; then a {@link DownloadThrottledError} (retryable: the
 * record goes back to the queue) naming the account, Region and API. Other failures pass through.
 */
export function meterDownloader(
  downloader: LogFileDownloader,
  budget: RdsApiBudget,
  place: string,
  options: MeterDownloaderOptions = {},
): LogFileDownloader {
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const random = options.random ?? Math.random;
  const { attempts, baseMs, capMs } = DOWNLOAD_THROTTLE_RETRY;
  return {
    get pathVersion() {
      return downloader.pathVersion;
    },
    close: () => downloader.close(),
    async open(request) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await downloader.open(request);
        } catch (error) {
          if (!(error instanceof DownloadThrottledError)) throw error;
          budget.noteThrottled(place, 'DownloadCompleteLogFile');
          if (attempt >= attempts) {
            throw new DownloadThrottledError(
              `RDS API throttled in ${where(place)}: DownloadCompleteLogFile of ${request.instance}/${request.logFileName} still throttled after ${attempt} attempts; ${ADVICE}`,
              {
                ...(error.status === undefined ? {} : { status: error.status }),
                ...(error.code === undefined ? {} : { code: error.code }),
                ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
                ...(error.path === undefined ? {} : { path: error.path }),
              },
            );
          }
          await sleep(fullJitterDelay(attempt - 1, baseMs, capMs, random), request.signal);
        }
      }
    },
  };
}
