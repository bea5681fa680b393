/**
 * Deployment settings: each declared once in `DEPLOY_SETTINGS` (kind with its bounds, default,
 * meaning), read from a JSON file and/or `ARCHIVER_DEPLOY_*` environment variables, filled with
 * defaults and validated before anything is synthesized. A wrong setting fails the synth with every
 * problem listed, instead of failing half-way through `terraform apply`. The README's settings
 * table is checked against the declarations (test/unit/readme.test.ts).
 */

import { RUNTIME_SETTINGS } from '../core/config.js';
import { sourceAccountsKind, sourceAccountsProblem } from '../core/fleet/source-accounts.js';
import { LOG_TYPES, logTypeList } from '../core/log-types.js';
import {
  bucketNameProblem,
  clusterIdentifierProblem,
  instanceIdentifierProblem,
  regionProblem,
} from '../core/resource-names.js';
import { KEY_LAYOUTS, keyPrefixProblem } from '../core/s3-keys.js';
import {
  choice,
  flag,
  integer,
  json,
  type Kind,
  list,
  optional,
  type Read,
  tag,
  text,
} from '../core/setting-kinds.js';

/** Storage classes a lifecycle transition may move archived objects to. */
export const STORAGE_CLASSES = [
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Retention periods CloudWatch Logs accepts (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export interface StorageTransition {
  /** Days after creation. */
  days: number;
  storageClass: StorageClass;
}

/** Object Lock modes; the retention is always `auditRetentionDays`. */
export const OBJECT_LOCK_MODES = ['governance', 'compliance', 'off'] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

/** A KMS key ARN: IAM grants key use on the key's ARN, never on an alias ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const KMS_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/.+$/;

function kmsKeyArnProblem(arn: string): string | undefined {
  if (KMS_KEY_ARN.test(arn)) return undefined;
  if (KMS_ALIAS_ARN.test(arn)) {
    // IAM evaluates kms:Encrypt/Decrypt/GenerateDataKey against the key's ARN: an alias ARN in a
    // policy's Resource matches nothing, so every encrypted write would be denied on AWS.
    return (
      `must be the key's ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias ARN: IAM ` +
      `ignores alias ARNs for key use. Find it with 'aws kms describe-key --key-id ${arn} --query KeyMetadata.Arn'`
    );
  }
  return `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), got "${arn}"`;
}

/** Checks a string against a pattern; `what` completes "is not ...". */
export function matching(pattern: RegExp, what: string) {
  return (value: string) => (pattern.test(value) ? undefined : `is not ${what}`);
}

export const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Lifecycle transitions: a JSON list of `{ days, storageClass }`. */
const transitionsKind = json<StorageTransition[]>({
  fromJson(value) {
    const shape = `{ days: integer >= 0, storageClass: ${STORAGE_CLASSES.join(' | ')} }`;
    if (!Array.isArray(value)) return { problem: `must be a list of ${shape}` };
    const problems: string[] = [];
    const out: StorageTransition[] = [];
    for (const item of value) {
      const ok =
        isRecord(item) &&
        typeof item.days === 'number' &&
        Number.isInteger(item.days) &&
        item.days >= 0 &&
        STORAGE_CLASSES.includes(item.storageClass as StorageClass);
      if (ok) out.push({ days: item.days as number, storageClass: item.storageClass as StorageClass });
      else problems.push(`${JSON.stringify(item)} must be ${shape}`);
    }
    return problems.length > 0 ? { problem: `entry ${problems.join('; entry ')}` } : { value: out };
  },
  show: (value) => JSON.stringify(value),
});

/**
 * Object Lock mode: `governance`, `compliance` or `off`. The retention is `auditRetentionDays`, so
 * the lock and the lifecycle rules can never disagree; the earlier `{ mode, days }` form is refused
 * with a line saying so rather than read with a retention of its own.
 */
const objectLockKind: Kind<ObjectLockMode> = (() => {
  const base = choice(OBJECT_LOCK_MODES);
  const legacy = (value: unknown): Read<ObjectLockMode> | undefined =>
    isRecord(value) || (typeof value === 'string' && value.includes(':'))
      ? {
          problem: `must be one of ${OBJECT_LOCK_MODES.join(', ')}, got ${JSON.stringify(value)}: the retention is now auditRetentionDays (set that instead of "days")`,
        }
      : undefined;
  return {
    ...base,
    fromJson: (value) => legacy(value) ?? base.fromJson(value),
    fromText: (raw) => legacy(raw) ?? base.fromText(raw),
  };
})();

/** An IAM principal allowed to assume the operator role: a role, user or account root ARN. */
export const IAM_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

/** One deployment setting: its JSON key is its name in `DEPLOY_SETTINGS`. */
export interface DeploySetting<T> {
  kind: Kind<T>;
  default: T;
  /** The README's default cell when the default alone says too little (e.g. "generated"). */
  defaultDoc?: string;
  /** The meaning, as the README's settings table shows it. */
  doc: string;
}

/** Declares one setting; its value type (for `Settings`) comes from its kind. */
export function setting<T>(
  declaration: Omit<DeploySetting<T>, 'default'> & { default: NoInfer<T> },
): DeploySetting<T> {
  return declaration;
}

/**
 * Every deployment setting, in README order. Each is read from the settings file under its name
 * and from `ARCHIVER_DEPLOY_<NAME>` (see `envName`). Adding a setting is one entry here.
 */
export const DEPLOY_SETTINGS = {
  name: setting({
    kind: text({ check: matching(NAME, '3-32 lower-case letters, digits or dashes') }),
    default: 'rds-log-archiver',
    doc: 'Stack name and prefix of every resource name.',
  }),
  region: setting({
    kind: text({ check: regionProblem }),
    default: 'us-east-1',
    doc: 'Region of the clusters and of everything deployed.',
  }),
  clusters: setting({
    kind: list(clusterIdentifierProblem),
    default: [],
    doc: 'DB cluster identifiers to archive. Replaces the tag selector.',
  }),
  clusterTag: setting({
    kind: optional(tag()),
    // Opt-in by tag: nothing is archived until an operator tags a cluster (or lists clusters).
    default: { key: 'rds-log-archiver', value: 'enabled' },
    defaultDoc: '"rds-log-archiver=enabled"',
    doc: 'Archive every cluster with this tag (`key=value`).',
  }),
  instances: setting({
    kind: list(instanceIdentifierProblem),
    default: [],
    doc: 'Standalone DB instance identifiers to archive (RDS MySQL, MariaDB, PostgreSQL: in no DB cluster), beside the clusters.',
  }),
  instanceTag: setting({
    kind: optional(tag()),
    default: undefined,
    defaultDoc: 'none',
    doc: 'Archive every DB instance with this tag (`key=value`), beside the clusters.',
  }),
  sourceAccounts: setting({
    // The runtime setting's own reader (core/fleet/source-accounts.ts): one shape, one set of rules.
    kind: sourceAccountsKind,
    default: [],
    doc: 'Other accounts and regions to read, as `ARCHIVER_SOURCE_ACCOUNTS` takes them; the functions may assume exactly the roles listed. See [A hub and its member accounts](#a-hub-and-its-member-accounts).',
  }),
  logTypes: setting({
    kind: logTypeList(),
    default: ['audit'],
    doc: `Log types to archive: ${LOG_TYPES.join(', ')} or all (the prefix form \`audit/\` still works).`,
  }),
  createBucket: setting({
    kind: flag(),
    default: true,
    doc: 'Create the archive bucket; `false` uses the existing bucket `bucketName` (its settings are then yours).',
  }),
  bucketName: setting({
    kind: optional(text({ check: bucketNameProblem })),
    default: undefined,
    defaultDoc: 'generated <name>-...',
    doc: 'Exact bucket name.',
  }),
  keyLayout: setting({
    kind: choice(KEY_LAYOUTS),
    default: 'seed',
    doc: '`seed`: `{prefix}{cluster}/audit/YYYY/MM/DD/HH/{instance}/{file}.gz`; `hive`: `{prefix}cluster=/log_type=/dt=YYYY-MM-DD-HH/instance=/{file}.gz`.',
  }),
  keyPrefix: setting({
    kind: text({
      check: (value) =>
        keyPrefixProblem(value) ??
        (value === '' || value.endsWith('/') ? undefined : 'must be empty or end with /'),
    }),
    default: '',
    doc: 'Prefix of every key, ending in `/`. The archiver can write only under it.',
  }),
  scheduleMinutes: setting({
    kind: integer({ min: 1, max: 60 }),
    default: 5,
    doc: 'How often the discoverer runs.',
  }),
  settleSeconds: setting({
    kind: integer({ min: 0, max: 86_400 }),
    default: 300,
    doc: 'A live file is archived once it has been quiet this long.',
  }),
  sweepAfterSeconds: setting({
    kind: integer({ min: 60, max: 86_400 }),
    default: 1800,
    doc: 'Work stuck this long is queued again (at least 2x the archiver timeout).',
  }),
  rdsLogRetentionHours: setting({
    kind: optional(integer({ min: 1, max: 24 * 30 })),
    default: undefined,
    defaultDoc: "each engine's",
    doc: "Upper bound on how long RDS keeps the files (unset: each engine's and log type's documented retention). Longer listing gaps are coverage holes.",
  }),
  architecture: setting({
    kind: choice(['arm64', 'x86_64']),
    default: 'arm64',
    doc: 'Lambda architecture (`arm64` or `x86_64`).',
  }),
  archiverMemoryMb: setting({
    kind: integer({ min: 256, max: 10_240 }),
    // 1 GB gives a full vCPU share for gzip.
    default: 1024,
    doc: 'Archiver memory (MB).',
  }),
  archiverTimeoutSeconds: setting({
    kind: integer({ min: 30, max: 900 }),
    // 10 minutes covers a 100 MB file many times over.
    default: 600,
    doc: 'Archiver timeout. The ledger lease equals it.',
  }),
  discovererMemoryMb: setting({
    kind: integer({ min: 128, max: 10_240 }),
    default: 512,
    doc: 'Discoverer memory (MB).',
  }),
  discovererTimeoutSeconds: setting({
    kind: integer({ min: 10, max: 900 }),
    default: 120,
    doc: 'Discoverer timeout (shorter than the schedule).',
  }),
  batchSize: setting({
    kind: integer({ min: 1, max: 10_000 }),
    default: 4,
    doc: 'Messages per archiver invocation (above 10 needs a batching window).',
  }),
  batchingWindowSeconds: setting({
    kind: integer({ min: 0, max: 300 }),
    default: 0,
    doc: 'How long the event source gathers messages for a batch.',
  }),
  maxConcurrency: setting({
    kind: integer({ min: 2, max: 1000 }),
    default: 5,
    doc: 'Most archivers running at once (also caps the load on the account-wide RDS API budget).',
  }),
  rdsApiRate: setting({
    // Bounds and default are the runtime setting's (core/config.ts), passed through unchanged.
    kind: RUNTIME_SETTINGS.rdsApiRate.kind,
    default: RUNTIME_SETTINGS.rdsApiRate.default,
    doc: 'RDS API requests per second the discoverer and archivers together may send (`ARCHIVER_RDS_API_RATE`); `0`: no shared budget.',
  }),
  rdsApiBurst: setting({
    kind: RUNTIME_SETTINGS.rdsApiBurst.kind,
    default: RUNTIME_SETTINGS.rdsApiBurst.default,
    doc: 'Burst of that budget (`ARCHIVER_RDS_API_BURST`).',
  }),
  maxReceiveCount: setting({
    kind: integer({ min: 5, max: 1000 }),
    default: 5,
    doc: "Attempts before a message moves to the DLQ (at least 5); also the archiver's attempt limit.",
  }),
  transitions: setting({
    kind: transitionsKind,
    // GLACIER_IR keeps objects readable by Athena; GLACIER / DEEP_ARCHIVE would need a restore first.
    default: [
      { days: 30, storageClass: 'STANDARD_IA' },
      { days: 90, storageClass: 'GLACIER_IR' },
    ],
    doc: 'Storage class transitions `{ "days", "storageClass" }`, in increasing order of days. GLACIER_IR stays readable by Athena.',
  }),
  auditRetentionDays: setting({
    kind: integer({ min: 1, max: 36_500 }),
    // A year and a month: a common audit period plus time to notice a problem at its end.
    default: 400,
    doc: 'How long every archived log file is kept at least: the Object Lock retention, and the least time an earlier generation of a file (an overwritten key) is kept.',
  }),
  noncurrentVersionExpiryDays: setting({
    kind: optional(integer({ min: 1, max: 36_500 })),
    default: undefined,
    defaultDoc: 'auditRetentionDays',
    doc: 'Earlier generations of a file (overwritten keys) are deleted this long after they were replaced; at least `auditRetentionDays`.',
  }),
  expireAfterRetention: setting({
    kind: flag(),
    default: false,
    doc: 'Delete archived files once `auditRetentionDays` have passed (a delete marker; the data follows `noncurrentVersionExpiryDays` later). `false` keeps them until you delete them.',
  }),
  objectLock: setting({
    kind: objectLockKind,
    default: 'governance',
    doc: '`governance`, `compliance` or `off`: WORM default retention of `auditRetentionDays` on every archived object. Once on, S3 never lets a bucket drop Object Lock; `off` later only stops new objects being locked.',
  }),
  accessLogging: setting({
    kind: flag(),
    default: true,
    doc: 'S3 server access logs of the archive bucket, into a separate bucket `<name>-logs-...` kept `auditRetentionDays`. `false` when CloudTrail S3 data events record the access instead.',
  }),
  kmsKeyArn: setting({
    kind: optional(text({ check: kmsKeyArnProblem })),
    default: undefined,
    doc: "Customer KMS key for the bucket (SSE-KMS with a bucket key), queues and table, as the key's ARN (`...:key/<id>`, not an alias). Its key policy must let the account's IAM policies use it.",
  }),
  subnetIds: setting({
    kind: list(matching(SUBNET, 'a subnet id')),
    default: [],
    doc: 'Run both functions in these subnets (with `securityGroupIds`).',
  }),
  securityGroupIds: setting({
    kind: list(matching(SECURITY_GROUP, 'a security group id')),
    default: [],
    doc: 'Security groups of both functions (with `subnetIds`).',
  }),
  alarmEmail: setting({
    kind: optional(text({ check: matching(EMAIL, 'an e-mail address') })),
    default: undefined,
    doc: 'Subscribe this address to the alarm topic (confirm the e-mail AWS sends).',
  }),
  encryptAlarmTopic: setting({
    kind: flag(),
    default: true,
    doc: 'Encrypt the alarm topic with a KMS key of its own whose policy lets CloudWatch alarms publish (they cannot use the AWS managed `alias/aws/sns`).',
  }),
  operatorPrincipals: setting({
    kind: list(matching(IAM_PRINCIPAL, 'an IAM role, user or account root ARN')),
    default: [],
    defaultDoc: 'this account',
    doc: 'Who may assume the operator role `<name>-operator` (see Operator permissions); by default any identity of this account whose own policy allows it.',
  }),
  logRetentionDays: setting({
    kind: integer({ min: 1, max: 3653 }),
    default: 365,
    doc: "Retention of the functions' log groups (a value CloudWatch Logs accepts).",
  }),
  digestScheduleMinutes: setting({
    kind: integer({ min: 5, max: 60 }),
    default: 15,
    doc: 'How often the digester writes the hourly digests that are due (`_digests/`).',
  }),
  digestSigningKeyArn: setting({
    kind: optional(text({ check: kmsKeyArnProblem })),
    default: undefined,
    doc: "Sign each digest with this asymmetric KMS key (`ECC_NIST_P256`, key usage `SIGN_VERIFY`), as the key's ARN; the digester alone may use it. None: digests are unsigned.",
  }),
  oldestMessageAlarmSeconds: setting({
    kind: integer({ min: 60, max: 1_209_600 }),
    default: 3600,
    doc: 'Alarm when queued work is older than this.',
  }),
};

type Declarations = typeof DEPLOY_SETTINGS;
type SettingKey = keyof Declarations;
type ValueOf<S> = S extends DeploySetting<infer T> ? T : never;

/** Everything a deployment can choose: one field per declared setting. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<Declarations[K]> };

const ENTRIES = Object.entries(DEPLOY_SETTINGS) as [SettingKey, DeploySetting<unknown>][];

/** The settings used when nothing is configured. */
export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  ENTRIES.map(([key, declaration]) => [key, declaration.default]),
) as Settings;

/** Raised when the settings are malformed or contradictory; lists every problem. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid deployment settings:\n- ${problems.join('\n- ')}`, options);
  }
}

/** `archiverTimeoutSeconds` -> `ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS`. */
export function envName(key: string): string {
  return `ARCHIVER_DEPLOY_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads and validates settings from untyped input (a parsed settings file) and `ARCHIVER_DEPLOY_*`
 * environment variables, which win; anything missing takes its default.
 * @throws SettingsError listing every problem found.
 */
export function parseSettings(input: unknown, env: Record<string, string | undefined> = {}): Settings {
  const { values, given, problems } = readDeclared(DEPLOY_SETTINGS, input, env, envName);
  const typed = values as Settings;
  // An explicit cluster list replaces the default tag selector.
  if (typed.clusters.length > 0 && !given.has('clusterTag')) typed.clusterTag = undefined;
  problems.push(...crossChecks(typed, given as ReadonlySet<SettingKey>));
  if (problems.length > 0) throw new SettingsError(problems);
  return typed;
}

/**
 * Reads declared settings from untyped input and environment variables (named by `variableOf`),
 * which win; anything missing takes its default. Shared by the hub's settings and the member
 * role's (infra/member-settings.ts). Throws only for input that is not an object.
 */
export function readDeclared(
  declarations: Record<string, DeploySetting<unknown>>,
  input: unknown,
  env: Record<string, string | undefined>,
  variableOf: (key: string) => string,
): { values: Record<string, unknown>; given: Set<string>; problems: string[] } {
  if (!isRecord(input)) throw new SettingsError(['settings must be a JSON object']);
  const unknown = Object.keys(input).filter((key) => !(key in declarations) && !key.startsWith('$'));
  const problems = unknown.map((key) => `unknown setting "${key}"`);
  const given = new Set<string>();
  const values: Record<string, unknown> = {};
  for (const [key, declaration] of Object.entries(declarations)) {
    const variable = variableOf(key);
    const raw = env[variable]?.trim();
    values[key] = declaration.default;
    let read: Read<unknown> | undefined;
    let source: string = key;
    if (raw) {
      read = declaration.kind.fromText(raw);
      source = `${key} (${variable})`;
    } else if (input[key] !== undefined) {
      read = declaration.kind.fromJson(input[key]);
    }
    if (read === undefined) continue;
    given.add(key);
    if ('problem' in read) problems.push(`${source} ${read.problem}`);
    else values[key] = read.value;
  }
  return { values, given, problems };
}

/** Rules that tie several settings together. */
function crossChecks(s: Settings, given: ReadonlySet<SettingKey>): string[] {
  const problems: string[] = [];
  if (s.clusters.length > 0 && given.has('clusterTag') && s.clusterTag !== undefined) {
    problems.push('choose either clusters or clusterTag, not both');
  }
  const standalone = s.instances.length > 0 || s.instanceTag !== undefined;
  if (s.clusters.length === 0 && s.clusterTag === undefined && !standalone) {
    problems.push('set clusters, clusterTag, instances or instanceTag');
  }
  if (s.logTypes.length === 0) problems.push('logTypes must not be empty');
  const sources = sourceAccountsProblem(s.sourceAccounts, s.region);
  if (sources) problems.push(`sourceAccounts ${sources}`);
  if (!s.createBucket && s.bucketName === undefined) problems.push('createBucket=false needs bucketName');
  // An existing bucket is its owner's to configure: its Object Lock and logging are not ours.
  if (!s.createBucket && given.has('objectLock') && s.objectLock !== 'off') {
    problems.push('objectLock can only be set on a bucket this stack creates');
  }
  if (!s.createBucket && given.has('accessLogging') && s.accessLogging) {
    problems.push('accessLogging can only be set on a bucket this stack creates');
  }
  if (s.noncurrentVersionExpiryDays !== undefined && s.noncurrentVersionExpiryDays < s.auditRetentionDays) {
    problems.push(
      `noncurrentVersionExpiryDays (${s.noncurrentVersionExpiryDays}) must be at least auditRetentionDays (${s.auditRetentionDays}): an earlier generation of a file is an audit record too`,
    );
  }
  if (s.batchSize > 10 && s.batchingWindowSeconds === 0) {
    problems.push('batchSize above 10 needs batchingWindowSeconds >= 1 (an SQS rule)');
  }
  if (s.discovererTimeoutSeconds >= s.scheduleMinutes * 60) {
    problems.push('discovererTimeoutSeconds must be shorter than the schedule interval');
  }
  if (s.sweepAfterSeconds < 2 * s.archiverTimeoutSeconds) {
    problems.push('sweepAfterSeconds must be at least twice archiverTimeoutSeconds (the lease)');
  }
  if (s.subnetIds.length > 0 !== s.securityGroupIds.length > 0) {
    problems.push('subnetIds and securityGroupIds go together');
  }
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const days = s.transitions.map((t) => t.days);
  if (days.some((day, i) => i > 0 && day <= (days[i - 1] ?? -1))) {
    problems.push('transitions must be in increasing order of days');
  }
  return problems;
}

/**
 * Merges the settings file (if any) with environment overrides and validates the result.
 * @param fileText contents of the settings file, or undefined when there is none.
 */
export function loadSettings(
  fileText: string | undefined,
  env: Record<string, string | undefined>,
): Settings {
  let fromFile: unknown = {};
  if (fileText !== undefined) {
    try {
      fromFile = JSON.parse(fileText);
    } catch (cause) {
      throw new SettingsError(['the settings file is not valid JSON'], { cause });
    }
    if (!isRecord(fromFile)) throw new SettingsError(['the settings file must hold a JSON object']);
  }
  return parseSettings(fromFile, env);
}

/** What a README settings table shows for each declared setting: name, default, meaning. */
export function settingsDoc(
  entries: ReadonlyArray<readonly [string, DeploySetting<unknown>]>,
): ReadonlyArray<readonly [string, string, string]> {
  return entries.map(
    ([key, declaration]) =>
      [
        key,
        declaration.defaultDoc ??
          (declaration.default === undefined ? 'none' : JSON.stringify(declaration.default)),
        declaration.doc,
      ] as const,
  );
}

/** What the README's settings table shows for a setting: name, default, meaning. */
export const SETTINGS_DOC = settingsDoc(ENTRIES);

/** How long the archive keeps what, all derived from `auditRetentionDays`. */
export interface RetentionPlan {
  /** Object Lock default retention, or undefined when no lock is configured. */
  lock: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number } | undefined;
  /** Days after which a current version gets a delete marker, or undefined to keep it. */
  expireCurrentDays: number | undefined;
  /** Days after which a replaced version is deleted (never fewer than the retention). */
  noncurrentDays: number;
  /** Days the server access logs are kept. */
  accessLogDays: number;
}

/**
 * The retention rules of the archive bucket, from the one stated retention: the lock holds every
 * object exactly `auditRetentionDays`, and lifecycle never removes data sooner. Only for a bucket this
 * stack creates (an existing bucket's rules are its owner's).
 */
export function retentionPlan(s: Settings): RetentionPlan {
  const days = s.auditRetentionDays;
  return {
    lock:
      s.createBucket && s.objectLock !== 'off'
        ? { mode: s.objectLock === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', days }
        : undefined,
    expireCurrentDays: s.expireAfterRetention ? days : undefined,
    noncurrentDays: Math.max(s.noncurrentVersionExpiryDays ?? days, days),
    accessLogDays: days,
  };
}

/** SQS visibility timeout: at least 6x the function timeout plus the batching window (AWS guidance). */
export function visibilityTimeoutSeconds(s: Settings): number {
  return 6 * s.archiverTimeoutSeconds + s.batchingWindowSeconds;
}
