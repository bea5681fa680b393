/**
 * Fixtures for unit tests: listed log files, ledger records, plan inputs, environments and a
 * seeded PRNG. Pure (no I/O); every factory takes overrides so a test states only what it is about.
 */

import type { ListedFile, PlanInput } from '../../core/discovery-plan.js';
import type { FileRecord, FileState } from '../../core/ledger/records.js';
import { keys, stateIndex } from '../../core/ledger/records.js';
import { fileHour, logTypeOf } from '../../core/log-files.js';
import { objectKey } from '../../core/s3-keys.js';

/** A fixed "now" for tests: 2024-10-01T13:30:00Z. */
export const T0 = Date.UTC(2024, 9, 1, 13, 30);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export const CLUSTER = 'orders-db';
export const INSTANCE = 'orders-db-1';

/** An Aurora MySQL audit file name: `audit/audit.log.<writer>.<YYYY-MM-DD-HH-MM>.<n>`. */
export function auroraAuditName(writer: number, at: number, n = 1): string {
  const d = new Date(at);
  const p = (v: number) => String(v).padStart(2, '0');
  const ts = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}`;
  return `audit/audit.log.${writer}.${ts}.${n}`;
}

/** One file as DescribeDBLogFiles lists it (defaults: 1 KiB, last written an hour before T0). */
export function listedFile(
  logFileName: string,
  overrides: Partial<Omit<ListedFile, 'logFileName'>> = {},
): ListedFile {
  return { logFileName, size: 1024, lastWritten: T0 - HOUR, ...overrides };
}

/**
 * A ledger record for a file as the discoverer would have created it, in any state.
 * Defaults: generation 1, listed 1 KiB, state since one minute before T0, seed key layout.
 */
export function fileRecord(
  logFileName: string,
  overrides: Partial<FileRecord> & { state?: FileState } = {},
): FileRecord {
  const state = overrides.state ?? 'queued';
  const lastWritten = overrides.lastWritten ?? T0 - HOUR;
  const stateSince = overrides.stateSince ?? T0 - MINUTE;
  const cluster = overrides.cluster ?? CLUSTER;
  const instance = overrides.instance ?? INSTANCE;
  const hour = overrides.hour ?? fileHour(logFileName, lastWritten);
  const logType = logTypeOf(logFileName);
  return {
    pk: keys.activePk(instance),
    sk: keys.fileSk({ instance, logFileName }),
    cluster,
    instance,
    logFileName,
    logType,
    hour,
    s3Key: objectKey({ layout: 'seed', prefix: '', cluster, instance, logFileName, hour }),
    generation: 1,
    state,
    listedSize: 1024,
    lastWritten,
    firstSeenAt: stateSince,
    stateSince,
    updatedAt: stateSince,
    missingListings: 0,
    attempts: 0,
    ...stateIndex(state, stateSince, { instance, logFileName }),
    gsi2pk: keys.clusterTypePk(cluster, logType),
    gsi2sk: keys.clusterHourSk(hour, { instance, logFileName }),
    ...overrides,
  };
}

/** An archived record: the archiver recorded `archivedBytes` equal to the listed size. */
export function archivedRecord(logFileName: string, overrides: Partial<FileRecord> = {}): FileRecord {
  const listedSize = overrides.listedSize ?? 1024;
  return fileRecord(logFileName, {
    state: 'archived',
    listedSize,
    archivedGeneration: overrides.generation ?? 1,
    archivedBytes: listedSize,
    archivedGzipBytes: Math.ceil(listedSize / 8),
    archivedSha256: '0'.repeat(64),
    archivedEtag: '"etag"',
    archivedAt: overrides.stateSince ?? T0 - MINUTE,
    ...overrides,
  });
}

/**
 * A content item (a content of a rotating family, or a later content of a unique name), as the
 * discoverer would have created it: `C#<stream>#<contentId>`, keyed by its first LastWritten.
 */
export function contentItem(
  stream: string,
  contentId: string,
  overrides: Partial<FileRecord> & { state?: FileState } = {},
): FileRecord {
  const logFileName = overrides.logFileName ?? stream;
  const instance = overrides.instance ?? INSTANCE;
  const cluster = overrides.cluster ?? CLUSTER;
  const state = overrides.state ?? 'queued';
  const stateSince = overrides.stateSince ?? T0 - MINUTE;
  const lastWritten = overrides.lastWritten ?? T0 - HOUR;
  const hour = overrides.hour ?? lastWritten - (lastWritten % HOUR);
  const key = { instance, logFileName, stream, contentId };
  const logType = logTypeOf(logFileName);
  return {
    ...fileRecord(logFileName, { ...overrides, instance, cluster, state, stateSince, lastWritten, hour }),
    sk: keys.fileSk(key),
    stream,
    contentId,
    s3Key: objectKey({
      layout: 'seed',
      prefix: '',
      cluster,
      instance,
      logFileName,
      hour,
      content: { stream, contentId },
    }),
    ...stateIndex(state, stateSince, key),
    gsi2pk: keys.clusterTypePk(cluster, logType),
    gsi2sk: keys.clusterHourSk(hour, key),
    ...overrides,
  };
}

/** Input for `planInstance` (settle 5 min, sweep 30 min, seed layout, now = T0). */
export function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    cluster: CLUSTER,
    instance: INSTANCE,
    listing: [],
    ledger: [],
    now: T0,
    settleMs: 5 * MINUTE,
    sweepAfterMs: 30 * MINUTE,
    keyLayout: 'seed',
    keyPrefix: '',
    ...overrides,
  };
}

/** The least environment `loadConfig` accepts for every need. */
export function validEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AWS_REGION: 'us-east-1',
    ARCHIVER_TABLE: 'archiver-ledger',
    ARCHIVER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/archive',
    ARCHIVER_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/archive-dlq',
    ARCHIVER_BUCKET: 'audit-archive',
    ARCHIVER_CLUSTERS: 'orders-db',
    ...overrides,
  };
}

/** A small seeded PRNG (mulberry32): property-style tests are reproducible from their seed. */
export { seededRandom } from '../../core/random.js';
