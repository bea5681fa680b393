/**
 * The pipeline on a schedule, in one process: discovery and the digester every interval, and the
 * archiver draining the queue continuously, until the signal aborts. Used by `run` (against any
 * AWS-compatible endpoints) and `start` (against the in-process local stack).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { type DigesterSummary, runDigester } from '../core/digests/digester.js';
import type { DiscoverSummary } from '../core/discover.js';
import { discoverFleet, fleetSummary } from '../core/fleet/discover-fleet.js';
import { enqueueDiscovery } from '../core/fleet/enqueue-discovery.js';
import type { Pipeline } from './pipeline-wiring.js';
import { type DrainStats, runEventSource } from './sqs-event-source.js';

export interface LoopOptions {
  pipeline: Pipeline;
  intervalMs: number;
  signal: AbortSignal;
  /** The pipeline's clock (the simulator's, in local mode); default Date.now. */
  now?: () => number;
  batchSize?: number;
  concurrency?: number;
  functionTimeoutMs?: number;
  onDiscovery?: (summary: DiscoverSummary) => void;
  onDigests?: (summary: DigesterSummary) => void;
}

export async function runPipelineLoop(options: LoopOptions): Promise<DrainStats> {
  const { pipeline, signal } = options;
  const queueUrl = pipeline.config.queueUrl!;
  // The digester runs on the pipeline's clock, as the scheduled Lambda does on AWS. Its deps are
  // made first: a bad signing key stops the command before anything runs.
  const digesterDeps = await pipeline.digesterDeps(options.now);
  // With a discovery queue, discovery fans out as deployed: each interval enqueues one task per
  // place, and a second poller runs the discoverer's batch function on them (partial batch
  // failures: a place that cannot be read comes back after the queue's visibility timeout).
  const discoveryQueueUrl = pipeline.config.discoveryQueueUrl;
  const discovering = (async () => {
    while (!signal.aborted) {
      try {
        if (discoveryQueueUrl) {
          await enqueueDiscovery({
            ...pipeline.discoverDeps(options.now),
            queueUrl: discoveryQueueUrl,
          });
        } else {
          const summary = await discoverFleet(pipeline.discoverDeps(options.now));
          options.onDiscovery?.(summary);
        }
      } catch (error) {
        pipeline.log.error('Discovery pass failed; retrying at the next interval', { error });
      }
      await sleep(options.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  })();
  const discoveryBatch = pipeline.discoveryBatch(options.now);
  const consumingTasks = discoveryQueueUrl
    ? runEventSource({
        sqs: pipeline.clients.sqs,
        queueUrl: discoveryQueueUrl,
        handler: async (records, context) => {
          const response = await discoveryBatch(records, context);
          if (response.runs.length > 0) options.onDiscovery?.(fleetSummary(response.runs));
          return response;
        },
        follow: true,
        signal,
        // A place's discovery may take minutes on a big fleet: Lambda's longest timeout by default.
        functionTimeoutMs: options.functionTimeoutMs ?? 900_000,
      })
    : Promise.resolve();
  const digesting = (async () => {
    while (!signal.aborted) {
      try {
        const summary = await runDigester({ ...digesterDeps, signal });
        pipeline.counters.digestsWritten += summary.written.length;
        options.onDigests?.(summary);
      } catch (error) {
        if (!signal.aborted)
          pipeline.log.error('Digester run failed; retrying at the next interval', { error });
      }
      await sleep(options.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  })();
  const archiving = runEventSource({
    sqs: pipeline.clients.sqs,
    queueUrl,
    handler: pipeline.archiveBatch(options.now),
    follow: true,
    signal,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.functionTimeoutMs ? { functionTimeoutMs: options.functionTimeoutMs } : {}),
  });
  const [, , stats] = await Promise.all([discovering, digesting, archiving, consumingTasks]);
  return stats;
}
