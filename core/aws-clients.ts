/**
 * AWS clients as the pipeline wants them, for the Lambda handlers and the CLI alike. Endpoints
 * come from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs against
 * AWS, the local emulators or LocalStack. Nothing is created at import.
 *
 * Each handler builds only the clients it uses (`createDiscovererClients`,
 * `createArchiverClients`, `createDigesterClients`), so its bundle carries only those SDK
 * packages: the discoverer has no S3 client, the digester no RDS or SQS one (and creates its KMS
 * client only for a KMS signing key). `verify --digests` uses S3 alone (`createAuditClients`).
 * The archiver downloads over signed HTTP, but keeps an RDS API client to read the tags of a
 * cluster or instance it is asked to archive (it refuses those outside the selection) and to list
 * a rotating family before and after its download. The SDK packages are
 * marked side-effect free, so esbuild drops the factories a handler does not call
 * (test/infra/bundle.test.ts checks it). Every client records which service, endpoint and
 * resource a failed call was about (core/aws-call-context.ts).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { recordCallContext } from './aws-call-context.js';
import type { ArchiverConfig } from './config.js';
import { type EndpointService, endpointOverride } from './endpoints.js';
import {
  type AssumedRoleProvider,
  createAssumedRoleProvider,
  isExpiredTokenError,
} from './fleet/assumed-credentials.js';
import { type Place, placeLabel, type SourceAccount } from './fleet/source-accounts.js';
import { DynamoLedgerStore } from './ledger/dynamodb-store.js';
import type { LedgerStore } from './ledger/store.js';
import type { RdsApiBudgetEvents } from './observability.js';
import { type ClusterSelection, clusterSelection } from './rds/cluster-selection.js';
import { createLogFileDownloader, type LogFileDownloader } from './rds/download.js';
import { resolveRdsEndpoint } from './rds/endpoint.js';
import { createRdsApiBudget, type RdsApiBudget } from './rds-budget/budget.js';
import { DynamoBudgetStore } from './rds-budget/dynamodb-store.js';
import { downloadTokens, meterDownloader, meterRdsClient } from './rds-budget/metering.js';
import { homePlaceKey, placeKey } from './rds-budget/place.js';

type Env = Record<string, string | undefined>;

export interface ClientOptions {
  env?: Env;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  onDownloadPathChosen?: Parameters<typeof createLogFileDownloader>[0]['onPathChosen'];
  /** The clock assumed credentials' expiry is judged by (default `Date.now`; a simulator's in tests). */
  now?: () => number;
  /** Told of the RDS API budget's waits and of throttling answers (metrics). */
  budgetEvents?: RdsApiBudgetEvents;
}

type ClientConfig = Pick<ArchiverConfig, 'region' | 'table' | 'downloadPath'>;
/** What the clients that call RDS need on top: the budget's settings. */
type RdsClientConfig = ClientConfig & Pick<ArchiverConfig, 'rdsApiRate' | 'rdsApiBurst'>;

/**
 * The RDS API budget of this deployment's own account and Region, its key `home#<region>` (the
 * home account's id is not looked up: no STS call for it). Undefined when ARCHIVER_RDS_API_RATE
 * is 0. Its buckets live in the ledger table, written through `doc`.
 */
function rdsBudgetFor(
  config: RdsClientConfig,
  doc: DynamoDBDocumentClient,
  options: ClientOptions,
): { budget: RdsApiBudget; place: string } | undefined {
  if (config.rdsApiRate <= 0) return undefined;
  const budget = createRdsApiBudget({
    store: new DynamoBudgetStore(doc, config.table),
    limits: { burst: config.rdsApiBurst, perSecond: config.rdsApiRate },
    ...(options.budgetEvents ? { events: options.budgetEvents } : {}),
  });
  return { budget, place: homePlaceKey(config.region) };
}

