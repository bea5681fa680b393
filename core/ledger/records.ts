/**
 * The ledger's records and their keys (see table.ts for the physical layout). How a file record
 * moves between states is declared once, in transitions.ts (rendered for people in the README).
 */

import type { RetentionByType } from '../retention.js';

export const FILE_STATES = ['seen', 'queued', 'archiving', 'archived', 'failed', 'lost'] as const;
export type FileState = (typeof FILE_STATES)[number];

/** States that have an entry in the by-state index (archived files drop out: the index stays small). */
export const INDEXED_STATES: readonly FileState[] = ['seen', 'queued', 'archiving', 'failed', 'lost'];

/**
 * Where a record's instance lives, when that is not the home place (the hub's own account in its
 * own region): set on every record, heartbeat and gap of another account or region, and absent on
 * the home place's, whose keys are exactly those of a single-account deployment. Key functions
 * qualify the instance and group ids with it (`<account>/<region>/<id>`; ids hold no `/`), because
 * AWS allows the same DB identifier in two accounts or regions.
 */
export interface Where {
  account?: string | undefined;
  region?: string | undefined;
}

/** An instance or group id as the ledger's keys hold it: qualified by its place when not home. */
export function scopedId(where: Where, id: string): string {
  return where.account === undefined ? id : `${where.account}/${where.region ?? ''}/${id}`;
}

/** The place fields of a record (none for home), to spread into items and messages. */
export function whereOf(where: Where): Where {
  return where.account === undefined ? {} : { account: where.account, region: where.region };
}

export interface FileRecord extends Where {
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

export interface InstanceMeta extends Where {
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
export interface ListingGap extends Where {
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
export interface DeletionEventRecord extends Where {
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

/**
 * How the last discovery of one place (the home place, or an account and region of
 * ARCHIVER_SOURCE_ACCOUNTS) went: one item per place in the `PLACES` partition, written after each
 * place's run, so `status` names a place that could not be read (its role refused, its listing
 * failed) although that place has no instance heartbeat to go stale yet.
 */
export interface PlaceDiscoveryRecord extends Where {
  pk: typeof PLACES_PK;
  /** `home`, or `<account>/<region>`. */
  sk: string;
  place: string;
  /** When the last run of this place ended (the discoverer's clock). */
  attemptedAt: number;
  /** When a run last read the place (absent until one did). */
  succeededAt?: number;
  /** Why the last run could not read the place; absent when it could. */
  error?: string;
  /** Instances the last run listed there, and work it sent. */
  instances: number;
  enqueued: number;
}

export const META_SK = '#META';
export const INSTANCES_PK = 'INSTANCES';
/** The partition of the places' discovery records (one small item per place). */
export const PLACES_PK = 'PLACES';

/**
 * What names one file record: the instance and the file's name (a unique name, `F#<name>`), or
 * for a content item the stream and content id (`C#<stream>#<contentId>`; see `keys.fileSk`).
 */
export interface FileKey extends Where {
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
  activePk: (instance: string, where: Where = {}) => `I#${scopedId(where, instance)}`,
  retiredPk: (instance: string, where: Where = {}) => `H#${scopedId(where, instance)}`,
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
  activeFile: (file: FileKey): TableKey => ({
    pk: keys.activePk(file.instance, file),
    sk: keys.fileSk(file),
  }),
  /** The table key of a file's record once retired to the history partition. */
  retiredFile: (file: FileKey): TableKey => ({
    pk: keys.retiredPk(file.instance, file),
    sk: keys.fileSk(file),
  }),
  /** Whether a sort key names a file record (not the heartbeat or a gap). */
  isFileSk: (sk: string): boolean => sk.startsWith('F#') || sk.startsWith('C#'),
  /** Whether a record was read from the history partition. */
  isRetired: (record: Pick<FileRecord, 'pk' | 'instance' | 'account' | 'region'>): boolean =>
    record.pk === keys.retiredPk(record.instance, record),
  gapSk: (from: number) => `GAP#${iso(from)}`,
  statePk: (state: FileState) => `S#${state}`,
  stateSk: (since: number, file: FileKey) =>
    `${iso(since)}#${scopedId(file, file.instance)}#${keys.label(file)}`,
  clusterTypePk: (cluster: string, logType: string, where: Where = {}) =>
    `C#${scopedId(where, cluster)}#${logType}`,
  clusterHourSk: (hour: number, file: FileKey) =>
    `${iso(hour)}#${scopedId(file, file.instance)}#${keys.label(file)}`,
  clusterGapsPk: (cluster: string, where: Where = {}) => `C#${scopedId(where, cluster)}#GAPS`,
  gapIndexSk: (from: number, instance: string, where: Where = {}) =>
    `${iso(from)}#${scopedId(where, instance)}`,
  instanceSk: (cluster: string, instance: string, where: Where = {}) =>
    `${scopedId(where, cluster)}#${instance}`,
  /** RDS deletion events of an instance: a partition of their own, outside the discoverer's Query. */
  eventsPk: (instance: string, where: Where = {}) => `E#${scopedId(where, instance)}`,
  eventSk: (date: number, digest: string) => `${iso(date)}#${digest}`,
  clusterEventsPk: (cluster: string, where: Where = {}) => `C#${scopedId(where, cluster)}#EVENTS`,
  eventIndexSk: (hour: number, instance: string, date: number, digest: string, where: Where = {}) =>
    `${iso(hour)}#${scopedId(where, instance)}#${iso(date)}#${digest}`,
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
    ...whereOf(record),
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
