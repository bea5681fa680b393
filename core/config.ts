/**
 * Runtime configuration, read once from the environment and validated as a whole: every problem
 * is reported at once, naming the variable and the expected form, so a bad deployment fails on its
 * first invocation with one clear message instead of a crash loop.
 */

import { hasControlCharacters } from './text.js';

export type KeyLayout = 'seed' | 'hive';
export type DownloadPathVersion = 'auto' | 'v19' | 'v13';
export type ObjectDigestMode = 'metadata' | 'tags' | 'none';

export interface ClusterTagSelector {
  key: string;
  value: string;
}

export interface ArchiverConfig {
  region: string;
  table: string;
  queueUrl: string | undefined;
  dlqUrl: string | undefined;
  bucket: string | undefined;
  clusters: string[];
  clusterTag: ClusterTagSelector | undefined;
  logTypes: string[];
  keyLayout: KeyLayout;
  keyPrefix: string;
  settleMs: number;
  leaseMs: number;
  sweepAfterMs: number;
  maxAttempts: number;
  retentionMs: number;
  gzipLevel: number;
  partSizeBytes: number;
  uploadConcurrency: number;
  downloadPath: DownloadPathVersion;
  objectDigest: ObjectDigestMode;
}

/** What one use case needs on top of the always-required settings. */
export type ConfigNeed = 'discover' | 'archive' | 'run' | 'operate';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Documented settings: name, default, meaning. The README table is generated from the same words. */
export const CONFIG_VARIABLES = [
  ['AWS_REGION', '(required)', 'Region of the RDS instances, table, queue and bucket.'],
  ['ARCHIVER_TABLE', '(required)', 'DynamoDB ledger table name.'],
  ['ARCHIVER_QUEUE_URL', '(discoverer)', 'SQS archive queue URL.'],
  [
    'ARCHIVER_DLQ_URL',
    '(archiver)',
    'SQS dead-letter queue URL (malformed messages are sent here with a reason).',
  ],
  ['ARCHIVER_BUCKET', '(archiver)', 'S3 bucket for the archive.'],
  ['ARCHIVER_CLUSTERS', '', 'Comma-separated DB cluster identifiers to archive.'],
  ['ARCHIVER_CLUSTER_TAG', '', 'Also archive clusters carrying this tag, as `key=value`.'],
  [
    'ARCHIVER_LOG_TYPES',
    'audit/',
    'Comma-separated log file name prefixes to archive (e.g. `audit/,error/`).',
  ],
  [
    'ARCHIVER_KEY_LAYOUT',
    'seed',
    '`seed`: `{cluster}/audit/YYYY/MM/DD/HH/{instance}/{file}.gz`; `hive`: `cluster=/log_type=/dt=/instance=`.',
  ],
  ['ARCHIVER_KEY_PREFIX', '', 'Prefix for every object key (e.g. `rds-logs/`).'],
  ['ARCHIVER_SETTLE_SECONDS', '300', 'A live (newest) file is archived once it has been quiet this long.'],
  [
    'ARCHIVER_LEASE_SECONDS',
    '900',
    'How long an archiver claim holds; at least the archiver Lambda timeout.',
  ],
  ['ARCHIVER_SWEEP_AFTER_SECONDS', '1800', 'Queued work whose state has not moved this long is sent again.'],
  ['ARCHIVER_MAX_ATTEMPTS', '5', 'Attempts before a file is FAILED; equal to the queue maxReceiveCount.'],
  [
    'ARCHIVER_RETENTION_HOURS',
    '24',
    'Log retention on the instances; a longer gap between listings is a coverage hole.',
  ],
  ['ARCHIVER_GZIP_LEVEL', '6', 'gzip level 1-9.'],
  [
    'ARCHIVER_PART_SIZE_MB',
    '5',
    'Multipart upload part size (5-512 MiB); memory is part size x concurrency. 5 MiB x 10,000 parts allows 48 GiB of gzip per file.',
  ],
  [
    'ARCHIVER_UPLOAD_CONCURRENCY',
    '2',
    'Parts uploaded in parallel (1-16). gzip output (~9 MB/s) is far below what two parts carry; more only costs memory.',
  ],
  [
    'ARCHIVER_DOWNLOAD_PATH',
    'auto',
    '`auto` tries `/v19/` then falls back to `/v13/`; or force `v19` / `v13`.',
  ],
  [
    'ARCHIVER_OBJECT_DIGEST',
    'metadata',
    'Where the source SHA-256 goes on the object: `metadata` (a copy onto itself; any S3 store), `tags` (no copy, no extra version; AWS), `none`.',
  ],
] as const;

/**
 * Parses and validates the configuration.
 * @param env usually `process.env`
 * @param need which use case runs: it decides which of queue, DLQ, bucket and clusters are required
 * @throws ConfigError listing every problem found
 */
