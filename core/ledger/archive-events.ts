/**
 * Archive events and the digest chain's head: the ledger items the hourly digests are built from
 * (core/digests/). Pure: keys, shapes and the item `complete` writes.
 *
 * Why events, not the file records: a file record is mutable (its next generation replaces the
 * `archived*` fields of the one before), so a digest built from records could miss an object that
 * was archived and then superseded within the hour. An archive event is written once, by the
 * `complete` transition in the same transaction as the record (transitions.ts `alsoPut`), into the
 * partition of the hour it was archived in, and never updated or deleted.
 *
 * Sealing: before the digester reads an hour's events it writes the hour's seal item; the
 * `complete` transaction checks that the seal is absent (a ConditionCheck), so no event can enter
 * an hour once its digest is being built. DynamoDB serializes the transaction with the seal's
 * PutItem: either the event committed first (and the digester's Query after the seal sees it), or
 * the seal did (and the archiver's `complete` is refused with `HourSealedError`, then retried in an
 * hour that is still open). The digest of an hour can therefore never miss one of its events.
 *
 * | item            | pk                 | sk                                              |
 * |-----------------|--------------------|-------------------------------------------------|
 * | archive event   | `E#<hour ISO>`     | `<instance>#<file sk>#g<generation>#<archivedAt ISO>` |
 * | hour seal       | `E#<hour ISO>`     | `#SEAL`                                         |
 * | chain head      | `DIGEST#CHAIN`     | `#HEAD`                                         |
 *
 * `<file sk>` is the record's sort key: `F#<name>`, or `C#<stream>#<contentId>` for a content item.
 * Outside the home place `<instance>` is qualified by its account and region
 * (`<account>/<region>/<instance>`, records.ts `scopedId`), and the event names them.
 */

import { HOUR_MS, hourStart } from '../time.js';
import { type FileKey, iso, keys, scopedId, type TableKey, type Where, whereOf } from './records.js';

/** One archived object, as the `complete` transition recorded it. Never updated. */
export interface ArchiveEvent extends Where {
  pk: string;
  sk: string;
  /** Object key in the archive bucket. */
  key: string;
  /** The object's version, where the bucket keeps versions. */
  versionId?: string;
  etag: string;
  gzipBytes: number;
  sourceBytes: number;
  sourceSha256: string;
  /** When the archiver finished (its clock): the event's hour. */
  archivedAt: number;
  /** The file's group (its cluster; the instance for a standalone one). */
  group: string;
  instance: string;
  logType: string;
  /** The RDS log file name the object was downloaded from (`archivedName`). */
  logFileName: string;
  /**
   * A content item's stream and content id (`C#<stream>#<contentId>`, core/log-streams.ts): its
   * name moves or comes back, so the digest names the content, not only the name. Absent for a
   * unique name (`F#<name>`).
   */
  stream?: string;
  contentId?: string;
  generation: number;
}

/** What `complete` knows of the object it recorded: the event's content. */
export interface ArchiveEventFacts {
  key: string;
  versionId?: string | undefined;
  etag: string;
  gzipBytes: number;
  sourceBytes: number;
  sourceSha256: string;
  archivedAt: number;
  /** The name downloaded (for a content item, the name it had then). */
  archivedName: string;
  group: string;
  logType: string;
  generation: number;
}

/** The sort key of an hour's seal: `#` sorts before every instance identifier (they start with a letter). */
export const SEAL_SK = '#SEAL';

export const eventKeys = {
  /** The partition of the hour holding `ms`. */
  hourPk: (ms: number) => `E#${iso(hourStart(ms))}`,
  eventSk: (file: FileKey, generation: number, archivedAt: number) =>
    `${scopedId(file, file.instance)}#${keys.fileSk(file)}#g${generation}#${iso(archivedAt)}`,
  /** The seal item of the partition an item goes into. */
  sealOf: (pk: string): TableKey => ({ pk, sk: SEAL_SK }),
};

/** The archive event `complete` writes for a file (transitions.ts). */
export function archiveEventItem(file: FileKey, facts: ArchiveEventFacts): ArchiveEvent {
  return {
    pk: eventKeys.hourPk(facts.archivedAt),
    sk: eventKeys.eventSk(file, facts.generation, facts.archivedAt),
    key: facts.key,
    ...(facts.versionId !== undefined ? { versionId: facts.versionId } : {}),
    etag: facts.etag,
    gzipBytes: facts.gzipBytes,
    sourceBytes: facts.sourceBytes,
    sourceSha256: facts.sourceSha256,
    archivedAt: facts.archivedAt,
    group: facts.group,
    ...whereOf(file),
    instance: file.instance,
    logType: facts.logType,
    logFileName: facts.archivedName,
    ...(file.contentId === undefined ? {} : { stream: file.stream ?? '', contentId: file.contentId }),
    generation: facts.generation,
  };
}

/** A digest as the next one links to it: its key and the SHA-256 of its exact bytes. */
export interface DigestLink {
  key: string;
  sha256: string;
}

/**
 * The digest chain's head: the commit point of the digester. `nextHour` is the first hour without
 * a digest; `previous` the last digest written (null before the first). Moved only forward, one
 * hour at a time, by a conditional write that expects the head as the digester read it, so two
 * digesters can never fork the chain.
 */
export interface DigestHead {
  /** The chain's first hour (its digest has `previous: null`). */
  startHour: number;
  nextHour: number;
  previous: DigestLink | null;
  updatedAt: number;
}

export const DIGEST_HEAD_KEY: TableKey = { pk: 'DIGEST#CHAIN', sk: '#HEAD' };

/** The head of a chain that starts at `startHour`. */
export function genesisHead(startHour: number, now: number): DigestHead {
  return { startHour: hourStart(startHour), nextHour: hourStart(startHour), previous: null, updatedAt: now };
}

/** The head once the digest of `head.nextHour` is written. */
export function advancedHead(head: DigestHead, written: DigestLink, now: number): DigestHead {
  return { startHour: head.startHour, nextHour: head.nextHour + HOUR_MS, previous: written, updatedAt: now };
}
