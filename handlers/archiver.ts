/**
 * Archiver Lambda: SQS batch in, one archive per record, partial batch failures out.
 * Reads like a table of contents: configuration, clients, middleware; the work is core/archive.ts.
 */

import { setMaxListeners } from 'node:events';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ArchiveDeps, archiveRecord } from '../core/archive.js';
import { createArchiverClients } from '../core/aws-clients.js';
import { loadConfig } from '../core/config.js';
import { createPowertools, powertoolsLog, powertoolsMetrics } from './powertools.js';

/** Abort downloads and uploads this long before the Lambda timeout, so claims are released cleanly. */
export const TIMEOUT_MARGIN_MS = 15_000;

type Deps = Omit<ArchiveDeps, 'workerId'>;

/**
 * The middy pipeline around `archiveRecord`, for any set of dependencies: the Lambda below, the
 * CLI's local runner and the tests all run this same function.
 */
export function createArchiverHandler(deps: Deps | (() => Deps), options: { timeoutMarginMs?: number } = {}) {
  const resolve = typeof deps === 'function' ? deps : () => deps;
  const marginMs = options.timeoutMarginMs ?? TIMEOUT_MARGIN_MS;
  const base = async (event: SQSEvent, context: Context) => {
    const d = resolve();
    // Our own early-timeout signal rather than middy's: middy races its timeout against the
    // handler and returns while records are still aborting, and Lambda freezes that background
    // work mid-write. Here every record sees the abort, releases its claim, and only then does
    // the invocation return (their failures become batchItemFailures).
    const timeout = new AbortController();
    const remainingMs = context.getRemainingTimeInMillis() - marginMs;
    const timer = setTimeout(
      () => timeout.abort(new Error('Lambda timeout approaching')),
      Math.max(0, remainingMs),
    );
    const { signal } = timeout;
    // Every record's download and upload listen on this one signal; Node warns past 10 listeners.
    setMaxListeners(10 + event.Records.length * 50, signal);
    const archiveDeps: ArchiveDeps = { ...d, workerId: context.awsRequestId };
    // Each record is its own promise: one failing record never fails the rest of the batch.
    // Identical bodies (an at-least-once duplicate, a sweep's re-send) run one after the other, so
    // the second sees the first's result and is acknowledged, instead of bouncing off its lease.
    const previous = new Map<string, Promise<unknown>>();
    try {
      return await Promise.allSettled(
        event.Records.map((record) => {
          const before = previous.get(record.body) ?? Promise.resolve();
          const run = before.catch(() => undefined).then(() => archiveRecord(record, archiveDeps, signal));
          previous.set(record.body, run);
          return run;
        }),
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return middy<SQSEvent, SQSBatchResponse>(base as never, { timeoutEarlyInMillis: 0 }).use(
    sqsPartialBatchFailure({
      // core already logged each failure with its context; this only notes which messages return.
      logger: (reason: unknown, record: { messageId: string }) =>
        resolve().log.debug('Record returned to the queue', {
          messageId: record.messageId,
          reason: String(reason),
        }),
    }),
  );
}

let lambdaDeps: Deps | undefined;
const powertools = createPowertools();

/** Created on first use, then reused across invocations of a warm Lambda. */
function lambdaDependencies(): Deps {
  if (!lambdaDeps) {
    const config = loadConfig(process.env, 'archive');
    const clients = createArchiverClients(config, {
      onDownloadPathChosen: (event) =>
        powertools.logger[event.fallbackFrom ? 'warn' : 'info']('Download path chosen', { ...event }),
    });
    lambdaDeps = {
      ledger: clients.ledger,
      s3: clients.s3,
      sqs: clients.sqs,
      downloader: clients.downloader,
      config,
      log: powertoolsLog(powertools.logger),
      metrics: powertoolsMetrics(powertools.metrics),
    };
  }
  return lambdaDeps;
}

export const handler = createArchiverHandler(lambdaDependencies)
  .use(injectLambdaContext(powertools.logger))
  .use(logMetrics(powertools.metrics));
