import type { EmulatorEndpoints, LocalCredentials } from './aws-config.js';
import type { PipelineResources } from './resources.js';

/** Inputs of `pipelineEnv`. */
export interface PipelineEnvInput {
  region: string;
  credentials: LocalCredentials;
  endpoints: EmulatorEndpoints;
  /** The RDS simulator's URL; omitted when no simulator runs (e.g. tests without RDS). */
  rdsUrl?: string;
  resources: PipelineResources;
  /** Cluster ids for ARCHIVER_CLUSTERS. */
  clusters?: string[];
  /** = the queue's maxReceiveCount. */
  maxAttempts?: number;
  /** The simulated RDS log retention, so the completeness report judges gaps by it. */
  retentionHours?: number;
}

/**
 * The environment the pipeline (discoverer, archiver, CLI) reads to run against the local stack:
 * standard AWS endpoint overrides, region and credentials, and the ARCHIVER_* resource names.
 * Pure: the same input gives the same variables, in a stable order.
 */
export function pipelineEnv(input: PipelineEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  if (input.rdsUrl !== undefined) env.AWS_ENDPOINT_URL_RDS = input.rdsUrl;
  env.AWS_ENDPOINT_URL_DYNAMODB = input.endpoints.dynamodb;
  env.AWS_ENDPOINT_URL_SQS = input.endpoints.sqs;
  env.AWS_ENDPOINT_URL_S3 = input.endpoints.s3;
  env.AWS_REGION = input.region;
  // AWS CLI v1 (and older v2) read only AWS_DEFAULT_REGION.
  env.AWS_DEFAULT_REGION = input.region;
  env.AWS_ACCESS_KEY_ID = input.credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = input.credentials.secretAccessKey;
  if (input.credentials.sessionToken !== undefined) env.AWS_SESSION_TOKEN = input.credentials.sessionToken;
  env.ARCHIVER_TABLE = input.resources.table;
  env.ARCHIVER_QUEUE_URL = input.resources.queueUrl;
  env.ARCHIVER_DLQ_URL = input.resources.dlqUrl;
  env.ARCHIVER_BUCKET = input.resources.bucket;
  if (input.clusters !== undefined) env.ARCHIVER_CLUSTERS = input.clusters.join(',');
  if (input.maxAttempts !== undefined) env.ARCHIVER_MAX_ATTEMPTS = String(input.maxAttempts);
  if (input.retentionHours !== undefined) env.ARCHIVER_RETENTION_HOURS = String(input.retentionHours);
  return env;
}
