/**
 * The ledger's records and their keys (see table.ts for the physical layout). How a file record
 * moves between states is declared once, in transitions.ts (rendered for people in the README).
 */

import type { RetentionByType } from '../retention.js';

export const FILE_STATES = ['seen', 'queued', 'archiving', 'archived', 'failed', 'lost'] as const;
export type FileState = (typeof FILE_STATES)[number];

/** States that have an entry in the by-state index (archived files drop out: the index stays small). */
export const INDEXED_STATES: readonly FileState[] = ['seen', 'queued', 'archiving', 'failed', 'lost'];

export interface FileRecord {
  pk: string;
  sk: string;
  /** The group: the DB cluster, or the instance itself when it is standalone (`standalone`). */
  cluster: string;
  instance: string;
  /** Set on files of an instance in no DB cluster (their `cluster` is the instance id). */
  standalone?: true;
  /**
   * The file's name; for a content item (`contentId` set), the name it had when first seen: the
   * name it has now may differ (see core/log-streams.ts).
   */
  logFileName: string;
  /** Content items only: the family (its live name), or the unique name whose content changed. */
  stream?: string;
  /** Content items only: fixed at first sight, unique within the stream (`C#<stream>#<contentId>`). */
  contentId?: string;
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
  /** The (Size, LastWritten) the archived bytes were checked against (see core/log-streams.ts). */
  archivedListedSize?: number;
  archivedLastWritten?: number;
  /** The name the archived generation was downloaded from. */
  archivedName?: string;
  lostReason?: string;
  /** When its bytes were found to be other content than what it held (a prefix mismatch). */
  divergedAt?: number;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk: string;
  gsi2sk: string;
}

export interface InstanceMeta {
  pk: string;
  sk: typeof META_SK;
  /** The group: the DB cluster, or the instance itself when it is standalone. */
  cluster: string;
  instance: string;
  standalone?: true;
  firstListedAt: number;
  lastListedAt: number;
  lastListedCount: number;
  /**
   * The shortest log retention of the instance (core/retention.ts): a longer gap between listings
   * is recorded. Records from before engines were known carry only this: every log type's then.
   */
  retentionMs: number;
  /** The engine, as RDS names it (absent on records from before engines were recorded). */
  engine?: string;
  /** The retention per log type this listing was made under (core/retention.ts). */
  retention?: RetentionByType;
  gsi1pk: typeof INSTANCES_PK;
  gsi1sk: string;
  /**
   * The live files as this discoverer saw them, by name: how it judges a file quiet without
   * comparing RDS's LastWritten with its own clock. Rides on the heartbeat, so costs no write.
   */
  observed?: Record<string, Observation>;
  /**
   * For each rotating family (core/log-streams.ts), the most rotated files it has listed at once:
   * whether it may be full, when that decides where a content went.
   */
  families?: Record<string, number>;
  /** The discovery lease: one discoverer at a time decides the identities of an instance's contents. */
  leaseOwner?: string;
  leaseUntil?: number;
  /**
   * RDS events of the instance are read from here on (epoch ms, RDS's clock): the date of the
   * newest event read so far (see core/deletion-events.ts). Rides on the heartbeat.
   */
  eventsCursor?: number;
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
  /** The shortest retention when it was recorded (the only one on records from before engines). */
  retentionMs: number;
  /** The retention per log type when it was recorded: of a gap, only the part longer than it is a hole. */
  retention?: RetentionByType;
  gsi2pk: string;
  gsi2sk: string;
}

/**
 * RDS's evidence that a log file of an instance was deleted before it was published (RDS-EVENT-0610
 * / 0611; core/rds/deletion-evidence.ts). Keyed by the event's date and a digest of its message:
 * reading the same event twice writes the same item.
 */
export interface DeletionEventRecord {
  pk: string;
  sk: string;
  cluster: string;
  instance: string;
  /** When RDS dated the event (epoch ms). */
  date: number;
  message: string;
  categories: string[];
  /** The file the message names, if it names one. */
  file?: string;
  reason: 'retention' | 'storage' | 'unknown';
  /** The file's hour (from its name, as keys use it), else the hour of the event. */
  hour: number;
  /** The file's log type; absent when the message names no file (then it concerns every type). */
  logType?: string;
  recordedAt: number;
  gsi2pk: string;
  gsi2sk: string;
}

