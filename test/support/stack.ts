import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import {
  EMULATOR_CREDENTIALS,
  type EmulatorEndpoints,
  emulatorClientConfig,
} from '../../local/aws-config.js';
import { pipelineEnv } from '../../local/env.js';
import {
  createPipelineResources,
  deletePipelineResources,
  type PipelineNames,
  type PipelineResourceOptions,
  type PipelineResources,
  pipelineNames,
  uniquePrefix,
} from '../../local/resources.js';
import type { ProvidedLocalStack } from './global-setup.js';

/** SDK clients pointed at the shared emulators. */
export interface TestClients {
  dynamodb: DynamoDBClient;
  /** Document client (plain JS values, `removeUndefinedValues` on). */
  doc: DynamoDBDocument;
  /** `useQueueUrlAsEndpoint: false`: fauxqs queue URLs name a host that does not resolve. */
  sqs: SQSClient;
  /** `forcePathStyle: true`: no bucket subdomains on 127.0.0.1. */
  s3: S3Client;
  /** Destroys all four (closes their sockets). */
  destroy(): void;
}

/** What `createTestResources` made, with clients and a cleanup. */
export interface TestResources extends PipelineResources {
  names: PipelineNames;
  endpoints: EmulatorEndpoints;
  region: string;
  clients: TestClients;
  /**
   * Pipeline variables for these resources (no RDS endpoint: pass `rds` to `envFor` for that).
   * ARCHIVER_MAX_ATTEMPTS matches the queue's maxReceiveCount.
   */
  env: Record<string, string>;
  /**
   * The env plus AWS_ENDPOINT_URL_RDS, credentials and ARCHIVER_CLUSTERS (and ARCHIVER_INSTANCES,
   * standalone instances) for a simulator.
   */
  envFor(
    rds: { url: string; credentials: Array<{ accessKeyId: string; secretAccessKey: string }> },
    clusters: string[],
    instances?: string[],
  ): Record<string, string>;
  /** Deletes the resources and destroys the clients. */
  cleanup(): Promise<void>;
}

/** The emulators started by global setup. */
export function localStack(): ProvidedLocalStack {
  return inject('localStack');
}

/** SDK clients for the shared emulators (or for `endpoints`). Destroy them in `afterAll`. */
export function testClients(
  endpoints: EmulatorEndpoints = localStack().endpoints,
  region: string = localStack().region,
): TestClients {
  const dynamodb = new DynamoDBClient(emulatorClientConfig(endpoints.dynamodb, region));
  const doc = DynamoDBDocument.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ ...emulatorClientConfig(endpoints.sqs, region), useQueueUrlAsEndpoint: false });
  const s3 = new S3Client({ ...emulatorClientConfig(endpoints.s3, region), forcePathStyle: true });
  return {
    dynamodb,
    doc,
    sqs,
    s3,
    destroy: () => {
      doc.destroy();
      dynamodb.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}

/**
 * Creates a ledger table, archive queue + DLQ and bucket with names unique to this call
 * (`<prefix>-<random>-ledger`, ...), on the shared emulators.
 *
 * ```ts
 * let res: TestResources;
 * beforeAll(async () => { res = await createTestResources('archiver'); });
 * afterAll(() => res.cleanup());
 * ```
 */
export async function createTestResources(
  prefix: string,
  options: Omit<PipelineResourceOptions, 'region' | 'credentials'> = {},
): Promise<TestResources> {
  const { endpoints, region } = localStack();
  const names = pipelineNames(uniquePrefix(prefix));
  const resources = await createPipelineResources(endpoints, names, { ...options, region });
  const clients = testClients(endpoints, region);
  const maxAttempts = options.maxReceiveCount ?? 5;
  const base = { region, endpoints, resources, maxAttempts };
  return {
    ...resources,
    names,
    endpoints,
    region,
    clients,
    env: pipelineEnv({ ...base, credentials: EMULATOR_CREDENTIALS }),
    envFor: (rds, clusters, instances) => {
      const credentials = rds.credentials[0] ?? EMULATOR_CREDENTIALS;
      return pipelineEnv({
        ...base,
        credentials,
        rdsUrl: rds.url,
        ...(clusters.length > 0 ? { clusters } : {}),
        ...(instances && instances.length > 0 ? { instances } : {}),
      });
    },
    cleanup: async () => {
      clients.destroy();
      await deletePipelineResources(endpoints, resources, { region });
    },
  };
}
