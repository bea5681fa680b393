/**
 * Wiring for the pipeline commands (discover, archive, run, start): configuration from the
 * environment, the same clients and use cases the Lambdas use, and counters for progress.
 */

import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type ArchiveBatch, type BatchDeps, createArchiveBatch } from '../core/archive-batch.js';
import {
  type ClientOptions,
  createPipelineClients,
  createSourceClients,
  type PipelineClients,
  type SourceClients,
} from '../core/aws-clients.js';
import { type ArchiverConfig, type ConfigNeed, loadConfig, variableOf } from '../core/config.js';
import type { DigesterDeps } from '../core/digests/digester.js';
import { digestSignerFor } from '../core/digests/signer-setup.js';
import type { FleetDiscoverDeps } from '../core/fleet/discover-fleet.js';
import { createDiscoveryBatch, type DiscoveryBatch } from '../core/fleet/discovery-batch.js';
import { jsonLog, type Log, type PipelineMetrics, type RdsApiBudgetEvents } from '../core/observability.js';
import { MissingSettingError } from '../core/operations/errors.js';
import { clusterSelection, selectorOf } from '../core/rds/cluster-selection.js';
import { FailuresError, UsageError } from './errors.js';
import type { CliIo } from './io.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Counts what the pipeline reports, for progress lines and summaries. */
export class PipelineCounters implements PipelineMetrics {
  filesArchived = 0;
  bytesIn = 0;
  bytesOut = 0;
  retries = 0;
  failed = 0;
  lost = 0;
  discoveryPasses = 0;
  enqueued = 0;
  digestsWritten = 0;
  maxLagMs = 0;
  /** RDS API budget: waits for an empty bucket, and throttling answers all the same. */
  rdsApiWaits = 0;
  rdsApiThrottled = 0;
  readonly budgetEvents: RdsApiBudgetEvents = {
    waited: () => {
      this.rdsApiWaits += 1;
    },
    throttled: () => {
      this.rdsApiThrottled += 1;
    },
  };

  fileArchived(event: { bytes: number; gzipBytes: number; lagMs: number }): void {
    this.filesArchived += 1;
    this.bytesIn += event.bytes;
    this.bytesOut += event.gzipBytes;
    this.maxLagMs = Math.max(this.maxLagMs, event.lagMs);
  }
  fileFailed(event: { final: boolean }): void {
    if (event.final) this.failed += 1;
    else this.retries += 1;
  }
  fileLost(): void {
    this.lost += 1;
  }
  discovered(event: { enqueued: number }): void {
    this.discoveryPasses += 1;
    this.enqueued += event.enqueued;
  }
}

export interface Pipeline {
  config: ArchiverConfig;
  clients: PipelineClients;
  /** The source accounts' clients (none made until a place is read). */
  sources: SourceClients;
  log: Log;
  counters: PipelineCounters;
  /** What a discovery round over every place needs (`discoverFleet`; `discover` reads home only). */
  discoverDeps(now?: () => number): FleetDiscoverDeps;
  /** The archiver's batch function (what the Lambda runs), for the queue poller. */
  archiveBatch(now?: () => number, timeoutMarginMs?: number): ArchiveBatch;
  /** The discoverer's consumer of discovery tasks (what its Lambda runs for the discovery queue). */
  discoveryBatch(now?: () => number): DiscoveryBatch;
  /** What the digester runs with (reads the signing key file, if one is set). Needs the bucket. */
  digesterDeps(now?: () => number): Promise<DigesterDeps>;
}

