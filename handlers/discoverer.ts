/**
 * Discoverer Lambda, run on a schedule: one discovery pass over the selected clusters.
 * A pass that could not list some instance (or found a configured cluster missing) still does
 * all other work, then fails the invocation so the error shows in the Errors metric and alarm.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import {
  createDiscovererClients,
  createSourceClients,
  type DiscovererClients,
  type SourceClients,
} from '../core/aws-clients.js';
import { type ArchiverConfig, loadConfig } from '../core/config.js';
import { type DiscoverSummary, DiscoveryError } from '../core/discover.js';
import { discoverFleet } from '../core/fleet/discover-fleet.js';
import { createPowertools, powertoolsBudgetEvents, powertoolsLog, powertoolsMetrics } from './powertools.js';

const powertools = createPowertools();
let state: { config: ArchiverConfig; clients: DiscovererClients; sources: SourceClients } | undefined;

async function runDiscovery(): Promise<Omit<DiscoverSummary, 'instances'> & { instances: number }> {
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
  const summary = await discoverFleet({
    sources,
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
