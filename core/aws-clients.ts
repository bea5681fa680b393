/**
 * AWS clients as the pipeline wants them, for the Lambda handlers and the CLI alike. Endpoints
 * come from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables (the SDK reads them itself), so
 * the same code runs against AWS, the local emulators or LocalStack. Nothing is created at import.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ArchiverConfig } from './config.js';
import { type EndpointService, endpointOverride } from './endpoints.js';
import { DynamoLedgerStore } from './ledger/dynamodb-store.js';
import type { LedgerStore } from './ledger/store.js';
import { createLogFileDownloader, type LogFileDownloader } from './rds/download.js';
import { resolveRdsEndpoint } from './rds/endpoint.js';

export interface PipelineClients {
  rds: RDSClient;
  dynamo: DynamoDBClient;
  ledger: LedgerStore;
  sqs: SQSClient;
  s3: S3Client;
  downloader: LogFileDownloader;
  destroy(): void;
}

type Env = Record<string, string | undefined>;

export interface ClientOptions {
  env?: Env;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  onDownloadPathChosen?: Parameters<typeof createLogFileDownloader>[0]['onPathChosen'];
}

/** Creates every client the pipeline uses. */
export function createPipelineClients(
  config: Pick<ArchiverConfig, 'region' | 'table' | 'downloadPath'>,
  options: ClientOptions = {},
): PipelineClients {
  const env = options.env ?? process.env;
  const common = {
    region: config.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  // The RDS API budget is shared by the whole account and region: back off adaptively on throttling.
  const rds = new RDSClient({ ...common, retryMode: 'adaptive', maxAttempts: 8, ...endpoint(env, 'RDS') });
  const dynamo = new DynamoDBClient({ ...common, maxAttempts: 6, ...endpoint(env, 'DYNAMODB') });
  const doc = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const sqsEndpoint = endpoint(env, 'SQS');
  // Emulators hand out queue URLs whose host does not resolve; an explicit endpoint wins over them.
  const sqs = new SQSClient({
    ...common,
    ...sqsEndpoint,
    ...(sqsEndpoint.endpoint ? { useQueueUrlAsEndpoint: false } : {}),
  });
  const s3Endpoint = endpoint(env, 'S3');
  const s3 = new S3Client({
    ...common,
    ...s3Endpoint,
    ...(s3Endpoint.endpoint ? { forcePathStyle: true } : {}),
  });
  const downloader = createLogFileDownloader({
    region: config.region,
    pathVersion: config.downloadPath,
    // The same endpoint the RDS client lists from: a simulator, LocalStack, or AWS itself.
    endpoint: resolveRdsEndpoint(config.region, env),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.onDownloadPathChosen ? { onPathChosen: options.onDownloadPathChosen } : {}),
  });
  return {
    rds,
    dynamo,
    ledger: new DynamoLedgerStore(doc, config.table),
    sqs,
    s3,
    downloader,
    destroy() {
      rds.destroy();
      dynamo.destroy();
      sqs.destroy();
      s3.destroy();
      downloader.close();
    },
  };
}

function endpoint(env: Env, service: EndpointService): { endpoint?: string } {
  const url = endpointOverride(service, env);
  return url ? { endpoint: url } : {};
}