/** Builds the pipeline from `io.env`; throws ConfigError (with every problem) on bad settings. */
export function pipelineFromEnv(
  io: CliIo,
  need: ConfigNeed,
  logLevel: LogLevel,
  options: { credentialsNow?: () => number } = {},
): Pipeline {
  const config = loadConfig(io.env, need);
  const log = jsonLog((line) => io.stderr.write(line), logLevel);
  const counters = new PipelineCounters();
  const clientOptions = {
    env: io.env,
    budgetEvents: counters.budgetEvents,
    ...(credentialsFrom(io.env) ? { credentials: credentialsFrom(io.env)! } : {}),
    onDownloadPathChosen: (event: Parameters<NonNullable<ClientOptions['onDownloadPathChosen']>>[0]) =>
      log[event.fallbackFrom ? 'warn' : 'info']('Download path chosen', { ...event }),
  };
  const created = createPipelineClients(config, clientOptions);
  const sources = createSourceClients(config, {
    ...clientOptions,
    rdsBudget: created.rdsBudget,
    ...(options.credentialsNow ? { now: options.credentialsNow } : {}),
  });
  const clients: PipelineClients = {
    ...created,
    destroy() {
      created.destroy();
      sources.destroy();
    },
  };
  // One per pipeline: its tag answers are cached for the process's life, as in a warm Lambda.
  const selection = clusterSelection(clients.rds, selectorOf(config));
  const discoverDeps = (now?: () => number): FleetDiscoverDeps => ({
    sources,
    rds: clients.rds,
    sqs: clients.sqs,
    ledger: clients.ledger,
    config,
    log,
    metrics: counters,
    ...(now ? { now } : {}),
  });
  return {
    config,
    clients,
    sources,
    log,
    counters,
    discoverDeps,
    discoveryBatch: (now) => createDiscoveryBatch(discoverDeps(now)),
    archiveBatch: (now, timeoutMarginMs) => {
      const deps: BatchDeps = {
        ledger: clients.ledger,
        rds: clients.rds,
        s3: clients.s3,
        sqs: clients.sqs,
        downloader: clients.downloader,
        selection,
        sources,
        config,
        log,
        metrics: counters,
        ...(now ? { now } : {}),
      };
      return createArchiveBatch(deps, timeoutMarginMs === undefined ? {} : { timeoutMarginMs });
    },
    digesterDeps: async (now) => ({
      ledger: clients.ledger,
      s3: clients.s3,
      config: {
        bucket: requiredSetting(config, 'bucket', 'the archive bucket the digests go into'),
        keyPrefix: config.keyPrefix,
        keyLayout: config.keyLayout,
        digestDelayMs: config.digestDelayMs,
      },
      signer: await digestSignerFor(config.digestSigningKey, clients.kms),
      log,
      ...(now ? { now } : {}),
    }),
  };
}

/**
 * A setting the need passed to `pipelineFromEnv` made required, typed as present. `loadConfig`
 * has already reported it missing with every other problem; this only narrows the type.
 */
export function requiredSetting<K extends keyof ArchiverConfig>(
  config: ArchiverConfig,
  field: K,
  what: string,
): NonNullable<ArchiverConfig[K]> {
  const value = config[field];
  if (value === undefined || value === null) throw new MissingSettingError(variableOf(field), what);
  return value as NonNullable<ArchiverConfig[K]>;
}

/**
 * Checks, before a pipeline command starts work, that the table, queues and bucket it will use
 * exist and answer, with one cheap call each (GetItem, GetQueueAttributes, HeadBucket), all at
 * once. Without it a wrong bucket would fail every file until its attempts ran out and park it in
 * the DLQ, and a wrong table would fail every instance of a discovery pass one by one.
 * @throws the one failure, or a FailuresError listing them all
 */
export async function checkResources(pipeline: Pipeline, need: 'discover' | 'drain' | 'run'): Promise<void> {
  const { config, clients } = pipeline;
  const checks: Promise<unknown>[] = [clients.ledger.getFile({ instance: '~check', logFileName: '~check' })];
  const queues = need === 'discover' ? [config.queueUrl] : [config.queueUrl, config.dlqUrl];
  for (const url of queues) {
    if (url)
      checks.push(
        clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })),
      );
  }
  if (need !== 'discover' && config.bucket)
    checks.push(clients.s3.send(new HeadBucketCommand({ Bucket: config.bucket })));
  const failures = (await Promise.allSettled(checks)).flatMap((r) =>
    r.status === 'rejected' ? [r.reason] : [],
  );
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new FailuresError('cannot use what the configuration names:', failures);
}

/**
 * Credentials from `io.env` when it carries them (the CLI may run with an env other than
 * process.env, e.g. in tests); otherwise the SDK's default chain applies.
 */
export function credentialsFrom(env: Record<string, string | undefined>) {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

export const LOG_LEVEL_OPTION = { 'log-level': { type: 'string', default: 'warn' } } as const;

export function logLevel(value: string | undefined): LogLevel {
  const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
  if (value === undefined) return 'warn';
  if (!(levels as string[]).includes(value))
    throw new UsageError(`--log-level must be one of ${levels.join(', ')}, got '${value}'`);
  return value as LogLevel;
}

/** Byte counts for people (one implementation, shared with the operations reports). */
export { formatBytes } from '../core/time.js';
