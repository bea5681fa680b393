/**
 * The discoverer's consumer of the discovery queue (discovery-tasks.ts): one batch of tasks as
 * Lambda's event source mapping delivers them, each task one place discovered (`discoverPlace`),
 * the places of a batch side by side. What comes back is Lambda's partial batch response: a task
 * whose place could not be read is a batch item failure, so SQS delivers it again after the
 * queue's visibility timeout and, after maxReceiveCount receives, moves it to the discovery DLQ;
 * the reason is logged and recorded on the place's ledger item (status names it). Every other
 * task of the batch is acknowledged.
 *
 * Acknowledged without a run: a task whose place was read successfully after the task was planned
 * (a duplicate delivery, or a newer schedule got there first: the work is done), a task naming a
 * place the configuration no longer reads, and a body that is not a task (logged with the reason;
 * the next scheduled run plans every place afresh, so nothing is lost with it).
 *
 * A task still running when the invocation is about to end is reported as a failure before
 * Lambda cuts it off, so it comes back instead of failing the whole batch; what it wrote so far
 * is conditional and idempotent, and its discovery lease expires (core/discover.ts).
 */

import type { BatchContext, BatchResponse } from '../archive-batch.js';
import { MalformedMessageError } from '../messages.js';
import { discoverPlace, type FleetDiscoverDeps, type PlaceRun } from './discover-fleet.js';
import { type DiscoveryTask, parseDiscoveryTask, targetOfTask } from './discovery-tasks.js';

/** Stop waiting for a task this long before the invocation ends. */
export const DISCOVERY_TIMEOUT_MARGIN_MS = 10_000;

/** One SQS record of the discovery queue. */
export interface DiscoveryRecordInput {
  messageId: string;
  body: string;
}

/** The batch's answer, and the places it ran (for the CLI's summaries). */
export interface DiscoveryBatchResponse extends BatchResponse {
  runs: PlaceRun[];
}

export type DiscoveryBatch = (
  records: readonly DiscoveryRecordInput[],
  context: BatchContext,
) => Promise<DiscoveryBatchResponse>;

/** The batch function (deps may be a factory, so a Lambda builds them on first use). */
export function createDiscoveryBatch(
  deps: FleetDiscoverDeps | (() => FleetDiscoverDeps),
  options: { timeoutMarginMs?: number } = {},
): DiscoveryBatch {
  const resolve = typeof deps === 'function' ? deps : () => deps;
  const marginMs = options.timeoutMarginMs ?? DISCOVERY_TIMEOUT_MARGIN_MS;
  return async (records, context) => {
    const d = resolve();
    const tasks = records.map((record) => ({ record, task: readTask(d, record) }));
    // One Query for the whole batch: which places were read since their task was planned.
    const readAt = new Map<string, number>();
    if (tasks.some((t) => t.task !== undefined)) {
      for (const place of await d.ledger.placeDiscoveries())
        if (place.succeededAt !== undefined) readAt.set(place.place, place.succeededAt);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout('timeout'), Math.max(0, context.remainingMs() - marginMs));
    });
    try {
      const outcomes = await Promise.all(
        tasks.map(async ({ record, task }) => {
          if (task === undefined) return { record, failed: false };
          const outcome = await Promise.race([runTask(d, task, readAt), deadline]);
          if (outcome === 'timeout') {
            d.log.warn('Discovery task still running as the invocation ends; it returns to the queue', {
              place: task.place,
              messageId: record.messageId,
            });
            return { record, failed: true };
          }
          return { record, failed: outcome.failed, ...(outcome.run ? { run: outcome.run } : {}) };
        }),
      );
      return {
        batchItemFailures: outcomes
          .filter((o) => o.failed)
          .map((o) => ({ itemIdentifier: o.record.messageId })),
        runs: outcomes.flatMap((o) => ('run' in o && o.run ? [o.run] : [])),
      };
    } finally {
      clearTimeout(timer);
    }
  };
}

function readTask(deps: FleetDiscoverDeps, record: DiscoveryRecordInput): DiscoveryTask | undefined {
  try {
    return parseDiscoveryTask(record.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    deps.log.error('Discovery queue message is not a task; dropped (the next schedule plans every place)', {
      messageId: record.messageId,
      reason: error.message,
      body: record.body.slice(0, 200),
    });
    return undefined;
  }
}

async function runTask(
  deps: FleetDiscoverDeps,
  task: DiscoveryTask,
  readAt: ReadonlyMap<string, number>,
): Promise<{ failed: boolean; run?: PlaceRun }> {
  const read = readAt.get(task.place);
  if (read !== undefined && read > task.plannedAt) {
    deps.log.debug('Discovery task superseded: its place was read after it was planned', {
      place: task.place,
    });
    return { failed: false };
  }
  const target = targetOfTask(deps.config, task);
  if ('notConfigured' in target) {
    deps.log.warn('Discovery task names a place the configuration does not read; dropped', {
      place: task.place,
      reason: target.notConfigured,
    });
    return { failed: false };
  }
  const run = await discoverPlace(deps, target);
  return { failed: run.place.error !== undefined, run };
}