/** What every client of one service shares: region, credentials, endpoint override. */
function base(config: ClientConfig, options: ClientOptions, service: EndpointService) {
  const endpoint = endpointOverride(service, options.env ?? process.env);
  return {
    about: { service, endpoint, region: config.region },
    settings: {
      region: config.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(endpoint ? { endpoint } : {}),
    },
  };
}

function rdsClient(
  config: ClientConfig,
  options: ClientOptions,
  metered: { budget: RdsApiBudget; place: string } | undefined,
): RDSClient {
  const { about, settings } = base(config, options, 'RDS');
  // Throttling is retried with full-jitter backoff by the standard strategy either way. With the
  // shared budget pacing every process, the adaptive strategy's per-process rate limiter would
  // only pace a second time; without it, it is the only brake there is.
  const client = new RDSClient({ ...settings, retryMode: metered ? 'standard' : 'adaptive', maxAttempts: 8 });
  recordCallContext(client, about);
  if (metered) meterRdsClient(client, metered.budget, metered.place);
  return client;
}

function dynamoClient(config: ClientConfig, options: ClientOptions): DynamoDBClient {
  const { about, settings } = base(config, options, 'DYNAMODB');
  const client = new DynamoDBClient({ ...settings, maxAttempts: 6 });
  recordCallContext(client, about);
  return client;
}

function documentClient(dynamo: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

function ledgerOn(dynamo: DynamoDBClient, table: string): LedgerStore {
  return new DynamoLedgerStore(documentClient(dynamo), table);
}

function sqsClient(config: ClientConfig, options: ClientOptions): SQSClient {
  const { about, settings } = base(config, options, 'SQS');
  // Emulators hand out queue URLs whose host does not resolve; an explicit endpoint wins over them.
  const client = new SQSClient({ ...settings, ...(about.endpoint ? { useQueueUrlAsEndpoint: false } : {}) });
  recordCallContext(client, about);
  return client;
}

function s3Client(config: ClientConfig, options: ClientOptions): S3Client {
  const { about, settings } = base(config, options, 'S3');
  const client = new S3Client({ ...settings, ...(about.endpoint ? { forcePathStyle: true } : {}) });
  recordCallContext(client, about);
  return client;
}

function kmsClient(config: ClientConfig, options: ClientOptions): KMSClient {
  const { about, settings } = base(config, options, 'KMS');
  const client = new KMSClient(settings);
  recordCallContext(client, about);
  return client;
}

function downloaderFor(
  config: ClientConfig,
  options: ClientOptions,
  metered: { budget: RdsApiBudget; place: string } | undefined,
): LogFileDownloader {
  const downloader = createLogFileDownloader({
    region: config.region,
    pathVersion: config.downloadPath,
    // The same endpoint the RDS client lists from: a simulator, LocalStack, or AWS itself.
    endpoint: resolveRdsEndpoint(config.region, options.env ?? process.env),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.onDownloadPathChosen ? { onPathChosen: options.onDownloadPathChosen } : {}),
    ...(metered ? { beforeRequest: downloadTokens(metered.budget, metered.place) } : {}),
  });
  return metered ? meterDownloader(downloader, metered.budget, metered.place) : downloader;
}

/** The discoverer's clients: RDS API, ledger, SQS. */
export interface DiscovererClients {
  rds: RDSClient;
  dynamo: DynamoDBClient;
  ledger: LedgerStore;
  sqs: SQSClient;
  /** The RDS API budget every RDS request takes a token of; undefined when it is off. */
  rdsBudget: RdsApiBudget | undefined;
  destroy(): void;
}

