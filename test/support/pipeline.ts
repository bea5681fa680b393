/**
 * A whole pipeline for one test file: its own table, queues and bucket on the shared emulators,
 * its own RDS simulator, and the CLI's wiring (real clients, real handler, Lambda-semantics
 * queue draining). The pipeline runs on the simulator's clock unless told otherwise.
 */

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { bufferIo } from '../../cli/io.js';
import { type Pipeline, pipelineFromEnv } from '../../cli/pipeline-wiring.js';
import { type DrainStats, runEventSource } from '../../cli/sqs-event-source.js';
import { discoverFleet, type FleetDiscoverSummary } from '../../core/fleet/discover-fleet.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { readArchivedObject } from '../../core/transfer/read-archived.js';
import {
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
  }): Promise<DrainStats>;
  ledgerFile(instance: string, logFileName: string): Promise<FileRecord | undefined>;
  objectKeys(): Promise<string[]>;
  /** gunzips an object; returns its bytes' SHA-256 and count. */
  readObject(key: string): Promise<{ sha256: string; bytes: number; metadata: Record<string, string> }>;
  /** Takes every visible message off a queue without processing it (they come back after the visibility timeout). */
  peekMessages(queueUrl: string): Promise<Message[]>;
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
    /** An organisation (several accounts and regions), the budget, STS: see RdsSimulatorOptions. */
    sim?: Pick<RdsSimulatorOptions, 'accounts' | 'regions' | 'budget' | 'sts'>;
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
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
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
  });
  const clusters = sim.world.clusters().map((cluster) => cluster.id);
  const env: Record<string, string> = {
    ...res.envFor(sim, clusters),
    ARCHIVER_SETTLE_SECONDS: '300',
    ARCHIVER_LEASE_SECONDS: '60',
    ARCHIVER_PART_SIZE_MB: '5',
    ...options.env,
    ...options.envFromSim?.(sim),
  };
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
    drain: ({ concurrency = 2, functionTimeoutMs = 60_000, timeoutMarginMs = 2_000 } = {}) =>
      runEventSource({
        sqs: pipeline.clients.sqs,
        queueUrl: res.queueUrl,
        handler: pipeline.archiveBatch(now, timeoutMarginMs),
        concurrency,
        functionTimeoutMs,
      }),
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
      const messages: Message[] = [];
      for (;;) {
        const out = await res.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        if (!out.Messages?.length) return messages;
        messages.push(...out.Messages);
      }
    },
    cleanup: async () => {
      pipeline.clients.destroy();
      await sim.stop();
      await res.cleanup();
    },
  };
}
