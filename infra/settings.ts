/**
 * Deployment settings: one typed object, read from a JSON file and/or `ARCHIVER_DEPLOY_*` environment
 * variables, filled with defaults and validated before anything is synthesized. A wrong setting fails
 * the synth with every problem listed, instead of failing half-way through `terraform apply`.
 */

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

export type ObjectLockSettings = { mode: 'off' } | { mode: 'governance' | 'compliance'; days: number };

/** Everything a deployment can choose. */
export interface Settings {
  /** Prefix of every resource name; also the stack name. */
  name: string;
  region: string;
  /** Clusters to archive, by identifier. Either this or `clusterTag`. */
  clusters: string[];
  /** Archive every cluster carrying this tag (`key=value`). Either this or `clusters`. */
  clusterTag: string | undefined;
  /** Log file name prefixes to archive. */
  logTypes: string[];
  /** Create the bucket (true) or use the existing bucket `bucketName` (false). */
  createBucket: boolean;
  /** Bucket name; when creating and empty, Terraform generates one from `name`. */
  bucketName: string | undefined;
  keyLayout: 'seed' | 'hive';
  /** Prefix of every archived key: empty, or ending in `/`. */
  keyPrefix: string;
  /** The discoverer runs every this many minutes. */
  scheduleMinutes: number;
  /** A live file must be quiet this long before it is archived. */
  settleSeconds: number;
  /** Work whose state has not moved for this long is re-sent by the discoverer. */
  sweepAfterSeconds: number;
  /** How long RDS keeps the log files (coverage gaps are judged against it). */
  rdsLogRetentionHours: number;
  architecture: 'arm64' | 'x86_64';
  archiverMemoryMb: number;
  archiverTimeoutSeconds: number;
  discovererMemoryMb: number;
  discovererTimeoutSeconds: number;
  batchSize: number;
  batchingWindowSeconds: number;
  maxConcurrency: number;
  maxReceiveCount: number;
  transitions: StorageTransition[];
  noncurrentVersionExpiryDays: number;
  objectLock: ObjectLockSettings;
  kmsKeyArn: string | undefined;
  subnetIds: string[];
  securityGroupIds: string[];
  alarmEmail: string | undefined;
  logRetentionDays: number;
  /** Alarm when the oldest queued message is older than this. */
  oldestMessageAlarmSeconds: number;
}

/** The settings used when nothing is configured. */
export const DEFAULT_SETTINGS: Settings = {
  name: 'rds-log-archiver',
  region: 'us-east-1',
  clusters: [],
  // Opt-in by tag: nothing is archived until an operator tags a cluster (or lists clusters).
  clusterTag: 'rds-log-archiver=enabled',
  logTypes: ['audit/'],
  createBucket: true,
  bucketName: undefined,
  keyLayout: 'seed',
  keyPrefix: '',
  scheduleMinutes: 5,
  settleSeconds: 300,
  sweepAfterSeconds: 1800,
  rdsLogRetentionHours: 24,
  architecture: 'arm64',
  // 1 GB gives a full vCPU share for gzip; 10 minutes covers a 100 MB file many times over.
  archiverMemoryMb: 1024,
  archiverTimeoutSeconds: 600,
  discovererMemoryMb: 512,
  discovererTimeoutSeconds: 120,
  batchSize: 4,
  batchingWindowSeconds: 0,
  maxConcurrency: 5,
  maxReceiveCount: 5,
  // GLACIER_IR keeps objects readable by Athena; GLACIER / DEEP_ARCHIVE would need a restore first.
  transitions: [
    { days: 30, storageClass: 'STANDARD_IA' },
    { days: 90, storageClass: 'GLACIER_IR' },
  ],
  noncurrentVersionExpiryDays: 30,
  objectLock: { mode: 'off' },
  kmsKeyArn: undefined,
  subnetIds: [],
  securityGroupIds: [],
  alarmEmail: undefined,
  logRetentionDays: 30,
  oldestMessageAlarmSeconds: 3600,
};

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

type Kind = 'string' | 'int' | 'bool' | 'list';

/** Settings that can also come from the environment, and how their text is read. */
const ENV_KINDS: Partial<Record<keyof Settings, Kind>> = {
  name: 'string',
  region: 'string',
  clusters: 'list',
  clusterTag: 'string',
  logTypes: 'list',
  createBucket: 'bool',
  bucketName: 'string',
  keyLayout: 'string',
  keyPrefix: 'string',
  scheduleMinutes: 'int',
  settleSeconds: 'int',
  sweepAfterSeconds: 'int',
  rdsLogRetentionHours: 'int',
  architecture: 'string',
  archiverMemoryMb: 'int',
  archiverTimeoutSeconds: 'int',
  discovererMemoryMb: 'int',
  discovererTimeoutSeconds: 'int',
  batchSize: 'int',
  batchingWindowSeconds: 'int',
  maxConcurrency: 'int',
  maxReceiveCount: 'int',
  noncurrentVersionExpiryDays: 'int',
  kmsKeyArn: 'string',
  subnetIds: 'list',
  securityGroupIds: 'list',
  alarmEmail: 'string',
  logRetentionDays: 'int',
  oldestMessageAlarmSeconds: 'int',
};

