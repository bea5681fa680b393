/**
 * A whole pipeline for one test file: its own table, queues and bucket on the shared emulators,
 * its own RDS simulator, and the CLI's wiring (real clients, real handler, Lambda-semantics
 * queue draining). The pipeline runs on the simulator's clock unless told otherwise.
 *
 * Retries without a clock. On AWS a record that fails comes back after the queue's visibility
 * timeout, which is at least the function timeout (infra/ makes it 6x), so every invocation that
 * was running when it failed has ended by then; a record still being processed never comes back.
 * A short visibility timeout cannot promise either on a loaded machine: a slow invocation outlives
 * it and its record is delivered twice. So the harness's queue hides a received message for longer
 * than any test runs, and `drain` returns a failed record to the queue (ChangeMessageVisibility 0)
 * as soon as the invocations running when it failed have ended: the order AWS guarantees, reached
 * by waiting on those invocations instead of on time.
 */

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { bufferIo } from '../../cli/io.js';
import { type Pipeline, pipelineFromEnv } from '../../cli/pipeline-wiring.js';
import { type DrainStats, runEventSource } from '../../cli/sqs-event-source.js';
import type { ArchiveBatch } from '../../core/archive-batch.js';
import { configEnvironment } from '../../core/config.js';
import { discoverFleet, type FleetDiscoverSummary } from '../../core/fleet/discover-fleet.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { readArchivedObject } from '../../core/transfer/read-archived.js';
import {
  type BudgetOptions,
  type Fault,
  manualClock,
  type RdsSimulator,
  type RdsSimulatorOptions,
  type SimClock,
  startRdsSimulator,
  type WorkloadOptions,
} from '../../local/rds-sim/index.js';
import { createTestResources, type TestResources } from './stack.js';

/** 2026-03-01T00:00Z: a fixed start, so names and hours are the same on every run. */
export const T0 = Date.UTC(2026, 2, 1, 0, 0);

/**
 * The archive queue's visibility timeout: a received message stays hidden this long, longer than
 * any test. Failed records come back through `drain`, peeked ones through `peekMessages`.
 */
export const HIDDEN_SECONDS = 3600;

/**
 * The drain's function timeout unless a test sets one: Lambda's maximum (15 min). The invocation's
 * deadline is on the wall clock, as on Lambda, so a shorter one is reached on a loaded machine by
 * records that are merely slow, and their aborts spend attempts the test did not mean to spend.
 */
const LAMBDA_MAX_TIMEOUT_MS = 900_000;

export interface PipelineHarness {
  sim: RdsSimulator;
  res: TestResources;
  pipeline: Pipeline;
  clock: SimClock;
  env: Record<string, string>;
  discover(): Promise<FleetDiscoverSummary>;
  drain(options?: {
    concurrency?: number;
    functionTimeoutMs?: number;
    timeoutMarginMs?: number;
    /** Another process's pipeline (see `process`); default the harness's own. */
    pipeline?: Pipeline;
  }): Promise<DrainStats>;
  /**
   * A pipeline of its own (clients, caches, RDS API budget) on the same environment: another
   * Lambda, as far as anything shared (ledger, queues, bucket, simulator) can tell. Destroyed by
   * `cleanup`.
   */
  process(): Pipeline;
  ledgerFile(instance: string, logFileName: string): Promise<FileRecord | undefined>;
  objectKeys(): Promise<string[]>;
  /** gunzips an object; returns its bytes' SHA-256 and count. */
  readObject(key: string): Promise<{ sha256: string; bytes: number; metadata: Record<string, string> }>;
  /**
   * Every visible message of a queue, left in it and visible again when this returns. Each one was
   * received once more (its ApproximateReceiveCount grew by one, as with any SQS receive).
   */
  peekMessages(queueUrl: string): Promise<Message[]>;
  /** Every visible message of a queue, deleted from it (work "lost" on the way to the archiver). */
  takeMessages(queueUrl: string): Promise<Message[]>;
  cleanup(): Promise<void>;
}

