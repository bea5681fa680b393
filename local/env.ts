import { configEnvironment, RUNTIME_SETTINGS } from '../core/config.js';
import { endpointVariable } from '../core/endpoints.js';
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
  /** Standalone instance ids for ARCHIVER_INSTANCES. */
  instances?: string[];
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
  if (input.rdsUrl !== undefined) env[endpointVariable('RDS')] = input.rdsUrl;
  env[endpointVariable('DYNAMODB')] = input.endpoints.dynamodb;
  env[endpointVariable('SQS')] = input.endpoints.sqs;
  env[endpointVariable('S3')] = input.endpoints.s3;
  Object.assign(env, configEnvironment({ region: input.region }));
  // AWS CLI v1 (and older v2) read only AWS_DEFAULT_REGION.
  const regionFallback = RUNTIME_SETTINGS.region.fallbackVariable;
  if (regionFallback) env[regionFallback] = input.region;
  env.AWS_ACCESS_KEY_ID = input.credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = input.credentials.secretAccessKey;
  if (input.credentials.sessionToken !== undefined) env.AWS_SESSION_TOKEN = input.credentials.sessionToken;
  // The ARCHIVER_* variables, named by core/config.ts.
  Object.assign(
    env,
    configEnvironment({
      table: input.resources.table,
      queueUrl: input.resources.queueUrl,
      dlqUrl: input.resources.dlqUrl,
      discoveryQueueUrl: input.resources.discoveryQueueUrl,
      bucket: input.resources.bucket,
      clusters: input.clusters,
      instances: input.instances,
      maxAttempts: input.maxAttempts,
      retentionMs: input.retentionHours === undefined ? undefined : input.retentionHours * 3_600_000,
    }),
  );
  return env;
}

/** What a deployment needs to know of one account of a multi-account fleet. */
export interface FleetAccountSettings {
  accountId: string;
  /** The hub reads its own fleet with its own credentials; members by role. */
  hub: boolean;
  roleArn?: string;
  externalId?: string;
  regions: string[];
  /** Aurora MySQL clusters per Region (what ARCHIVER_CLUSTERS names for one account). */
  clusters: Record<string, string[]>;
}

/** A multi-account local fleet as `local up` describes it. */
export interface FleetSettings {
  hubAccount: string;
  regions: string[];
  /** `AWS_ENDPOINT_URL_STS`: the simulator also serves STS. */
  stsEndpoint: string;
  accounts: FleetAccountSettings[];
}

/**
 * The variables that describe a multi-account, multi-Region local fleet, beside `pipelineEnv`'s:
 * the STS endpoint override (the standard SDK variable `AWS_ENDPOINT_URL_STS`; core/endpoints.ts
 * has no STS entry yet) and, until the archiver has settings of its own for accounts, the fleet as
 * `LOCAL_FLEET_REGIONS` (comma list) and `LOCAL_FLEET_ACCOUNTS` (JSON: account id, role ARN,
 * external id, Regions of each account). Pure.
 */
export function fleetEnv(fleet: FleetSettings): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_STS: fleet.stsEndpoint,
    LOCAL_FLEET_REGIONS: fleet.regions.join(','),
    LOCAL_FLEET_ACCOUNTS: JSON.stringify(
      fleet.accounts.map((a) => ({
        accountId: a.accountId,
        ...(a.roleArn === undefined ? {} : { roleArn: a.roleArn }),
        ...(a.externalId === undefined ? {} : { externalId: a.externalId }),
        regions: a.regions,
      })),
    ),
  };
}
