/**
 * Runtime configuration. Every setting is declared once in `RUNTIME_SETTINGS` (variable, kind with
 * its bounds, default, who needs it, meaning); from that come the typed `ArchiverConfig`, the
 * reader `loadConfig`, the writer `configEnvironment` (the Lambda environment infra/ deploys) and
 * the README table (checked by test/unit/readme.test.ts). Adding a setting is one entry.
 *
 * The reader validates everything at once and reports every problem, naming the variable and the
 * expected form, so a bad deployment fails on its first invocation with one clear message
 * instead of a crash loop.
 */

import { signingKey } from './digests/signing-key.js';
import { type SourceAccount, sourceAccountsKind, sourceAccountsProblem } from './fleet/source-accounts.js';
import { LOG_TYPES, logTypeList } from './log-types.js';
import { DOWNLOAD_PATH_VERSIONS } from './rds/download-response.js';
import { bucketNameProblem, clusterIdentifierProblem, instanceIdentifierProblem } from './resource-names.js';
import { KEY_LAYOUTS, keyPrefixProblem, normalizeKeyPrefix } from './s3-keys.js';
import {
  choice,
  integer,
  type Kind,
  list,
  optional,
  type TagSelector,
  tag,
  text,
  url,
} from './setting-kinds.js';
import { RECORD_DIGEST_MODES } from './transfer/metadata.js';

/** What one use of the configuration needs on top of the always-required settings. */
export type ConfigNeed =
  /** The discoverer (Lambda or `discover`): sends to the archive queue. */
  | 'discover'
  /** The archiver Lambda: parks malformed messages on the DLQ, writes the bucket. */
  | 'archive'
  /** The `archive` command: the archiver, plus the archive queue it drains itself. */
  | 'drain'
  /** `run` and `start`: everything above. */
  | 'run'
  /** The operator commands' common part (ledger only). */
  | 'operate'
  /** `redrive`: from the DLQ to the archive queue. */
  | 'redrive'
  /** `redrive --native`: only the DLQ is named. */
  | 'redrive-native'
  /** `verify`: reads the bucket. */
  | 'verify'
  /** The digester (Lambda, and `run` / `start`): reads the ledger's archive events, writes digests. */
  | 'digest'
  /** `verify --digests`: reads the bucket and nothing else (an auditor's read-only role). */
  | 'audit';

/** Needs that stand for several others. */
const NEED_INCLUDES: Partial<Record<ConfigNeed, readonly ConfigNeed[]>> = {
  drain: ['archive'],
  run: ['discover', 'archive', 'drain', 'digest'],
};

/** How the README's default column names who requires a setting. */
const NEED_LABELS: Record<ConfigNeed, string> = {
  discover: 'discoverer',
  archive: 'archiver',
  drain: 'archive',
  run: 'run',
  operate: 'operations',
  redrive: 'redrive',
  'redrive-native': 'redrive',
  verify: 'verify',
  digest: 'digester',
  audit: 'verify',
};

/** One runtime setting. */
export interface RuntimeSetting<T> {
  /** The environment variable. */
  variable: string;
  kind: Kind<T>;
  /** The value when the variable is unset or blank. */
  default: T;
  /** Read this variable when `variable` is unset (e.g. AWS_DEFAULT_REGION for AWS_REGION). */
  fallbackVariable?: string;
  /**
   * Required always, by every use of the ledger (all but `audit`), or by these needs (then
   * `missing` says what to set).
   */
  requiredBy?: 'always' | 'ledger' | readonly ConfigNeed[];
  /** What the variable must hold, for "X is required: ..." (e.g. "a DynamoDB table name"). */
  missing?: string;
  /** The meaning, as the README's configuration table shows it. */
  doc: string;
}

/** Declares one setting; its value type (for `ArchiverConfig`) comes from its kind. */
function setting<T>(
  declaration: Omit<RuntimeSetting<T>, 'default'> & { default: NoInfer<T> },
): RuntimeSetting<T> {
  return declaration;
}

const SQS_URL = 'an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)';