export function loadConfig(env: Env, need: ConfigNeed): ArchiverConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);

  const region = reader.string('AWS_REGION', env.AWS_DEFAULT_REGION) ?? '';
  if (!region) problems.push('AWS_REGION is required (for example `us-east-1`).');
  const table = reader.required('ARCHIVER_TABLE', 'a DynamoDB table name');
  const discovers = need === 'discover' || need === 'run';
  const archives = need === 'archive' || need === 'run';
  const queueUrl = reader.url('ARCHIVER_QUEUE_URL', discovers);
  const dlqUrl = reader.url('ARCHIVER_DLQ_URL', archives);
  const bucket = reader.string('ARCHIVER_BUCKET');
  if (archives && !bucket) problems.push('ARCHIVER_BUCKET is required: the S3 bucket to archive into.');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    problems.push(`ARCHIVER_BUCKET must be a valid S3 bucket name, got "${bucket}".`);
  }

  const clusters = reader.list('ARCHIVER_CLUSTERS', []);
  for (const id of clusters) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(id)) {
      problems.push(`ARCHIVER_CLUSTERS: "${id}" is not a DB cluster identifier (letters, digits, hyphens).`);
    }
  }
  const clusterTag = reader.tag('ARCHIVER_CLUSTER_TAG');
  // The archiver needs the selection too: it refuses files of clusters outside it.
  if ((discovers || archives) && clusters.length === 0 && !clusterTag) {
    problems.push(
      'Set ARCHIVER_CLUSTERS (comma list) and/or ARCHIVER_CLUSTER_TAG (key=value): nothing to archive.',
    );
  }
  const logTypes = reader.list('ARCHIVER_LOG_TYPES', ['audit/']);
  for (const type of logTypes) {
    if (type.startsWith('/') || type.includes('..'))
      problems.push(`ARCHIVER_LOG_TYPES: "${type}" is not a log prefix.`);
  }

  const keyLayout = reader.oneOf('ARCHIVER_KEY_LAYOUT', ['seed', 'hive'] as const, 'seed');
  const keyPrefix = reader.string('ARCHIVER_KEY_PREFIX') ?? '';
  // Same rule as objectKey's prefix check (s3-keys.ts): a prefix it would refuse must fail here,
  // at deployment, not on every file at run time.
  if (
    keyPrefix &&
    (keyPrefix.startsWith('/') ||
      keyPrefix.includes('..') ||
      keyPrefix.split('/').includes('.') ||
      hasControlCharacters(keyPrefix))
  ) {
    problems.push(
      'ARCHIVER_KEY_PREFIX must not start with "/" or contain "..", a "." segment or control characters.',
    );
  }

  const config: ArchiverConfig = {
    region,
    table: table ?? '',
    queueUrl,
    dlqUrl,
    bucket,
    clusters,
    clusterTag,
    logTypes,
    keyLayout,
    keyPrefix: keyPrefix && !keyPrefix.endsWith('/') ? `${keyPrefix}/` : keyPrefix,
    settleMs: reader.int('ARCHIVER_SETTLE_SECONDS', 300, 0, 86_400) * 1000,
    leaseMs: reader.int('ARCHIVER_LEASE_SECONDS', 900, 10, 43_200) * 1000,
    sweepAfterMs: reader.int('ARCHIVER_SWEEP_AFTER_SECONDS', 1800, 10, 86_400 * 7) * 1000,
    maxAttempts: reader.int('ARCHIVER_MAX_ATTEMPTS', 5, 1, 1000),
    retentionMs: reader.int('ARCHIVER_RETENTION_HOURS', 24, 1, 24 * 90) * 3_600_000,
    gzipLevel: reader.int('ARCHIVER_GZIP_LEVEL', 6, 1, 9),
    partSizeBytes: reader.int('ARCHIVER_PART_SIZE_MB', 5, 5, 512) * 1024 * 1024,
    uploadConcurrency: reader.int('ARCHIVER_UPLOAD_CONCURRENCY', 2, 1, 16),
    downloadPath: reader.oneOf('ARCHIVER_DOWNLOAD_PATH', ['auto', 'v19', 'v13'] as const, 'auto'),
    objectDigest: reader.oneOf('ARCHIVER_OBJECT_DIGEST', ['metadata', 'tags', 'none'] as const, 'metadata'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Small typed readers that collect problems instead of throwing at the first one. */
class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  string(name: string, fallback?: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw ? raw : fallback;
  }

  required(name: string, what: string): string | undefined {
    const value = this.string(name);
    if (!value) this.problems.push(`${name} is required: ${what}.`);
    return value;
  }

  url(name: string, required: boolean): string | undefined {
    const value = this.string(name);
    if (!value) {
      if (required)
        this.problems.push(
          `${name} is required: an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>).`,
        );
      return undefined;
    }
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    } catch {
      this.problems.push(`${name} must be a URL, got "${value}".`);
    }
    return value;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  }

  tag(name: string): ClusterTagSelector | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const at = raw.indexOf('=');
    if (at <= 0) {
      this.problems.push(`${name} must be \`key=value\`, got "${raw}".`);
      return undefined;
    }
    return { key: raw.slice(0, at).trim(), value: raw.slice(at + 1).trim() };
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      this.problems.push(`${name} must be from ${min} to ${max}, got ${value}.`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${choices.join(', ')}, got "${raw}".`);
    return fallback;
  }
}
