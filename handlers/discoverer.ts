/**
 * Discoverer Lambda, run on a schedule: one discovery pass over the selected clusters.
 * A pass that could not list some instance (or found a configured cluster missing) still does
 * all other work, then fails the invocation so the error shows in the Errors metric and alarm.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { createDiscovererClients, type DiscovererClients } from '../core/aws-clients.js';
import { type ArchiverConfig, loadConfig } from '../core/config.js';
import { type DiscoverSummary, DiscoveryError, discover } from '../core/discover.js';
import { createPowertools, powertoolsBudgetEvents, powertoolsLog, powertoolsMetrics } from './powertools.js';

const powertools = createPowertools();
let state: { config: ArchiverConfig; clients: DiscovererClients } | undefined;

async function runDiscovery(): Promise<Omit<DiscoverSummary, 'instances'> & { instances: number }> {
  if (!state) {
    const config = loadConfig(process.env, 'discover');
    state = {
      config,
      clients: createDiscovererClients(config, {
        budgetEvents: powertoolsBudgetEvents(powertools.metrics, powertools.logger),
      }),
    };
  }
  const { config, clients } = state;
  const summary = await discover({
    rds: clients.rds,
    sqs: clients.sqs,
    ledger: clients.ledger,
    config,
    log: powertoolsLog(powertools.logger),
    metrics: powertoolsMetrics(powertools.metrics),
  });
  const result = { ...summary, instances: summary.instances.length };
  powertools.logger.info('Discovery pass done', { ...result });
  if (summary.errors.length > 0)
    throw new DiscoveryError(`Discovery finished with errors: ${summary.errors.join('; ')}`);
  return result;
}

export const handler = middy(runDiscovery)
  .use(injectLambdaContext(powertools.logger))
  .use(logMetrics(powertools.metrics));
