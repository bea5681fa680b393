/**
 * Archiver Lambda: SQS batch in, one archive per record, partial batch failures out.
 * Reads like a table of contents: configuration, clients, middleware; the work is in core
 * (archive-batch.ts per batch, archive.ts per record).
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type BatchDeps, createArchiveBatch } from '../core/archive-batch.js';
import { createArchiverClients, createSourceClients } from '../core/aws-clients.js';
import { loadConfig } from '../core/config.js';
import { clusterSelection, selectorOf } from '../core/rds/cluster-selection.js';
import { createPowertools, powertoolsBudgetEvents, powertoolsLog, powertoolsMetrics } from './powertools.js';

const powertools = createPowertools();
let deps: BatchDeps | undefined;

/** Created on first use, then reused across invocations of a warm Lambda. */
function dependencies(): BatchDeps {
  if (!deps) {
    const config = loadConfig(process.env, 'archive');
    const clients = createArchiverClients(config, {
      budgetEvents: powertoolsBudgetEvents(powertools.metrics, powertools.logger),
      onDownloadPathChosen: (event) =>
        powertools.logger[event.fallbackFrom ? 'warn' : 'info']('Download path chosen', { ...event }),
    });
    deps = {
      ledger: clients.ledger,
      rds: clients.rds,
      s3: clients.s3,
      sqs: clients.sqs,
      downloader: clients.downloader,
      selection: clusterSelection(clients.rds, selectorOf(config)),
      sources: createSourceClients(config, { rdsBudget: clients.rdsBudget }),
      config,
      log: powertoolsLog(powertools.logger),
      metrics: powertoolsMetrics(powertools.metrics),
    };
  }
  return deps;
}

const archiveBatch = createArchiveBatch(dependencies);

export const handler = middy(
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    archiveBatch(event.Records, {
      requestId: context.awsRequestId,
      remainingMs: () => context.getRemainingTimeInMillis(),
    }),
  // archive-batch.ts aborts the records itself before the timeout (see there why not middy's).
  { timeoutEarlyInMillis: 0 },
)
  .use(injectLambdaContext(powertools.logger))
  .use(logMetrics(powertools.metrics));
