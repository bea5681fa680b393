/**
 * The scheduled half of discovery fanned out: plan one task per place (discovery-tasks.ts) and
 * send them to the discovery queue, ten to a SendMessageBatch.
 */

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ArchiverConfig } from '../config.js';
import type { Log } from '../observability.js';
import { formatDiscoveryTask, planDiscoveryTasks } from './discovery-tasks.js';

export interface EnqueueDiscoveryDeps {
  sqs: SQSClient;
  queueUrl: string;
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag' | 'sourceAccounts'>;
  log: Log;
  now?: () => number;
}

/** What one scheduled run sent. */
export interface EnqueueSummary {
  /** Places planned (one task each). */
  planned: number;
  sent: number;
  /** Places whose task SQS did not take: `<place>: <reason>`. */
  unsent: string[];
}

/** The places' tasks could not all be sent: those places wait for the next schedule. */
export class DiscoveryEnqueueError extends Error {
  override name = 'DiscoveryEnqueueError';
}

/**
 * Sends one discovery task per place. A task SQS refuses is logged and counted; its place is
 * planned again by the next schedule (nothing is recorded before it is read).
 * @throws DiscoveryEnqueueError after sending the rest, when any task was not sent (so the
 *   scheduled invocation fails and its Errors alarm fires)
 */
export async function enqueueDiscovery(deps: EnqueueDiscoveryDeps): Promise<EnqueueSummary> {
  const tasks = planDiscoveryTasks(deps.config, (deps.now ?? Date.now)());
  const unsent: string[] = [];
  for (let i = 0; i < tasks.length; i += 10) {
    const batch = tasks.slice(i, i + 10);
    try {
      const out = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: deps.queueUrl,
          Entries: batch.map((task, j) => ({ Id: String(j), MessageBody: formatDiscoveryTask(task) })),
        }),
      );
      for (const failed of out.Failed ?? []) {
        const task = batch[Number(failed.Id)];
        unsent.push(
          `${task?.place ?? `entry ${failed.Id}`}: ${failed.Code ?? ''} ${failed.Message ?? ''}`.trim(),
        );
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      for (const task of batch) unsent.push(`${task.place}: ${why}`);
    }
  }
  const summary = { planned: tasks.length, sent: tasks.length - unsent.length, unsent };
  if (unsent.length > 0) {
    deps.log.error('Discovery tasks not sent; those places wait for the next schedule', { unsent });
    throw new DiscoveryEnqueueError(
      `${unsent.length} of ${tasks.length} discovery task(s) not sent: ${unsent.join('; ')}`,
    );
  }
  deps.log.info('Discovery tasks sent', { places: tasks.length });
  return summary;
}
