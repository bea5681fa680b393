/**
 * The ledger's records and their keys (see table.ts for the physical layout). How a file record
 * moves between states is declared once, in transitions.ts (rendered for people in the README).
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
  /**
   * The live files as this discoverer saw them, by name: how it judges a file quiet without
   * comparing RDS's LastWritten with its own clock. Rides on the heartbeat, so costs no write.
   */
  observed?: Record<string, Observation>;
}

/** Size and LastWritten of a live file as listed, and since when (discoverer's clock) they are unchanged. */
export interface Observation {
  size: number;
  lastWritten: number;
  since: number;
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

/** What names one file record: today the instance and the file's name (see `keys.activeFile`). */
export interface FileKey {
  instance: string;
  logFileName: string;
}

/** A table item's primary key. */
export interface TableKey {
  pk: string;
  sk: string;
}

export const keys = {
  activePk: (instance: string) => `I#${instance}`,
  retiredPk: (instance: string) => `H#${instance}`,
  fileSk: (logFileName: string) => `F#${logFileName}`,
  /** The table key of a file's record in the active partition. */
  activeFile: (file: FileKey): TableKey => ({
    pk: keys.activePk(file.instance),
    sk: keys.fileSk(file.logFileName),
  }),
  /** The table key of a file's record once retired to the history partition. */
  retiredFile: (file: FileKey): TableKey => ({
    pk: keys.retiredPk(file.instance),
    sk: keys.fileSk(file.logFileName),
  }),
  /** Whether a sort key names a file record (not the heartbeat or a gap). */
  isFileSk: (sk: string): boolean => sk.startsWith('F#'),
  /** Whether a record was read from the history partition. */
  isRetired: (record: Pick<FileRecord, 'pk' | 'instance'>): boolean =>
    record.pk === keys.retiredPk(record.instance),
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