export async function startPipelineHarness(
  name: string,
  options: {
    workload?: WorkloadOptions;
    faults?: Fault[];
    clock?: SimClock;
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
    env?: Record<string, string>;
    /** The simulated RDS API budget; default none (see below). */
    budget?: BudgetOptions | false;
    /** An organisation (several accounts and regions), STS: see RdsSimulatorOptions. */
    sim?: Pick<RdsSimulatorOptions, 'accounts' | 'regions' | 'sts'>;
    /** The clock assumed credentials are judged by (default the simulator's). */
    credentialsNow?: () => number;
    /** Builds env settings that need the running simulator (e.g. ARCHIVER_SOURCE_ACCOUNTS). */
    envFromSim?: (sim: RdsSimulator) => Record<string, string>;
  } = {},
): Promise<PipelineHarness> {
  const clock = options.clock ?? manualClock(T0);
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const res = await createTestResources(name, {
    maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? HIDDEN_SECONDS,
  });
  const sim = await startRdsSimulator({
    clock,
    workload: {
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 2,
      writerBytesPerSecond: 64,
      ...options.workload,
    },
    ...(options.faults ? { faults: options.faults } : {}),
    ...options.sim,
    // No RDS API budget unless a test asks for one: on a clock that stands still a budget never
    // refills, so a test making more than its burst of calls (listings, downloads, an SDK retry
    // more on a loaded machine) would meet Throttling it is not about.
    budget: options.budget ?? false,
  });
  const clusters = sim.world.clusters().map((cluster) => cluster.id);
  const env: Record<string, string> = {
    ...res.envFor(sim, clusters),
    // Without the simulated budget nothing throttles: the pipeline shares no budget either, so
    // the tests of everything else see the ledger writes they are about and nothing more.
    ...(options.budget ? {} : configEnvironment({ rdsApiRate: 0 })),
    ARCHIVER_SETTLE_SECONDS: '300',
    ARCHIVER_LEASE_SECONDS: '60',
    ARCHIVER_PART_SIZE_MB: '5',
    ...options.env,
    ...options.envFromSim?.(sim),
  };
  const processes: Pipeline[] = [];
  const now = () => clock.now();
  // Assumed credentials expire on the simulator's clock: the cache reads the same one.
  const pipeline = pipelineFromEnv(bufferIo({ env }).io, 'run', 'silent', {
    credentialsNow: options.credentialsNow ?? now,
  });
  return {
    sim,
    res,
    pipeline,
    clock,
    env,
    discover: () => discoverFleet(pipeline.discoverDeps(now)),
    drain: ({
      concurrency = 2,
      functionTimeoutMs = LAMBDA_MAX_TIMEOUT_MS,
      timeoutMarginMs = 2_000,
      pipeline: runner = pipeline,
    } = {}) => {
      const retries = retryingAfterRunningInvocations(runner.clients.sqs, res.queueUrl);
      return runEventSource({
        sqs: runner.clients.sqs,
        queueUrl: res.queueUrl,
        handler: retries.track(runner.archiveBatch(now, timeoutMarginMs)),
        onBatch: (result) => retries.returnFailed(result.failedReceiptHandles),
        concurrency,
        functionTimeoutMs,
      });
    },
    ledgerFile: (instance, logFileName) => pipeline.clients.ledger.getFile({ instance, logFileName }),
    objectKeys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await res.clients.s3.send(
          new ListObjectsV2Command({ Bucket: res.bucket, ContinuationToken: token }),
        );
        for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = out.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    readObject: async (key) => {
      const { sha256, bytes, metadata } = await readArchivedObject(res.clients.s3, res.bucket, key);
      return { sha256, bytes, metadata };
    },
    peekMessages: async (queueUrl) => {
      const messages = await receiveAll(res.clients.sqs, queueUrl);
      await makeVisible(
        res.clients.sqs,
        queueUrl,
        messages.map((m) => m.ReceiptHandle!),
      );
      return messages;
    },
    takeMessages: async (queueUrl) => {
      const messages = await receiveAll(res.clients.sqs, queueUrl);
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        await res.clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
      return messages;
    },
    process: () => {
      const another = pipelineFromEnv(bufferIo({ env }).io, 'run', 'silent', {
        credentialsNow: options.credentialsNow ?? now,
      });
      processes.push(another);
      return another;
    },
    cleanup: async () => {
      pipeline.clients.destroy();
      for (const another of processes) another.clients.destroy();
      await sim.stop();
      await res.cleanup();
    },
  };
}

/** Receives every visible message, each hidden for {@link HIDDEN_SECONDS} so none is received twice. */
async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: HIDDEN_SECONDS,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (!out.Messages?.length) return messages;
    messages.push(...out.Messages);
  }
}

/** Ends the visibility timeout of received messages now: they can be received again at once. */
async function makeVisible(sqs: SQSClient, queueUrl: string, receiptHandles: string[]): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += 10) {
    const chunk = receiptHandles.slice(i, i + 10);
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
    if (out.Failed?.length) {
      throw new Error(`ChangeMessageVisibility refused: ${JSON.stringify(out.Failed)}`);
    }
  }
}

/**
 * Returns the records a batch failed to the queue once every invocation that was running when they
 * failed has ended (see the comment at the top of this file). `track` wraps the batch function to
 * know which invocations are running; the event source calls `returnFailed` after each invocation
 * (its `onBatch`). The return is not awaited by the poller, so two invocations failing at once never
 * wait on each other; a refused ChangeMessageVisibility surfaces as an unhandled rejection, which
 * fails the test run.
 */
function retryingAfterRunningInvocations(sqs: SQSClient, queueUrl: string) {
  const running = new Set<Promise<unknown>>();
  return {
    track(batch: ArchiveBatch): ArchiveBatch {
      return async (records, context) => {
        const invocation = batch(records, context);
        running.add(invocation);
        try {
          return await invocation;
        } finally {
          running.delete(invocation);
        }
      };
    },
    returnFailed(receiptHandles: string[]): void {
      if (receiptHandles.length === 0) return;
      void Promise.allSettled([...running]).then(() => makeVisible(sqs, queueUrl, receiptHandles));
    },
  };
}