export const META_SK = '#META';
export const INSTANCES_PK = 'INSTANCES';

/**
 * What names one file record: the instance and the file's name (a unique name, `F#<name>`), or
 * for a content item the stream and content id (`C#<stream>#<contentId>`; see `keys.fileSk`).
 */
export interface FileKey {
  instance: string;
  logFileName: string;
  stream?: string | undefined;
  contentId?: string | undefined;
}

/** A table item's primary key. */
export interface TableKey {
  pk: string;
  sk: string;
}

export const keys = {
  activePk: (instance: string) => `I#${instance}`,
  retiredPk: (instance: string) => `H#${instance}`,
  /** `F#<name>` for a unique name; `C#<stream>#<contentId>` for a content item. */
  fileSk: (file: FileKey): string =>
    file.contentId === undefined
      ? `F#${file.logFileName}`
      : `${keys.streamSkPrefix(file.stream ?? '')}${file.contentId}`,
  /** The sort key prefix of every content item of a stream. */
  streamSkPrefix: (stream: string) => `C#${stream}#`,
  /** How index sort keys name a file: its name, or `<stream>#<contentId>` for a content item. */
  label: (file: FileKey): string =>
    file.contentId === undefined ? file.logFileName : `${file.stream ?? ''}#${file.contentId}`,
  /** The table key of a file's record in the active partition. */
  activeFile: (file: FileKey): TableKey => ({ pk: keys.activePk(file.instance), sk: keys.fileSk(file) }),
  /** The table key of a file's record once retired to the history partition. */
  retiredFile: (file: FileKey): TableKey => ({ pk: keys.retiredPk(file.instance), sk: keys.fileSk(file) }),
  /** Whether a sort key names a file record (not the heartbeat or a gap). */
  isFileSk: (sk: string): boolean => sk.startsWith('F#') || sk.startsWith('C#'),
  /** Whether a record was read from the history partition. */
  isRetired: (record: Pick<FileRecord, 'pk' | 'instance'>): boolean =>
    record.pk === keys.retiredPk(record.instance),
  gapSk: (from: number) => `GAP#${iso(from)}`,
  statePk: (state: FileState) => `S#${state}`,
  stateSk: (since: number, file: FileKey) => `${iso(since)}#${file.instance}#${keys.label(file)}`,
  clusterTypePk: (cluster: string, logType: string) => `C#${cluster}#${logType}`,
  clusterHourSk: (hour: number, file: FileKey) => `${iso(hour)}#${file.instance}#${keys.label(file)}`,
  clusterGapsPk: (cluster: string) => `C#${cluster}#GAPS`,
  gapIndexSk: (from: number, instance: string) => `${iso(from)}#${instance}`,
  instanceSk: (cluster: string, instance: string) => `${cluster}#${instance}`,
  /** RDS deletion events of an instance: a partition of their own, outside the discoverer's Query. */
  eventsPk: (instance: string) => `E#${instance}`,
  eventSk: (date: number, digest: string) => `${iso(date)}#${digest}`,
  clusterEventsPk: (cluster: string) => `C#${cluster}#EVENTS`,
  eventIndexSk: (hour: number, instance: string, date: number, digest: string) =>
    `${iso(hour)}#${instance}#${iso(date)}#${digest}`,
};

/** The by-state index attributes for a state (undefined for archived: it leaves the index). */
export function stateIndex(
  state: FileState,
  since: number,
  file: FileKey,
): { gsi1pk: string; gsi1sk: string } | undefined {
  if (!INDEXED_STATES.includes(state)) return undefined;
  return { gsi1pk: keys.statePk(state), gsi1sk: keys.stateSk(since, file) };
}

/** The key fields of a record (what a message and `getFile` name it by). */
export function fileKeyOf(record: FileKey): FileKey {
  return {
    instance: record.instance,
    logFileName: record.logFileName,
    ...(record.contentId === undefined ? {} : { stream: record.stream, contentId: record.contentId }),
  };
}

/** A file as people read it: its name, and for a content item which content (`name [content <id>]`). */
export function fileLabel(record: Pick<FileRecord, 'logFileName' | 'contentId'>): string {
  return record.contentId === undefined
    ? record.logFileName
    : `${record.logFileName} [content ${record.contentId}]`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
