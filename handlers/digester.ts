/**
 * Digester Lambda, run on a schedule with reserved concurrency 1: writes the hourly digests of the
 * archive (core/digests/digester.ts says why one scheduled writer reading the ledger is safe).
 * A run that cannot write a due digest fails the invocation, so it shows in the Errors metric and
 * alarm; the next run takes up where the chain's head stands.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDigesterClients } from '../core/aws-clients.js';
import { loadConfig } from '../core/config.js';
import { type DigesterDeps, runDigester } from '../core/digests/digester.js';
import { digestSignerFor } from '../core/digests/signer-setup.js';
import { createPowertools, powertoolsLog } from './powertools.js';

const powertools = createPowertools();
let deps: Promise<DigesterDeps> | undefined;

/** Stop this long before the Lambda timeout: the digest being written is left for the next run. */
const TIMEOUT_MARGIN_MS = 10_000;

/** Created on first use, then reused across invocations of a warm Lambda. */
async function dependencies(): Promise<DigesterDeps> {
  const config = loadConfig(process.env, 'digest');
  const clients = createDigesterClients(config);
  return {
    ledger: clients.ledger,
    s3: clients.s3,
    // `digest` requires the bucket: loadConfig has refused a configuration without one.
    config: {
      bucket: config.bucket!,
      keyPrefix: config.keyPrefix,
      keyLayout: config.keyLayout,
      digestDelayMs: config.digestDelayMs,
    },
    signer: await digestSignerFor(config.digestSigningKey, clients.kms),
    log: powertoolsLog(powertools.logger),
  };
}

async function runDigest(_event: unknown, context: Context) {
  deps ??= dependencies().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS));
  const summary = await runDigester({ ...(await deps), signal });
  powertools.metrics.addMetric('DigestsWritten', MetricUnit.Count, summary.written.length);
  powertools.metrics.addMetric('DigestHoursBehind', MetricUnit.Count, summary.behind);
  const result = {
    written: summary.written.map((d) => ({
      hour: new Date(d.hour).toISOString(),
      key: d.key,
      objects: d.objects,
    })),
    nextHour: new Date(summary.head.nextHour).toISOString(),
    behind: summary.behind,
    ...(summary.stopped ? { stopped: summary.stopped } : {}),
  };
  powertools.logger.info('Digester run done', result);
  return result;
}

export const handler = middy(runDigest)
  .use(injectLambdaContext(powertools.logger))
  .use(logMetrics(powertools.metrics));