/** `archiverTimeoutSeconds` -> `ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS`. */
export function envName(key: string): string {
  return `ARCHIVER_DEPLOY_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function readEnvValue(kind: Kind, text: string): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'int':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'list':
      return text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
  }
}

/**
 * The settings overrides found in the environment: every `ARCHIVER_DEPLOY_<KEY>` of a flat setting,
 * plus `ARCHIVER_DEPLOY_OBJECT_LOCK` as `off`, `governance:<days>` or `compliance:<days>`.
 */
export function settingsFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(ENV_KINDS) as [keyof Settings, Kind][]) {
    const text = env[envName(key)];
    if (text !== undefined) out[key] = readEnvValue(kind, text);
  }
  const lock = env[envName('objectLock')];
  if (lock !== undefined) {
    const [mode, days] = lock.split(':');
    out.objectLock = { mode, ...(days === undefined ? {} : { days: Number(days) }) };
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems while reading one untyped input. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly input: Record<string, unknown>) {}

  private has(key: keyof Settings): boolean {
    return this.input[key] !== undefined;
  }

  string(key: keyof Settings, fallback: string, pattern?: RegExp, hint?: string): string {
    if (!this.has(key)) return fallback;
    const value = this.input[key];
    if (typeof value !== 'string') {
      this.problems.push(`${key} must be a string`);
      return fallback;
    }
    if (pattern && !pattern.test(value)) this.problems.push(`${key} ${hint ?? `must match ${pattern}`}`);
    return value;
  }

  optionalString(key: keyof Settings, fallback: string | undefined, pattern?: RegExp, hint?: string) {
    if (!this.has(key)) return fallback;
    const value = this.string(key, '', pattern, hint);
    return value === '' ? undefined : value;
  }

  int(key: keyof Settings, fallback: number, min: number, max: number): number {
    if (!this.has(key)) return fallback;
    const value = this.input[key];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.problems.push(`${key} must be an integer`);
      return fallback;
    }
    if (value < min || value > max)
      this.problems.push(`${key} must be between ${min} and ${max} (got ${value})`);
    return value;
  }

  bool(key: keyof Settings, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const value = this.input[key];
    if (typeof value !== 'boolean') {
      this.problems.push(`${key} must be true or false`);
      return fallback;
    }
    return value;
  }

  list(key: keyof Settings, fallback: string[], pattern?: RegExp, hint?: string): string[] {
    if (!this.has(key)) return fallback;
    const value = this.input[key];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.problems.push(`${key} must be a list of strings`);
      return fallback;
    }
    for (const item of value) {
      if (pattern && !pattern.test(item))
        this.problems.push(`${key}: "${item}" ${hint ?? `must match ${pattern}`}`);
    }
    return value;
  }

  oneOf<T extends string>(key: keyof Settings, fallback: T, allowed: readonly T[]): T {
    const value = this.string(key, fallback);
    if (!allowed.includes(value as T)) {
      this.problems.push(`${key} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  transitions(fallback: StorageTransition[]): StorageTransition[] {
    if (!this.has('transitions')) return fallback;
    const value = this.input.transitions;
    if (!Array.isArray(value)) {
      this.problems.push('transitions must be a list of { days, storageClass }');
      return fallback;
    }
    const out: StorageTransition[] = [];
    for (const item of value) {
      const ok =
        isRecord(item) &&
        typeof item.days === 'number' &&
        Number.isInteger(item.days) &&
        item.days >= 0 &&
        STORAGE_CLASSES.includes(item.storageClass as StorageClass);
      if (!ok) {
        this.problems.push(
          `transitions: ${JSON.stringify(item)} must be { days: integer >= 0, storageClass: ${STORAGE_CLASSES.join(' | ')} }`,
        );
        continue;
      }
      out.push({ days: item.days as number, storageClass: item.storageClass as StorageClass });
    }
    return out;
  }

  objectLock(fallback: ObjectLockSettings): ObjectLockSettings {
    if (!this.has('objectLock')) return fallback;
    const value = this.input.objectLock;
    if (isRecord(value) && value.mode === 'off') return { mode: 'off' };
    if (
      isRecord(value) &&
      (value.mode === 'governance' || value.mode === 'compliance') &&
      typeof value.days === 'number' &&
      Number.isInteger(value.days) &&
      value.days >= 1 &&
      value.days <= 36500
    ) {
      return { mode: value.mode, days: value.days };
    }
    this.problems.push(
      'objectLock must be { mode: "off" } or { mode: "governance" | "compliance", days: 1..36500 }',
    );
    return fallback;
  }
}

const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;
const TAG = /^[^=]+=.*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^$|^[^/].*\/$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;
const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Reads and validates settings from untyped input (a parsed file merged with environment overrides);
 * anything missing takes its default.
 * @throws SettingsError listing every problem found.
 */
