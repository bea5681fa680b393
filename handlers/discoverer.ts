/**
 * Discoverer Lambda. Two events reach it:
 * - the schedule: with ARCHIVER_DISCOVERY_QUEUE_URL set, it enqueues one discovery task per place
 *   (core/fleet/enqueue-discovery.ts) and returns; without it, it runs one discovery round over
 *   every place itself, as a single-account deployment always did;
 * - a batch of discovery tasks from the discovery queue's event source mapping: each task is one
 *   place discovered, and a place that could not be read is a batch item failure (partial batch
 *   response), so it comes back later without delaying the rest (core/fleet/discovery-batch.ts).
 * A round run here that could not list some instance (or found a configured cluster missing)
 * still does all other work, then fails the invocation so the error shows in the Errors metric
 * and alarm.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  createDiscovererClients,
  createSourceClients,
  type DiscovererClients,
  type SourceClients,
} from '../core/aws-clients.js';
import { type ArchiverConfig, loadConfig } from '../core/config.js';
import { type DiscoverSummary, DiscoveryError } from '../core/discover.js';
import { discoverFleet, type FleetDiscoverDeps } from '../core/fleet/discover-fleet.js';
import { createDiscoveryBatch } from '../core/fleet/discovery-batch.js';
import { type EnqueueSummary, enqueueDiscovery } from '../core/fleet/enqueue-discovery.js';
import { createPowertools, powertoolsBudgetEvents, powertoolsLog, powertoolsMetrics } from './powertools.js';

const powertools = createPowertools();
let state: { config: ArchiverConfig; clients: DiscovererClients; sources: SourceClients } | undefined;

/** Created on first use, then reused: source accounts' credentials are cached across warm invocations. */
function dependencies(): FleetDiscoverDeps {
  if (!state) {
    const config = loadConfig(process.env, 'discover');
    const clients = createDiscovererClients(config, {
      budgetEvents: powertoolsBudgetEvents(powertools.metrics, powertools.logger),
    });
    // Source accounts' credentials are cached here across warm invocations, per account; every
    // account and region takes from its own RDS API budget through the same one.
    state = { config, clients, sources: createSourceClients(config, { rdsBudget: clients.rdsBudget }) };
  }
  const { config, clients, sources } = state;
  return {
    sources,
    rds: clients.rds,
    sqs: clients.sqs,
    ledger: clients.ledger,
    config,
    log: powertoolsLog(powertools.logger),
    metrics: powertoolsMetrics(powertools.metrics),
  };
}

const discoveryBatch = createDiscoveryBatch(dependencies);

type RoundResult = Omit<DiscoverSummary, 'instances'> & { instances: number };

async function scheduled(): Promise<RoundResult | EnqueueSummary> {
  const deps = dependencies();
  const queueUrl = state?.config.discoveryQueueUrl;
  if (queueUrl) {
    const sent = await enqueueDiscovery({ ...deps, queueUrl });
    // The scheduled run's own figure (its tasks' discoveries report theirs when they run).
    powertools.metrics.addMetric('DiscoveryTasksSent', MetricUnit.Count, sent.sent);
    return sent;
  }
  const summary = await discoverFleet(deps);
  const result = { ...summary, instances: summary.instances.length };
  powertools.logger.info('Discovery pass done', { ...result });
  if (summary.errors.length > 0)
    throw new DiscoveryError(`Discovery finished with errors: ${summary.errors.join('; ')}`);
  return result;
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

export const handler = middy(
  async (event: unknown, context: Context): Promise<RoundResult | EnqueueSummary | SQSBatchResponse> => {
    if (!isSqsEvent(event)) return await scheduled();
    const { batchItemFailures, runs } = await discoveryBatch(event.Records, {
      requestId: context.awsRequestId,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    powertools.logger.info('Discovery tasks done', {
      places: runs.map((run) => run.place),
      failed: batchItemFailures.length,
    });
    return { batchItemFailures };
  },
  // discovery-batch.ts gives unfinished tasks back before the timeout itself.
  { timeoutEarlyInMillis: 0 },
)
  .use(injectLambdaContext(powertools.logger))
  .use(logMetrics(powertools.metrics));
