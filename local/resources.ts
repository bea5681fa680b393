import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DISCOVERY_MAX_RECEIVES } from '../core/fleet/discovery-tasks.js';
import { ledgerTableDefinition } from '../core/ledger/table.js';
import {
  DEFAULT_LOCAL_REGION,
  EMULATOR_CREDENTIALS,
  type EmulatorEndpoints,
  emulatorClientConfig,
  type LocalCredentials,
} from './aws-config.js';

/** Names of what the pipeline uses. */
export interface PipelineNames {
  table: string;
  queue: string;
  dlq: string;
  /** The discovery queue (one task per place) and its DLQ, as the deployed stack has them. */
  discoveryQueue: string;
  discoveryDlq: string;
  bucket: string;
}

/** What `createPipelineResources` made. */
export interface PipelineResources {
  table: string;
  queueUrl: string;
  dlqUrl: string;
  discoveryQueueUrl: string;
  discoveryDlqUrl: string;
  bucket: string;
}

export interface PipelineResourceOptions {
  region?: string;
  credentials?: LocalCredentials;
  /** Receives before SQS moves a message to the DLQ; default 5 (= ARCHIVER_MAX_ATTEMPTS). */
  maxReceiveCount?: number;
  /** Archive queue visibility timeout; default 30 s, short so local retries come quickly. */
  visibilityTimeoutSeconds?: number;
}

/**
 * Resource names from a prefix: `<prefix>-ledger`, `<prefix>-archive`, `<prefix>-archive-dlq`,
 * `<prefix>-discovery`, `<prefix>-discovery-dlq`, `<prefix>-archive` (bucket). The prefix is
 * lower-cased and must be valid for S3 (a-z, 0-9, -).
 */
export function pipelineNames(prefix: string): PipelineNames {
  const base = prefix.toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{1,40}$/.test(base)) {
    throw new RangeError(`resource prefix "${prefix}" must be 2-41 chars of a-z, 0-9 and -`);
  }
  return {
    table: `${base}-ledger`,
    queue: `${base}-archive`,
    dlq: `${base}-archive-dlq`,
    discoveryQueue: `${base}-discovery`,
    discoveryDlq: `${base}-discovery-dlq`,
    bucket: `${base}-archive`,
  };
}

/** A prefix unique to this run: `<prefix>-<base36 time><random>`. */
export function uniquePrefix(prefix: string): string {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return `${prefix.toLowerCase().slice(0, 24)}-${suffix}`;
}

function clients(endpoints: EmulatorEndpoints, options: PipelineResourceOptions) {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const credentials = options.credentials ?? EMULATOR_CREDENTIALS;
  return {
    dynamodb: new DynamoDBClient(emulatorClientConfig(endpoints.dynamodb, region, credentials)),
    sqs: new SQSClient({
      ...emulatorClientConfig(endpoints.sqs, region, credentials),
      useQueueUrlAsEndpoint: false,
    }),
    s3: new S3Client({ ...emulatorClientConfig(endpoints.s3, region, credentials), forcePathStyle: true }),
  };
}

/**
 * Creates the ledger table (from `ledgerTableDefinition`), the archive queue and the discovery
 * queue, each with its DLQ and RedrivePolicy, and the archive bucket on the emulators.
 */
export async function createPipelineResources(
  endpoints: EmulatorEndpoints,
  names: PipelineNames,
  options: PipelineResourceOptions = {},
): Promise<PipelineResources> {
  const { dynamodb, sqs, s3 } = clients(endpoints, options);
  try {
    const [, queues] = await Promise.all([
      (async () => {
        await dynamodb.send(new CreateTableCommand(ledgerTableDefinition(names.table)));
        await waitUntilTableExists(
          { client: dynamodb, maxWaitTime: 30, minDelay: 1 },
          { TableName: names.table },
        );
      })(),
      (async () => {
        const archive = await queueWithDlq(sqs, names.queue, names.dlq, {
          visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        });
        const discovery = await queueWithDlq(sqs, names.discoveryQueue, names.discoveryDlq, {
          visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
          maxReceiveCount: DISCOVERY_MAX_RECEIVES,
        });
        return {
          queueUrl: archive.queueUrl,
          dlqUrl: archive.dlqUrl,
          discoveryQueueUrl: discovery.queueUrl,
          discoveryDlqUrl: discovery.dlqUrl,
        };
      })(),
      s3.send(new CreateBucketCommand({ Bucket: names.bucket })),
    ]);
    return { table: names.table, bucket: names.bucket, ...queues };
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

/** A queue with its DLQ (kept 14 days) and RedrivePolicy. */
async function queueWithDlq(
  sqs: SQSClient,
  queueName: string,
  dlqName: string,
  options: { visibilityTimeoutSeconds: number; maxReceiveCount: number },
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: dlqName, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqUrl = required(dlq.QueueUrl, 'DLQ url');
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = required(attributes.Attributes?.QueueArn, 'DLQ arn');
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: required(queue.QueueUrl, 'queue url'), dlqUrl };
}

/** Deletes what `createPipelineResources` made (objects included). Missing pieces are ignored. */
export async function deletePipelineResources(
  endpoints: EmulatorEndpoints,
  resources: PipelineResources,
  options: PipelineResourceOptions = {},
): Promise<void> {
  const { dynamodb, sqs, s3 } = clients(endpoints, options);
  const ignore = () => undefined;
  try {
    await Promise.all([
      dynamodb.send(new DeleteTableCommand({ TableName: resources.table })).catch(ignore),
      sqs.send(new DeleteQueueCommand({ QueueUrl: resources.queueUrl })).catch(ignore),
      sqs.send(new DeleteQueueCommand({ QueueUrl: resources.dlqUrl })).catch(ignore),
      sqs.send(new DeleteQueueCommand({ QueueUrl: resources.discoveryQueueUrl })).catch(ignore),
      sqs.send(new DeleteQueueCommand({ QueueUrl: resources.discoveryDlqUrl })).catch(ignore),
      (async () => {
        for (;;) {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: resources.bucket }));
          const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
          if (keys.length === 0) break;
          await s3.send(new DeleteObjectsCommand({ Bucket: resources.bucket, Delete: { Objects: keys } }));
        }
        await s3.send(new DeleteBucketCommand({ Bucket: resources.bucket }));
      })().catch(ignore),
    ]);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`emulator returned no ${what}`);
  return value;
}