export function parseSettings(input: unknown): Settings {
  if (!isRecord(input)) throw new SettingsError(['settings must be a JSON object']);
  const known = new Set(Object.keys(DEFAULT_SETTINGS));
  const unknown = Object.keys(input).filter((key) => !known.has(key) && !key.startsWith('$'));
  const r = new Reader(input);
  const d = DEFAULT_SETTINGS;
  const settings: Settings = {
    name: r.string('name', d.name, NAME, 'must be 3-32 lower-case letters, digits or dashes'),
    region: r.string('region', d.region, REGION, 'must look like us-east-1'),
    clusters: r.list('clusters', d.clusters, IDENTIFIER, 'is not a DB cluster identifier'),
    clusterTag: r.optionalString('clusterTag', d.clusterTag, TAG, 'must be key=value'),
    logTypes: r.list('logTypes', d.logTypes, /^[a-z][a-z0-9_-]*\/$/, 'must be a folder prefix like audit/'),
    createBucket: r.bool('createBucket', d.createBucket),
    bucketName: r.optionalString('bucketName', d.bucketName, BUCKET, 'is not a valid S3 bucket name'),
    keyLayout: r.oneOf('keyLayout', d.keyLayout, ['seed', 'hive'] as const),
    keyPrefix: r.string('keyPrefix', d.keyPrefix, KEY_PREFIX, 'must be empty or end with / (no leading /)'),
    scheduleMinutes: r.int('scheduleMinutes', d.scheduleMinutes, 1, 60),
    settleSeconds: r.int('settleSeconds', d.settleSeconds, 0, 86_400),
    sweepAfterSeconds: r.int('sweepAfterSeconds', d.sweepAfterSeconds, 60, 86_400),
    rdsLogRetentionHours: r.int('rdsLogRetentionHours', d.rdsLogRetentionHours, 1, 24 * 30),
    architecture: r.oneOf('architecture', d.architecture, ['arm64', 'x86_64'] as const),
    archiverMemoryMb: r.int('archiverMemoryMb', d.archiverMemoryMb, 256, 10_240),
    archiverTimeoutSeconds: r.int('archiverTimeoutSeconds', d.archiverTimeoutSeconds, 30, 900),
    discovererMemoryMb: r.int('discovererMemoryMb', d.discovererMemoryMb, 128, 10_240),
    discovererTimeoutSeconds: r.int('discovererTimeoutSeconds', d.discovererTimeoutSeconds, 10, 900),
    batchSize: r.int('batchSize', d.batchSize, 1, 10_000),
    batchingWindowSeconds: r.int('batchingWindowSeconds', d.batchingWindowSeconds, 0, 300),
    maxConcurrency: r.int('maxConcurrency', d.maxConcurrency, 2, 1000),
    maxReceiveCount: r.int('maxReceiveCount', d.maxReceiveCount, 5, 1000),
    transitions: r.transitions(d.transitions),
    noncurrentVersionExpiryDays: r.int(
      'noncurrentVersionExpiryDays',
      d.noncurrentVersionExpiryDays,
      1,
      36_500,
    ),
    objectLock: r.objectLock(d.objectLock),
    kmsKeyArn: r.optionalString('kmsKeyArn', d.kmsKeyArn, KMS_ARN, 'must be a KMS key ARN'),
    subnetIds: r.list('subnetIds', d.subnetIds, SUBNET, 'is not a subnet id'),
    securityGroupIds: r.list(
      'securityGroupIds',
      d.securityGroupIds,
      SECURITY_GROUP,
      'is not a security group id',
    ),
    alarmEmail: r.optionalString('alarmEmail', d.alarmEmail, EMAIL, 'is not an e-mail address'),
    logRetentionDays: r.int('logRetentionDays', d.logRetentionDays, 1, 3653),
    oldestMessageAlarmSeconds: r.int('oldestMessageAlarmSeconds', d.oldestMessageAlarmSeconds, 60, 1_209_600),
  };
  // An explicit cluster list replaces the default tag selector.
  if (settings.clusters.length > 0 && input.clusterTag === undefined) settings.clusterTag = undefined;
  const problems = [
    ...unknown.map((key) => `unknown setting "${key}"`),
    ...r.problems,
    ...crossChecks(settings, input),
  ];
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Rules that tie several settings together. */
function crossChecks(s: Settings, input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (s.clusters.length > 0 && input.clusterTag !== undefined && s.clusterTag !== undefined) {
    problems.push('choose either clusters or clusterTag, not both');
  }
  if (s.clusters.length === 0 && s.clusterTag === undefined) problems.push('set clusters or clusterTag');
  if (s.logTypes.length === 0) problems.push('logTypes must not be empty');
  if (!s.createBucket && s.bucketName === undefined) problems.push('createBucket=false needs bucketName');
  if (!s.createBucket && s.objectLock.mode !== 'off') {
    problems.push('objectLock can only be set on a bucket this stack creates');
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
  return parseSettings({ ...(fromFile as Record<string, unknown>), ...settingsFromEnv(env) });
}

/** SQS visibility timeout: at least 6x the function timeout plus the batching window (AWS guidance). */
export function visibilityTimeoutSeconds(s: Settings): number {
  return 6 * s.archiverTimeoutSeconds + s.batchingWindowSeconds;
}
