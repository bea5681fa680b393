/**
 * Powertools-backed implementations of core's Log and PipelineMetrics for the Lambda handlers:
 * JSON log lines (with the Lambda context) and CloudWatch embedded-metric-format metrics.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type Log,
  type LogAttributes,
  METRICS_NAMESPACE,
  type PipelineMetrics,
  type RdsApiBudgetEvents,
  redact,
  SERVICE_NAME,
} from '../core/observability.js';

/** Wraps a Powertools logger; attribute values that look like secrets are redacted first. */
export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (message, attributes) => logger.debug(message, redact(attributes)),
    info: (message, attributes) => logger.info(message, redact(attributes)),
    warn: (message, attributes) => logger.warn(message, redact(attributes)),
    error: (message, attributes) => logger.error(message, redact(attributes)),
    child: (attributes: LogAttributes) =>
      powertoolsLog(logger.createChild({ persistentKeys: redact(attributes) })),
  };
}

/** Turns pipeline events into EMF metrics (published by the handler's logMetrics middleware). */
export function powertoolsMetrics(metrics: Metrics): PipelineMetrics {
  return {
    fileArchived({ bytes, gzipBytes, lagMs }) {
      metrics.addMetric('FilesArchived', MetricUnit.Count, 1);
      metrics.addMetric('BytesArchived', MetricUnit.Bytes, bytes);
      metrics.addMetric('GzipBytesWritten', MetricUnit.Bytes, gzipBytes);
      metrics.addMetric('ArchiveLagSeconds', MetricUnit.Seconds, Math.round(lagMs / 1000));
    },
    fileFailed({ final }) {
      metrics.addMetric(final ? 'FilesFailed' : 'ArchiveRetries', MetricUnit.Count, 1);
    },
    fileLost() {
      metrics.addMetric('FilesLost', MetricUnit.Count, 1);
    },
    discovered({ instances, listed, enqueued, writes }) {
      metrics.addMetric('InstancesListed', MetricUnit.Count, instances);
      metrics.addMetric('LogFilesListed', MetricUnit.Count, listed);
      metrics.addMetric('FilesEnqueued', MetricUnit.Count, enqueued);
      metrics.addMetric('LedgerWrites', MetricUnit.Count, writes);
    },
  };
}

/**
 * Turns the RDS API budget's events into EMF metrics: `RdsApiBudgetWaits` (and the ms waited,
 * `RdsApiBudgetWaitMs`) and `RdsApiThrottled`; a throttling answer is also logged with its place
 * and API, since a metric without the account names none.
 */
export function powertoolsBudgetEvents(metrics: Metrics, logger: Logger): RdsApiBudgetEvents {
  return {
    waited(_place, ms) {
      metrics.addMetric('RdsApiBudgetWaits', MetricUnit.Count, 1);
      metrics.addMetric('RdsApiBudgetWaitMs', MetricUnit.Milliseconds, ms);
    },
    throttled(place, api) {
      metrics.addMetric('RdsApiThrottled', MetricUnit.Count, 1);
      logger.warn('RDS API throttled; backing off', { place, api });
    },
  };
}

export function createPowertools(): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
  };
}