/** Every runtime setting, in README order. The key is the field of `ArchiverConfig`. */
export const RUNTIME_SETTINGS = {
  region: setting({
    variable: 'AWS_REGION',
    fallbackVariable: 'AWS_DEFAULT_REGION',
    kind: text(),
    default: '',
    requiredBy: 'always',
    missing: 'the region (for example `us-east-1`); AWS_DEFAULT_REGION is read too',
    doc: 'Region of the RDS instances, table, queue and bucket.',
  }),
  table: setting({
    variable: 'ARCHIVER_TABLE',
    kind: text(),
    default: '',
    requiredBy: 'ledger',
    missing: 'the DynamoDB ledger table name',
    doc: 'DynamoDB ledger table name.',
  }),
  queueUrl: setting({
    variable: 'ARCHIVER_QUEUE_URL',
    kind: optional(url()),
    default: undefined,
    requiredBy: ['discover', 'drain', 'redrive'],
    missing: `the archive queue, ${SQS_URL}`,
    doc: 'SQS archive queue URL.',
  }),
  dlqUrl: setting({
    variable: 'ARCHIVER_DLQ_URL',
    kind: optional(url()),
    default: undefined,
    requiredBy: ['archive', 'redrive', 'redrive-native'],
    missing: `the dead-letter queue, ${SQS_URL}`,
    doc: 'SQS dead-letter queue URL (malformed messages are sent here with a reason).',
  }),
  discoveryQueueUrl: setting({
    variable: 'ARCHIVER_DISCOVERY_QUEUE_URL',
    kind: optional(url()),
    default: undefined,
    doc: 'SQS discovery queue URL: the scheduled run enqueues one task per account and region there and the discoverer consumes them (see [discovery fans out](#discovery-fans-out)). Unset: one run reads every place itself.',
  }),
  bucket: setting({
    variable: 'ARCHIVER_BUCKET',
    kind: optional(text({ check: bucketNameProblem })),
    default: undefined,
    requiredBy: ['archive', 'verify', 'digest', 'audit'],
    missing: 'the S3 bucket of the archive',
    doc: 'S3 bucket for the archive.',
  }),
  clusters: setting({
    variable: 'ARCHIVER_CLUSTERS',
    kind: list(clusterIdentifierProblem),
    default: [],
    doc: 'Comma-separated DB cluster identifiers to archive.',
  }),
  clusterTag: setting({
    variable: 'ARCHIVER_CLUSTER_TAG',
    kind: optional(tag()),
    default: undefined,
    doc: 'Also archive clusters carrying this tag, as `key=value`.',
  }),
  instances: setting({
    variable: 'ARCHIVER_INSTANCES',
    kind: list(instanceIdentifierProblem),
    default: [],
    doc: 'Comma-separated DB instance identifiers to archive: standalone instances (RDS MySQL, MariaDB), grouped by the instance itself.',
  }),
  instanceTag: setting({
    variable: 'ARCHIVER_INSTANCE_TAG',
    kind: optional(tag()),
    default: undefined,
    doc: 'Also archive instances carrying this tag, as `key=value`.',
  }),
  sourceAccounts: setting({
    variable: 'ARCHIVER_SOURCE_ACCOUNTS',
    kind: sourceAccountsKind,
    default: [] as SourceAccount[],
    doc: 'Other accounts and regions to read: a JSON array, see [several accounts](#several-accounts-a-hub-and-member-accounts).',
  }),
  logTypes: setting({
    variable: 'ARCHIVER_LOG_TYPES',
    kind: logTypeList(),
    default: ['audit'],
    doc: `Comma-separated log types to archive: ${LOG_TYPES.map((type) => `\`${type}\``).join(', ')}, or \`all\` (see [log types](#log-types)). The prefix form \`audit/,error/\` still works (\`error/\` is \`error,postgresql\`).`,
  }),
  keyLayout: setting({
    variable: 'ARCHIVER_KEY_LAYOUT',
    kind: choice(KEY_LAYOUTS),
    default: 'seed',
    doc: '`seed`: `{cluster}/audit/YYYY/MM/DD/HH/{instance}/{file}.gz`; `hive`: `cluster=/log_type=/dt=/instance=`.',
  }),
  keyPrefix: setting({
    variable: 'ARCHIVER_KEY_PREFIX',
    kind: text({ check: keyPrefixProblem, normalize: normalizeKeyPrefix }),
    default: '',
    doc: 'Prefix for every object key (e.g. `rds-logs/`).',
  }),
  settleMs: setting({
    variable: 'ARCHIVER_SETTLE_SECONDS',
    kind: integer({ min: 0, max: 86_400, scale: 1000 }),
    default: 300_000,
    doc: 'A live (newest) file is archived once it has been quiet this long.',
  }),
  leaseMs: setting({
    variable: 'ARCHIVER_LEASE_SECONDS',
    kind: integer({ min: 10, max: 43_200, scale: 1000 }),
    default: 900_000,
    doc: 'How long an archiver claim holds; at least the archiver Lambda timeout.',
  }),
  sweepAfterMs: setting({
    variable: 'ARCHIVER_SWEEP_AFTER_SECONDS',
    kind: integer({ min: 10, max: 7 * 86_400, scale: 1000 }),
    default: 1_800_000,
    doc: 'Queued work whose state has not moved this long is sent again.',
  }),
  maxAttempts: setting({
    variable: 'ARCHIVER_MAX_ATTEMPTS',
    kind: integer({ min: 1, max: 1000 }),
    default: 5,
    doc: 'Attempts before a file is FAILED; equal to the queue maxReceiveCount.',
  }),
  retentionMs: setting({
    variable: 'ARCHIVER_RETENTION_HOURS',
    kind: optional(integer({ min: 1, max: 24 * 90, scale: 3_600_000 })),
    default: undefined,
    doc: "Upper bound on every log retention (unset: each engine's and log type's, e.g. PostgreSQL 3 days; 24 h if unknown). A longer gap between listings is a coverage hole.",
  }),
  rdsApiRate: setting({
    variable: 'ARCHIVER_RDS_API_RATE',
    kind: integer({ min: 0, max: 10_000 }),
    default: 6,
    doc: "RDS API requests per second the discoverer and archivers together may send, per account and region (a token bucket in the ledger table shared by every Lambda; see [the RDS API budget](#sharing-the-rds-api-budget)). Half of RDS's default 12/s, which every tool in the account shares. `0`: no shared budget (only the SDK's per-process retries).",
  }),
  rdsApiBurst: setting({
    variable: 'ARCHIVER_RDS_API_BURST',
    kind: integer({ min: 1, max: 100_000 }),
    default: 150,
    doc: "Requests that many may be sent at once from a full bucket, per account and region. Half of RDS's default burst of 300.",
  }),
  gzipLevel: setting({
    variable: 'ARCHIVER_GZIP_LEVEL',
    kind: integer({ min: 1, max: 9 }),
    default: 6,
    doc: 'gzip level 1-9.',
  }),
  partSizeBytes: setting({
    variable: 'ARCHIVER_PART_SIZE_MB',
    kind: integer({ min: 5, max: 512, scale: 1024 * 1024 }),
    default: 5 * 1024 * 1024,
    doc: 'Multipart upload part size (5-512 MiB); memory is part size x concurrency. 5 MiB x 10,000 parts allows 48 GiB of gzip per file.',
  }),
  uploadConcurrency: setting({
    variable: 'ARCHIVER_UPLOAD_CONCURRENCY',
    kind: integer({ min: 1, max: 16 }),
    default: 2,
    doc: 'Parts uploaded in parallel (1-16). gzip output (~9 MB/s) is far below what two parts carry; more only costs memory.',
  }),
  downloadPath: setting({
    variable: 'ARCHIVER_DOWNLOAD_PATH',
    kind: choice(DOWNLOAD_PATH_VERSIONS),
    default: 'auto',
    doc: '`auto` tries `/v19/` then falls back to `/v13/`; or force `v19` / `v13`.',
  }),
  objectDigest: setting({
    variable: 'ARCHIVER_OBJECT_DIGEST',
    kind: choice(RECORD_DIGEST_MODES),
    default: 'metadata',
    doc: 'Where the source SHA-256 goes on the object: `metadata` (a copy onto itself; any S3 store), `tags` (no copy, no extra version; AWS), `none`.',
  }),
  digestDelayMs: setting({
    variable: 'ARCHIVER_DIGEST_DELAY_SECONDS',
    kind: integer({ min: 0, max: 3600, scale: 1000 }),
    default: 300_000,
    doc: "An hour's digest (`_digests/`) is written once the hour has been over this long; archiving that finishes later goes into a later hour.",
  }),
  digestSigningKey: setting({
    variable: 'ARCHIVER_DIGEST_SIGNING_KEY',
    kind: optional(signingKey()),
    default: undefined,
    doc: 'Sign each digest with a KMS key (`arn:...:key/...` or `alias/...`; ECC_NIST_P256, SIGN_VERIFY) or a PEM private key file (Ed25519 or P-256). Unset: unsigned.',
  }),
};

