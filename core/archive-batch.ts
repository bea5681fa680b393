/**
 * One batch of SQS records, as Lambda's event source mapping delivers them: each record archived
 * on its own (archive.ts), failures reported per record as `batchItemFailures` (partial batch
 * responses). The archiver Lambda, the CLI's queue poller and the tests all run this function.
 */

import { setMaxListeners } from 'node:events';
import { type ArchiveDeps, type ArchiveRecordInput, archiveRecord, RetryLaterError } from './archive.js';

/** Abort downloads and uploads this long before the invocation's end, so claims are released cleanly. */
export const TIMEOUT_MARGIN_MS = 15_000;

/** What the batch needs to know about the invocation running it. */
export interface BatchContext {
  /** Identifies the invocation's claims in the ledger (the Lambda request id). */
  requestId: string;
  /** Milliseconds left before the invocation is cut off. */
  remainingMs(): number;
}

/** Lambda's partial batch response: the records to deliver again. */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export type ArchiveBatch = (
  records: readonly ArchiveRecordInput[],
  context: BatchContext,
) => Promise<BatchResponse>;

/** The dependencies of every record but the worker id (the invocation's request id). */
export type BatchDeps = Omit<ArchiveDeps, 'workerId'>;

/**
 * The batch function for a set of dependencies (or a factory called per batch, so a Lambda builds
 * them on first use).
 */
export function createArchiveBatch(
  deps: BatchDeps | (() => BatchDeps),
  options: { timeoutMarginMs?: number } = {},
): ArchiveBatch {
  const resolve = typeof deps === 'function' ? deps : () => deps;
  const marginMs = options.timeoutMarginMs ?? TIMEOUT_MARGIN_MS;
  return async (records, context) => {
    const archiveDeps: ArchiveDeps = { ...resolve(), workerId: context.requestId };
    // Our own early-timeout signal rather than middy's: middy races its timeout against the
    // handler and returns while records are still aborting, and Lambda freezes that background
    // work mid-write. Here every record sees the abort, releases its claim, and only then does
    // the invocation return (their failures become batchItemFailures).
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error('Lambda timeout approaching')),
      Math.max(0, context.remainingMs() - marginMs),
    );
    // Every record's download and upload listen on this one signal; Node warns past 10 listeners.
    setMaxListeners(10 + records.length * 50, timeout.signal);
    // Each record is its own promise: one failing record never fails the rest of the batch.
    // Identical bodies (an at-least-once duplicate, a sweep's re-send) run one after the other, so
    // the second sees the first's result and is acknowledged, instead of bouncing off its lease.
    const previous = new Map<string, Promise<unknown>>();
    try {
      const settled = await Promise.allSettled(
        records.map((record) => {
          const before = previous.get(record.body) ?? Promise.resolve();
          const run = before
            .catch(() => undefined)
            .then(() => archiveRecord(record, archiveDeps, timeout.signal));
          previous.set(record.body, run);
          return run;
        }),
      );
      const batchItemFailures: BatchResponse['batchItemFailures'] = [];
      records.forEach((record, i) => {
        const result = settled[i];
        if (result?.status !== 'rejected') return;
        batchItemFailures.push({ itemIdentifier: record.messageId });
        // A retry was decided and logged; anything else (a DLQ or ledger write failing) was not.
        if (!(result.reason instanceof RetryLaterError)) {
          archiveDeps.log.error('Record failed; it returns to the queue', {
            messageId: record.messageId,
            error: result.reason,
          });
        }
      });
      return { batchItemFailures };
    } finally {
      clearTimeout(timer);
    }
  };
}
