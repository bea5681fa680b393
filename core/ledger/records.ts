/**
 * The ledger's records and their keys (see table.ts for the physical layout).
 *
 * State machine of one log file (every arrow is one conditional write; `g` = generation):
 *
 * ```
 *            discoverer: first seen, live & not settled              discoverer: settled / rotated
 *   (none) ──────────────────────────────────────────────> seen ─────────────────────────────┐
 *      │      discoverer: first seen, final or settled                                       v
 *      └────────────────────────────────────────────────────────────────────────────────> queued <──┐
 *                                                                                             │      │ archiver: retryable error
 *   archiver claim (g matches; queued, failed, or archiving with an expired lease) ──> archiving ───┘ (attempt < max)
 *                                                                                             │
 *          archiver: bytes >= listed size, object uploaded ──> archived ──(grew: g+1)──> seen | queued
 *          archiver: last attempt failed ──> failed ──(operator redrive)──> queued
 *          archiver: download says not found / discoverer: gone from 2 listings ──> lost
 * ```
 * Sweeps: queued too long, or archiving with an expired lease, is sent again (queued).
 * Archived and lost files that RDS no longer lists are retired to the history partition.
 */

export const FILE_STATES = ['seen', 'queued', 'archiving', 'archived', 'failed', 'lost'] as const;
export type FileState = (typeof FILE_STATES)[number];

/** States that have an entry in the by-state index (archived files drop out: the index stays small). */
export const INDEXED_STATES: readonly FileState[] = ['seen', 'queued', 'archiving', 'failed', 'lost'];

export interface FileRecord {
  pk: string;
  sk: string;
  cluster: string;
  instance: string;
  logFileName: string;
  logType: string;
  /** Start of the file's hour (epoch ms), fixed at first sight; decides the object key. */
  hour: number;
  s3Key: string;
  generation: number;
  state: FileState;
  /** Size and LastWritten as listed when the current generation was recorded. */
  listedSize: number;
  lastWritten: number;
  firstSeenAt: number;
  stateSince: number;
  updatedAt: number;
  /** Consecutive non-empty listings that did not include this file. */
  missingListings: number;
  /** Attempts on the current generation. */
  attempts: number;
  lastError?: string;
  leaseOwner?: string;
  leaseUntil?: number;
  archivedGeneration?: number;
  archivedBytes?: number;
  archivedGzipBytes?: number;
  archivedSha256?: string;
  archivedEtag?: string;
  archivedVersionId?: string;
  archivedAt?: number;
  archivedLastWritten?: number;
  lostReason?: string;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk: string;
  gsi2sk: string;
}

export interface InstanceMeta {
  pk: string;
  sk: typeof META_SK;
  cluster: string;
  instance: string;
  firstListedAt: number;
  lastListedAt: number;
  lastListedCount: number;
  retentionMs: number;
  gsi1pk: typeof INSTANCES_PK;
  gsi1sk: string;
}

/** A period in which an instance was not listed for longer than its log retention. */
export interface ListingGap {
  pk: string;
  sk: string;
  cluster: string;
  instance: string;
  from: number;
  to: number;
  retentionMs: number;
  gsi2pk: string;
  gsi2sk: string;
}

export const META_SK = '#META';
export const INSTANCES_PK = 'INSTANCES';

export const keys = {
  activePk: (instance: string) => `I#${instance}`,
  retiredPk: (instance: string) => `H#${instance}`,
  fileSk: (logFileName: string) => `F#${logFileName}`,
  gapSk: (from: number) => `GAP#${iso(from)}`,
  statePk: (state: FileState) => `S#${state}`,
  stateSk: (since: number, instance: string, logFileName: string) =>
    `${iso(since)}#${instance}#${logFileName}`,
  clusterTypePk: (cluster: string, logType: string) => `C#${cluster}#${logType}`,
  clusterHourSk: (hour: number, instance: string, logFileName: string) =>
    `${iso(hour)}#${instance}#${logFileName}`,
  clusterGapsPk: (cluster: string) => `C#${cluster}#GAPS`,
  gapIndexSk: (from: number, instance: string) => `${iso(from)}#${instance}`,
  instanceSk: (cluster: string, instance: string) => `${cluster}#${instance}`,
};

/** The by-state index attributes for a state (undefined for archived: it leaves the index). */
export function stateIndex(
  state: FileState,
  since: number,
  instance: string,
  logFileName: string,
): { gsi1pk: string; gsi1sk: string } | undefined {
  if (!INDEXED_STATES.includes(state)) return undefined;
  return { gsi1pk: keys.statePk(state), gsi1sk: keys.stateSk(since, instance, logFileName) };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