type Settings = typeof RUNTIME_SETTINGS;
type SettingName = keyof Settings;
type ValueOf<S> = S extends RuntimeSetting<infer T> ? T : never;

/** The configuration every part of the pipeline reads: one field per declared setting. */
export type ArchiverConfig = { -readonly [K in SettingName]: ValueOf<Settings[K]> };

export type ClusterTagSelector = TagSelector;

/** Raised by `loadConfig` with every problem found. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Rules that tie settings together; `unread` are those whose own value was refused. */
function crossChecks(
  config: ArchiverConfig,
  needs: ReadonlySet<ConfigNeed>,
  unread: ReadonlySet<SettingName>,
): string[] {
  const { clusters, clusterTag, instances, instanceTag, sourceAccounts } = RUNTIME_SETTINGS;
  const selection = ['clusters', 'clusterTag', 'instances', 'instanceTag', 'sourceAccounts'] as const;
  const selectionRead = selection.every((field) => !unread.has(field));
  const problems: string[] = [];
  const sourcesProblem = unread.has('sourceAccounts')
    ? undefined
    : sourceAccountsProblem(config.sourceAccounts, config.region);
  if (sourcesProblem) problems.push(`${sourceAccounts.variable} ${sourcesProblem}.`);
  // The archiver needs the selection too: it refuses files of clusters and instances outside it.
  if (
    (needs.has('discover') || needs.has('archive')) &&
    selectionRead &&
    config.clusters.length === 0 &&
    config.clusterTag === undefined &&
    config.instances.length === 0 &&
    config.instanceTag === undefined &&
    config.sourceAccounts.length === 0
  ) {
    problems.push(
      `Set ${clusters.variable} or ${instances.variable} (comma lists) and/or ${clusterTag.variable} or ${instanceTag.variable} (key=value): nothing to archive.`,
    );
  }
  return problems;
}