/** Creates the discoverer's clients. */
export function createDiscovererClients(
  config: RdsClientConfig,
  options: ClientOptions = {},
): DiscovererClients {
  const dynamo = dynamoClient(config, options);
  const metered = rdsBudgetFor(config, documentClient(dynamo), options);
  const rds = rdsClient(config, options, metered);
  const sqs = sqsClient(config, options);
  return {
    rds,
    dynamo,
    ledger: ledgerOn(dynamo, config.table),
    sqs,
    rdsBudget: metered?.budget,
    destroy() {
      rds.destroy();
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

/** The archiver's clients: ledger, SQS (the DLQ), S3, the signed log file downloader, RDS (cluster tags). */
export interface ArchiverClients {
  rds: RDSClient;
  dynamo: DynamoDBClient;
  ledger: LedgerStore;
  sqs: SQSClient;
  s3: S3Client;
  downloader: LogFileDownloader;
  /** The RDS API budget every RDS request (downloads too) takes a token of; undefined when it is off. */
  rdsBudget: RdsApiBudget | undefined;
  destroy(): void;
}

/** Creates the archiver's clients. */
export function createArchiverClients(config: RdsClientConfig, options: ClientOptions = {}): ArchiverClients {
  const dynamo = dynamoClient(config, options);
  const metered = rdsBudgetFor(config, documentClient(dynamo), options);
  const rds = rdsClient(config, options, metered);
  const sqs = sqsClient(config, options);
  const s3 = s3Client(config, options);
  const downloader = downloaderFor(config, options, metered);
  return {
    rds,
    dynamo,
    ledger: ledgerOn(dynamo, config.table),
    sqs,
    s3,
    downloader,
    rdsBudget: metered?.budget,
    destroy() {
      rds.destroy();
      dynamo.destroy();
      sqs.destroy();
      s3.destroy();
      downloader.close();
    },
  };
}

/** The digester's clients: ledger, S3 (writes digests), KMS when digests are signed with a KMS key. */
export interface DigesterClients {
  dynamo: DynamoDBClient;
  ledger: LedgerStore;
  s3: S3Client;
  /** Created on first use: only a KMS signing key needs it. */
  kms(): KMSClient;
  destroy(): void;
}

/** Creates the digester's clients (KMS lazily). */
export function createDigesterClients(config: ClientConfig, options: ClientOptions = {}): DigesterClients {
  const dynamo = dynamoClient(config, options);
  const s3 = s3Client(config, options);
  let kms: KMSClient | undefined;
  return {
    dynamo,
    ledger: ledgerOn(dynamo, config.table),
    s3,
    kms: () => {
      kms ??= kmsClient(config, options);
      return kms;
    },
    destroy() {
      dynamo.destroy();
      s3.destroy();
      kms?.destroy();
    },
  };
}

/** What `verify --digests` uses: S3 alone (an auditor's read-only role needs nothing else). */
export interface AuditClients {
  s3: S3Client;
  destroy(): void;
}

/** Creates the auditor's client. */
export function createAuditClients(
  config: Pick<ArchiverConfig, 'region'>,
  options: ClientOptions = {},
): AuditClients {
  const s3 = s3Client({ region: config.region, table: '', downloadPath: 'auto' }, options);
  return { s3, destroy: () => s3.destroy() };
}

/**
 * Every client of the pipeline (the CLI runs both halves, the digester and the operator commands).
 * Since the archiver reads cluster tags, its clients are a superset of the discoverer's: one set
 * serves both; the digester adds KMS, created only for a KMS signing key.
 */
export type PipelineClients = ArchiverClients & Pick<DigesterClients, 'kms'>;

/** Creates every client the pipeline uses, one of each. */
export function createPipelineClients(config: RdsClientConfig, options: ClientOptions = {}): PipelineClients {
  const archiver = createArchiverClients(config, options);
  let kms: KMSClient | undefined;
  return {
    ...archiver,
    kms: () => {
      kms ??= kmsClient(config, options);
      return kms;
    },
    destroy() {
      archiver.destroy();
      kms?.destroy();
    },
  };
}

/** The clients of one source place: the RDS API and the signed download, as that account, in that region. */
export interface PlaceClients {
  place: Place;
  rds: RDSClient;
  downloader: LogFileDownloader;
  /** What is selected there (the source account's clusters, instances and tags). */
  selection: ClusterSelection;
}

/** The clients of every configured source place, made on first use and kept. */
export interface SourceClients {
  /** The clients of a configured place; undefined for a place not configured. */
  forPlace(place: Place): PlaceClients | undefined;
  destroy(): void;
}

/**
 * Clients for the source accounts (ARCHIVER_SOURCE_ACCOUNTS). An account with a role is read with
 * credentials from STS AssumeRole (its external id), cached per account and shared by its regions
 * (core/fleet/assumed-credentials.ts); the hub's own account in other regions with the
 * deployment's credentials. Both the RDS client and the downloader of an assumed account ask STS
 * again once when a request answers ExpiredToken, then repeat that request.
 */
export function createSourceClients(
  config: ClientConfig & Pick<ArchiverConfig, 'sourceAccounts'>,
  options: ClientOptions & {
    /** The process's RDS API budget (the home clients' `rdsBudget`): each place takes from its own bucket. */
    rdsBudget?: RdsApiBudget | undefined;
  } = {},
): SourceClients {
  const env = options.env ?? process.env;
  let sts: STSClient | undefined;
  const providers = new Map<string, AssumedRoleProvider>();
  const made = new Map<string, PlaceClients>();
  const providerOf = (source: SourceAccount): AssumedRoleProvider | undefined => {
    if (source.roleArn === undefined || source.externalId === undefined) return undefined;
    let provider = providers.get(source.account);
    if (!provider) {
      if (!sts) {
        const { about, settings } = base(config, options, 'STS');
        sts = new STSClient(settings);
        recordCallContext(sts, about);
      }
      provider = createAssumedRoleProvider({
        sts,
        account: source.account,
        roleArn: source.roleArn,
        externalId: source.externalId,
        ...(options.now ? { now: options.now } : {}),
      });
      providers.set(source.account, provider);
    }
    return provider;
  };
  return {
    forPlace(place) {
      const label = placeLabel(place);
      const known = made.get(label);
      if (known) return known;
      const source = config.sourceAccounts.find(
        (s) => s.account === place.account && s.regions.includes(place.region),
      );
      if (!source) return undefined;
      const provider = providerOf(source);
      const placeOptions: ClientOptions = { ...options, ...(provider ? { credentials: provider } : {}) };
      const placeConfig = { ...config, region: place.region };
      // Every account and region has a budget of its own (RDS throttles per account and region).
      const metered = options.rdsBudget ? { budget: options.rdsBudget, place: placeKey(place) } : undefined;
      const rds = rdsClient(placeConfig, placeOptions, metered);
      if (provider) assumeAgainOnExpiredToken(rds, provider);
      const opened = downloaderFor(placeConfig, { ...placeOptions, env }, metered);
      const downloader: LogFileDownloader = provider
        ? {
            async open(request) {
              const seen = provider.generation;
              try {
                return await opened.open(request);
              } catch (error) {
                if (!isExpiredTokenError(error)) throw error;
                provider.invalidate(seen);
                return await opened.open(request);
              }
            },
            get pathVersion() {
              return opened.pathVersion;
            },
            close: () => opened.close(),
          }
        : opened;
      const clients: PlaceClients = {
        place: { account: place.account, region: place.region },
        rds,
        downloader,
        selection: clusterSelection(rds, {
          clusters: source.clusters,
          tag: source.clusterTag,
          instances: source.instances,
          instanceTag: source.instanceTag,
        }),
      };
      made.set(label, clients);
      return clients;
    },
    destroy() {
      for (const clients of made.values()) {
        clients.rds.destroy();
        clients.downloader.close();
      }
      made.clear();
      sts?.destroy();
    },
  };
}

/** On ExpiredToken, drop the account's cached credentials and send the request once more. */
function assumeAgainOnExpiredToken(client: RDSClient, provider: AssumedRoleProvider): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const seen = provider.generation;
      try {
        return await next(args);
      } catch (error) {
        if (!isExpiredTokenError(error)) throw error;
        provider.invalidate(seen);
        return await next(args);
      }
    },
    { step: 'initialize', name: 'assumeRoleAgainOnExpiredToken' },
  );
}
