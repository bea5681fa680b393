/**
 * The discover and archive use cases wired for fast tests: the ledger in memory (held to DynamoDB's
 * behaviour by the contract test), and everything else real but in this process: fauxqs for SQS and
 * S3, the RDS simulator on a manual clock, the real SDK clients and the signed downloader. No Java.
 */

import { RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ArchiveDeps, ArchiveOutcome, ArchiveRecordInput } from '../../core/archive.js';
import { archiveRecord } from '../../core/archive.js';
import type { DiscoverDeps, DiscoverSummary } from '../../core/discover.js';
import { discover } from '../../core/discover.js';
import type { LedgerStore } from '../../core/ledger/store.js';
import { jsonLog, noMetrics } from '../../core/observability.js';
import { clusterSelection, selectorOf } from '../../core/rds/cluster-selection.js';
import { createLogFileDownloader, type LogFileDownloader } from '../../core/rds/download.js';
import { EMULATOR_CREDENTIALS, emulatorClientConfig } from '../../local/aws-config.js';
import { type Fauxqs, startFauxqsServer } from '../../local/fauxqs.js';
import {
  manualClock,
  type RdsSimulator,
  type SimClock,
  startRdsSimulator,
  type WorkloadOptions,
} from '../../local/rds-sim/index.js';
import { MemoryLedgerStore } from './memory-store.js';
import { T0 } from './pipeline.js';

export interface MemoryPipeline {
  ledger: MemoryLedgerStore;
  sim: RdsSimulator;
  clock: SimClock;
  sqs: SQSClient;
  s3: S3Client;
  rds: RDSClient;
  queueUrl: string;
  dlqUrl: string;
  bucket: string;
  /** The first generated cluster's id (or, with no cluster, the first standalone instance's). */
  cluster: string;
  /** Log lines the use cases wrote (JSON, one per line). */
  logs: string[];
  discover(overrides?: { ledger?: LedgerStore; now?: () => number }): Promise<DiscoverSummary>;
  archiveDeps(overrides?: Partial<ArchiveDeps>): ArchiveDeps;
  /** Runs the archive use case on one message body, as delivery `attempt`. */
  archive(body: string, options?: { attempt?: number; deps?: Partial<ArchiveDeps> }): Promise<ArchiveOutcome>;
  /** Takes every visible message off a queue (they come back after the visibility timeout, 30 s). */
  take(queueUrl: string): Promise<Message[]>;
  send(queueUrl: string, body: string): Promise<void>;
  objectKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

let queues = 0;

/** Starts fauxqs and the RDS simulator in this process, with a memory ledger. */
export async function startMemoryPipeline(
  options: { workload?: WorkloadOptions; settleSeconds?: number } = {},
): Promise<MemoryPipeline> {
  const clock = manualClock(T0);
  const [fauxqs, sim]: [Fauxqs, RdsSimulator] = await Promise.all([
    startFauxqsServer(),
    startRdsSimulator({
      clock,
      workload: {
        clusters: 1,
        instancesPerCluster: 1,
        historyHours: 2,
        writerBytesPerSecond: 64,
        ...options.workload,
      },
      // No RDS API budget: the manual clock stands still between a test's steps, so a budget
      // would never refill and a long model run would meet Throttling it is not about.
      budget: false,
    }),
  ]);
  const region = 'us-east-1';
  const sqs = new SQSClient({
    ...emulatorClientConfig(fauxqs.endpoint, region),
    useQueueUrlAsEndpoint: false,
  });
  const s3 = new S3Client({ ...emulatorClientConfig(fauxqs.endpoint, region), forcePathStyle: true });
  const credentials = sim.credentials[0] ?? EMULATOR_CREDENTIALS;
  const rds = new RDSClient({ endpoint: sim.url, region, credentials, maxAttempts: 3 });
  const downloader: LogFileDownloader = createLogFileDownloader({ region, endpoint: sim.url, credentials });
  queues += 1;
  const name = `memory-${process.pid}-${queues}`;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const bucket = name;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const ledger = new MemoryLedgerStore();
  const logs: string[] = [];
  const log = jsonLog((line) => logs.push(line), 'debug');
  // Aurora MySQL clusters by name; standalone RDS MySQL and MariaDB instances by name.
  const clusters = sim.world
    .clusters()
    .filter((c) => (c.engine ?? 'aurora-mysql') === 'aurora-mysql')
    .map((c) => c.id);
  const instances = sim.world
    .instances()
    .filter((i) => i.cluster === undefined && (i.engine === 'mysql' || i.engine === 'mariadb'))
    .map((i) => i.id);
  const cluster = clusters[0] ?? instances[0] ?? '';
  const config = {
    clusters,
    clusterTag: undefined,
    instances,
    instanceTag: undefined,
    logTypes: ['audit' as const],
    queueUrl,
    dlqUrl,
    bucket,
    settleMs: (options.settleSeconds ?? 300) * 1000,
    sweepAfterMs: 1_800_000,
    retentionMs: 24 * 3_600_000,
    keyLayout: 'seed' as const,
    keyPrefix: '',
    leaseMs: 60_000,
    maxAttempts: 3,
    gzipLevel: 6,
    partSizeBytes: 5 * 1024 * 1024,
    uploadConcurrency: 2,
    objectDigest: 'metadata' as const,
  };
  const discoverDeps = (overrides: { ledger?: LedgerStore; now?: () => number } = {}): DiscoverDeps => ({
    rds,
    sqs,
    ledger: overrides.ledger ?? ledger,
    config,
    log,
    metrics: noMetrics,
    now: overrides.now ?? (() => clock.now()),
  });
  const archiveDeps = (overrides: Partial<ArchiveDeps> = {}): ArchiveDeps => ({
    ledger,
    rds,
    s3,
    sqs,
    downloader,
    selection: clusterSelection(rds, selectorOf(config)),
    config,
    log,
    metrics: noMetrics,
    now: () => clock.now(),
    workerId: 'test-worker',
    ...overrides,
  });
  let deliveries = 0;
  return {
    ledger,
    sim,
    clock,
    sqs,
    s3,
    rds,
    queueUrl,
    dlqUrl,
    bucket,
    cluster,
    logs,
    discover: (overrides) => discover(discoverDeps(overrides)),
    archiveDeps,
    archive: (body, { attempt = 1, deps } = {}) => {
      deliveries += 1;
      const record: ArchiveRecordInput = {
        messageId: `message-${deliveries}`,
        body,
        attributes: { ApproximateReceiveCount: String(attempt) },
      };
      return archiveRecord(record, archiveDeps(deps));
    },
    take: async (url) => {
      const messages: Message[] = [];
      for (;;) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        if (!out.Messages?.length) return messages;
        messages.push(...out.Messages);
      }
    },
    send: async (url, body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    },
    objectKeys: async () => {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (out.Contents ?? []).map((object) => object.Key!).sort();
    },
    cleanup: async () => {
      sqs.destroy();
      s3.destroy();
      rds.destroy();
      downloader.close();
      await Promise.all([sim.stop(), fauxqs.stop()]);
    },
  };
}