/** A need with everything it includes. */
function expand(needs: readonly ConfigNeed[]): Set<ConfigNeed> {
  const out = new Set<ConfigNeed>();
  const add = (need: ConfigNeed) => {
    if (out.has(need)) return;
    out.add(need);
    for (const included of NEED_INCLUDES[need] ?? []) add(included);
  };
  for (const need of needs) add(need);
  return out;
}

function required(declaration: RuntimeSetting<unknown>, needs: ReadonlySet<ConfigNeed>): boolean {
  const by = declaration.requiredBy;
  if (by === 'ledger') return [...needs].some((need) => need !== 'audit');
  return by === 'always' || by?.some((need) => needs.has(need)) === true;
}

/**
 * Parses and validates the configuration.
 * @param env usually `process.env`
 * @param need which use runs (one or several): it decides which of queue, DLQ, bucket and clusters are required
 * @throws ConfigError listing every problem found
 */
export function loadConfig(env: Env, need: ConfigNeed | readonly ConfigNeed[]): ArchiverConfig {
  const needs = expand(typeof need === 'string' ? [need] : need);
  const problems: string[] = [];
  const unread = new Set<SettingName>();
  const config: Record<string, unknown> = {};
  for (const [field, declaration] of Object.entries(RUNTIME_SETTINGS) as [
    SettingName,
    RuntimeSetting<unknown>,
  ][]) {
    const raw =
      env[declaration.variable]?.trim() ||
      (declaration.fallbackVariable ? env[declaration.fallbackVariable]?.trim() : undefined);
    config[field] = declaration.default;
    if (!raw) {
      if (required(declaration, needs))
        problems.push(`${declaration.variable} is required: ${declaration.missing ?? 'a value'}.`);
      continue;
    }
    const read = declaration.kind.fromText(raw);
    if ('problem' in read) {
      problems.push(`${declaration.variable} ${read.problem}.`);
      unread.add(field);
    } else config[field] = read.value;
  }
  const typed = config as ArchiverConfig;
  problems.push(...crossChecks(typed, needs, unread));
  if (problems.length > 0) throw new ConfigError(problems);
  return typed;
}

/**
 * The environment variables that give these values, as `loadConfig` reads them back: how infra/
 * writes the Lambda environment without spelling a variable name. Unset (undefined) values and
 * settings not given are left out.
 */
export function configEnvironment(values: Partial<ArchiverConfig>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, value] of Object.entries(values) as [SettingName, unknown][]) {
    if (value === undefined) continue;
    const declaration = RUNTIME_SETTINGS[field] as RuntimeSetting<unknown>;
    env[declaration.variable] = declaration.kind.toText(value);
  }
  return env;
}

/** The variable name of a setting (for messages that tell the operator what to set). */
export function variableOf(field: SettingName): string {
  return RUNTIME_SETTINGS[field].variable;
}

/** What the README's configuration table shows for a setting in its default column. */
function defaultText(declaration: RuntimeSetting<unknown>): string {
  const by = declaration.requiredBy;
  if (by === 'always') return '(required)';
  if (by === 'ledger') return '(required; not by verify --digests)';
  if (by !== undefined) return `(${[...new Set(by.map((need) => NEED_LABELS[need]))].join(', ')})`;
  return declaration.kind.show(declaration.default);
}

/** Documented settings as README table rows: variable, default, meaning. */
export const CONFIG_VARIABLES: ReadonlyArray<readonly [string, string, string]> = Object.values(
  RUNTIME_SETTINGS as Record<string, RuntimeSetting<unknown>>,
).map((declaration) => [declaration.variable, defaultText(declaration), declaration.doc] as const);
