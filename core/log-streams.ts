/**
 * Which log file names are identities, and how the content behind a name that is not one is found
 * again in a later listing. Pure: shared by the discoverer (discovery-plan.ts) and the archiver
 * (archive.ts), so both locate a content by the same rule.
 *
 * Two naming models (facts in AWS-FACTS.md and local/rds-sim/engines.ts; every family RDS writes,
 * engine by engine, is declared in `LOG_FAMILIES` below):
 * - **unique**: a name is never reused for other content: Aurora MySQL audit
 *   `audit/audit.log.<w>.<YYYY-MM-DD-HH-MM>.<n>`, PostgreSQL `postgresql.log.YYYY-MM-DD[-HH[MM]]`
 *   (and `.csv`), and names of no known shape. Identity = the name (ledger sort key `F#<name>`,
 *   the seed key layout), as it always was.
 * - **rotating family**: a live name `<base>` and rotated names whose bytes never change once
 *   rotated but whose names move (the MariaDB Audit Plugin on RDS MySQL and MariaDB:
 *   `audit/server_audit.log` -> `.1` -> `.2` ... at each rotation), come back with new content
 *   (RDS MySQL's hourly `error/mysql-error-running.log.<H>`, reused every day), or are the live
 *   name's content under a dated name (Aurora MySQL's `<base>.YYYY-MM-DD.HH`: unique as names,
 *   but the live `<base>` they rotate from holds new content every hour, and its continuation is
 *   the dated file, so the family is matched as one). Any other `<base>` / `<base>.<n>` name falls
 *   here too: the safe default. A ledger item names one CONTENT of the family (sort key
 *   `C#<family>#<contentId>`), never a name.
 * - **staging copy**: `error/mysql-error.log` holds what the MySQL family's error log wrote since
 *   the last 5-minute flush, which RDS then appends to `mysql-error-running.log`
 *   ([RDS-MYSQL-LOGS], [MARIADB-LOGS] in local/rds-sim/engines.ts). Its bytes always reach the
 *   running log, and the name holds other content every 5 minutes: archiving it would double
 *   every error line and report each flush as a loss. It is not archived (`isStagingCopy`).
 *
 * How a content of a family is found in a listing (`matchFamily`), with `figures` = the (Size,
 * LastWritten) last recorded for it:
 * 1. Exactly: an entry listing exactly its figures is it. A rotated file never changes and a rename
 *    keeps its mtime and size, so a rotated content keeps its figures however its name shifts (AWS
 *    does not document this: inferred, which is why the archiver re-checks every download).
 * 2. Otherwise, by continuation. Contents of a family are written one after the other, so a
 *    content's whole life lies before the next content's first recorded LastWritten. A content not
 *    found exactly grew after it was recorded (it was the live one): it is now either still at the
 *    live name (no rotated file newer than its figures) or it rotated, and then it is the OLDEST
 *    unknown rotated file last written at or after its figures (and before the next known
 *    content), at least as large as it was.
 * 3. What is left unmatched is new content; a content found nowhere is gone (rotated out of the
 *    listing, or its name now holds other content: a smaller file at the live name).
 * The one case that cannot be told: the newest content rotated, no rotated file older than it is
 * still listed and the family lists as many rotated files as it ever has (it may be full: the
 * continuation may have fallen off and the oldest candidate be a later content). With an archived
 * generation the archiver's prefix check decides (the first archived bytes must match); without
 * one, the candidate is archived as its own content and the old one recorded lost with that
 * evidence: an honest false alarm beats a silent mislabel.
 */

import { parseLogFileName } from './log-files.js';
import type { LogType } from './log-types.js';
import { selectsLogFile } from './log-types.js';
import { basename } from './s3-keys.js';

/** How the names of one log family behave. */
export type FamilyModel = 'unique' | 'rotating' | 'staging';

/** An engine whose logs are declared here, as DescribeDBInstances / DescribeDBClusters spell it. */
export type RdsEngine = 'aurora-mysql' | 'mysql' | 'mariadb' | 'postgres' | 'aurora-postgresql';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** One log family an engine writes: its names, how they are identified, and how long RDS keeps them. */
export interface LogFamily {
  engines: readonly RdsEngine[];
  type: LogType;
  /** How RDS names its files, and why the model follows. */
  names: string;
  /** Real names of the family, each of which `nameModel` must give `model`. */
  examples: readonly string[];
  model: FamilyModel;
  /**
   * How long after its last write a file of the family can still be listed, by default: the
   * shortest that AWS documents or that the names allow (a name reused daily holds a content at
   * most a day). Coverage holes are computed from it (core/retention.ts): never longer than the
   * truth, so never fewer holes.
   */
  retentionMs: number;
  /** Where `retentionMs` comes from. */
  retention: string;
}

/**
 * Every log family RDS writes, engine by engine, with its naming model (sources cited in
 * local/rds-sim/engines.ts and AWS-FACTS.md; test/unit/log-streams.test.ts checks each example).
 */
export const LOG_FAMILIES: readonly LogFamily[] = [
  {
    engines: ['aurora-mysql'],
    type: 'audit',
    names:
      'audit/audit.log.<writer>.<YYYY-MM-DD-HH-MM>.<n>: 4 writers, rotated at 100 MB (and hourly), never renamed or reused',
    examples: ['audit/audit.log.0.2024-10-01-12-00.1', 'audit/audit.log.3.2023-04-19-10-58.10986'],
    model: 'unique',
    retentionMs: DAY_MS,
    retention:
      'AWS-FACTS.md: Aurora keeps audit files about 24 hours (sooner when local storage runs short: RDS-EVENT-0611)',
  },
  {
    engines: ['mysql', 'mariadb'],
    type: 'audit',
    names:
      'audit/server_audit.log live, renamed .1, .2 ... (.01 with 10+ rotations) at SERVER_AUDIT_FILE_ROTATE_SIZE',
    examples: ['audit/server_audit.log', 'audit/server_audit.log.1', 'audit/server_audit.log.09'],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention:
      'no time-based deletion is documented: SERVER_AUDIT_FILE_ROTATIONS bounds the files, by size; 24 hours, as the archiver always assumed (a busy server can rotate files out sooner, which no retention can express)',
  },
  {
    engines: ['mysql', 'mariadb'],
    type: 'error',
    names:
      'error/mysql-error-running.log live, .<H> each hour (H = UTC hour, unpadded): the same name every day, kept 2 weeks (MariaDB 24 h)',
    examples: [
      'error/mysql-error-running.log',
      'error/mysql-error-running.log.0',
      'error/mysql-error-running.log.15',
    ],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention:
      'RDS MySQL keeps error logs two weeks and MariaDB 24 hours ([RDS-MYSQL-LOGS], [MARIADB-LOGS] in local/rds-sim/engines.ts), but the 24 names `.<H>` come back every day, so a content is listed at most a day: 24 hours',
  },
  {
    engines: ['aurora-mysql'],
    type: 'error',
    names:
      'error/mysql-error-running.log live, .YYYY-MM-DD.HH each hour (kept 30 days): the live name holds a new hour every hour',
    examples: ['error/mysql-error-running.log', 'error/mysql-error-running.log.2021-12-03.20'],
    model: 'rotating',
    retentionMs: 30 * DAY_MS,
    retention:
      'Aurora User Guide, Aurora MySQL error logs: "the hourly files generated during the last 30 days are retained" ([AMS-LOGS])',
  },
  {
    engines: ['aurora-mysql', 'mysql', 'mariadb'],
    type: 'error',
    names: 'error/mysql-error.log: the last 5 minutes, flushed into mysql-error-running.log',
    examples: ['error/mysql-error.log'],
    model: 'staging',
    retentionMs: 5 * 60_000,
    retention: 'replaced every 5 minutes; never archived, so no coverage is computed from it',
  },
  {
    engines: ['mysql', 'mariadb'],
    type: 'slowquery',
    names: 'slowquery/mysql-slowquery.log live, .<H> each hour: reused daily',
    examples: ['slowquery/mysql-slowquery.log', 'slowquery/mysql-slowquery.log.7'],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention:
      'RDS MySQL and MariaDB: slow and general log files older than 24 hours are deleted (2 % storage cap); the `.<H>` names come back daily',
  },
  {
    engines: ['aurora-mysql'],
    type: 'slowquery',
    names: 'slowquery/mysql-slowquery.log live, .YYYY-MM-DD.HH each hour',
    examples: ['slowquery/mysql-slowquery.log', 'slowquery/mysql-slowquery.log.2024-10-01.07'],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention:
      'Aurora MySQL: FILE logs older than 24 hours are deleted (an older page says 72 hours: the shorter is taken)',
  },
  {
    engines: ['mysql', 'mariadb'],
    type: 'general',
    names: 'general/mysql-general.log live, .<H> each hour: reused daily',
    examples: ['general/mysql-general.log', 'general/mysql-general.log.23'],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention: 'as the slow query log: 24 hours, names reused daily',
  },
  {
    engines: ['aurora-mysql'],
    type: 'general',
    names: 'general/mysql-general.log live, .YYYY-MM-DD.HH each hour',
    examples: ['general/mysql-general.log', 'general/mysql-general.log.2024-10-01.07'],
    model: 'rotating',
    retentionMs: DAY_MS,
    retention: "as Aurora MySQL's slow query log: 24 hours",
  },
  {
    engines: ['postgres'],
    type: 'postgresql',
    names:
      'error/postgresql.log.YYYY-MM-DD-HH (default; YYYY-MM-DD and YYYY-MM-DD-HHMM allowed), .csv twins with csvlog: a rotation to the same name appends, a new name starts a new file, names never come back',
    examples: [
      'error/postgresql.log.2024-10-01-12',
      'error/postgresql.log.2024-10-01',
      'error/postgresql.log.2024-10-01-1230',
      'error/postgresql.log.2024-10-01-12.csv',
    ],
    model: 'unique',
    retentionMs: 3 * DAY_MS,
    retention:
      'rds.log_retention_period, minutes: default 4320 (three days), at most 10080 (seven days) (RDS User Guide, PostgreSQL database log files; [PG-LOGS])',
  },
  {
    engines: ['aurora-postgresql'],
    type: 'postgresql',
    names: 'error/postgresql.log.YYYY-MM-DD-HHMM (rotated by age and log_rotation_size)',
    examples: ['error/postgresql.log.2024-10-01-1230', 'error/postgresql.log.2024-10-01-1231.csv'],
    model: 'unique',
    retentionMs: 3 * DAY_MS,
    retention:
      'rds.log_retention_period, as RDS PostgreSQL: default 4320 minutes (Aurora User Guide, PostgreSQL database log files); Aurora may delete sooner when storage runs low',
  },
];

/** Whether a name is the MySQL family's staging copy of the error log (see the module comment). */
export function isStagingCopy(name: string): boolean {
  return name === 'error/mysql-error.log';
}

/** Whether the discoverer archives a listed file under these log types (staging copies never). */
export function isArchivedLogFile(name: string, types: readonly LogType[]): boolean {
  return selectsLogFile(name, types) && !isStagingCopy(name);
}

/** The naming model of one log file name. */
export type NameModel =
  /** The name is the identity. */
  | { model: 'unique'; name: string }
  /** A live or rotated name of a rotating family; `family` is the live name. */
  | { model: 'rotating'; name: string; family: string; role: 'live' | 'rotated' };

/** Which model a name follows (see the module comment). Never throws. */
export function nameModel(name: string): NameModel {
  const parsed = parseLogFileName(name);
  // Aurora MySQL's dated hours are the live name's contents once rotated (see the module comment).
  if (parsed.kind === 'numbered-rotation' || parsed.kind === 'mysql-hourly') {
    return { model: 'rotating', name, family: parsed.stream, role: 'rotated' };
  }
  if (parsed.kind === 'current') return { model: 'rotating', name, family: parsed.stream, role: 'live' };
  return { model: 'unique', name };
}

/** The family a name belongs to, or undefined for a unique name. */
export function familyOf(name: string): string | undefined {
  const model = nameModel(name);
  return model.model === 'rotating' ? model.family : undefined;
}

/** What `DescribeDBLogFiles` `FilenameContains` gets to list one family: its base name. */
export function familyFilter(family: string): string {
  return basename(family);
}

/**
 * The content id of a content first seen with this LastWritten: a compact UTC stamp
 * (`20241001T123456789Z`), `-2`, `-3`... when `taken` already holds it. Sorts by first sight.
 */
export function contentIdFor(firstLastWritten: number, taken: (id: string) => boolean): string {
  const stamp = new Date(firstLastWritten).toISOString().replace(/[-:.]/g, '');
  if (!taken(stamp)) return stamp;
  for (let n = 2; ; n++) if (!taken(`${stamp}-${n}`)) return `${stamp}-${n}`;
}

/** A content id, as messages and keys carry it. */
export const CONTENT_ID = /^\d{8}T\d{9}Z(?:-\d{1,6})?$/;

/** Orders content ids by first sight (the stamp), then by collision number. */
export function compareContentIds(a: string, b: string): number {
  const [sa = '', na = '1'] = a.split('-');
  const [sb = '', nb = '1'] = b.split('-');
  return sa < sb ? -1 : sa > sb ? 1 : Number(na) - Number(nb);
}

/** A file as listed (DescribeDBLogFiles). */
export interface ListedEntry {
  logFileName: string;
  size: number;
  lastWritten: number;
}

/** A known content of a family, as `matchFamily` needs it. */
export interface KnownContent {
  contentId: string;
  /** Size and LastWritten last recorded for it (see `contentFigures`). */
  size: number;
  lastWritten: number;
  /** Lost: found only exactly (a content listed again), never by continuation. */
  lost: boolean;
  /** Its bytes were found to differ from what it held (a prefix mismatch): found nowhere again. */
  diverged: boolean;
  /** Some generation of it is archived (the archiver can prove a continuation by its prefix). */
  archived: boolean;
}

/** Where a known content is in a listing. */
export type ContentLocation =
  /** At `entry`: exactly its figures, or grown there (`exact` false). `live`: at the live name. */
  | { kind: 'found'; entry: ListedEntry; live: boolean; exact: boolean; ambiguous: boolean }
  /** Not in the listing: why, for the ledger. */
  | { kind: 'gone'; reason: string }
  /**
   * Cannot be told (see the module comment) and nothing of it is archived: `entry` is taken as
   * new content, and this one is lost with the reason.
   */
  | { kind: 'ambiguous'; entry: ListedEntry; reason: string };

/** The result of matching one family's listing with its known contents. */
export interface FamilyMatch {
  /** By content id, for every known content that is not diverged. */
  locations: Map<string, ContentLocation>;
  /** Entries no known content claims: new contents, oldest first. */
  fresh: ListedEntry[];
}

/** Inputs of {@link matchFamily}. */
export interface FamilyInput {
  /** The live name (the family's id). */
  family: string;
  /** The listed files of this family (live and rotated names). */
  entries: readonly ListedEntry[];
  contents: readonly KnownContent[];
  /** The most rotated files this family has listed at once before (0 when never seen rotated). */
  capacity: number;
}

const figuresOf = (entry: { size: number; lastWritten: number }) => `${entry.size}/${entry.lastWritten}`;

function describe(entry: ListedEntry): string {
  return `${entry.logFileName} (${entry.size} B, last written ${new Date(entry.lastWritten).toISOString()})`;
}

/** Oldest first; at equal LastWritten, the larger rotation number (the older name) first. */
function byAge(a: ListedEntry, b: ListedEntry): number {
  return a.lastWritten - b.lastWritten || b.logFileName.localeCompare(a.logFileName);
}

/** Locates every known content of one family in a listing (see the module comment). Pure. */
export function matchFamily(input: FamilyInput): FamilyMatch {
  const live = input.entries.find((entry) => entry.logFileName === input.family);
  const rotated = input.entries.filter((entry) => entry.logFileName !== input.family).sort(byAge);
  // A diverged content is found nowhere, and its figures may be a candidate's it was refuted at:
  // it marks no lifetime either.
  const contents = input.contents
    .filter((content) => !content.diverged)
    .sort((a, b) => compareContentIds(a.contentId, b.contentId));
  const taken = new Set<ListedEntry>();
  const locations = new Map<string, ContentLocation>();

  // 1. Exactly (lost contents too: a content listed again).
  const byFigures = new Map<string, ListedEntry[]>();
  for (const entry of [...rotated, ...(live ? [live] : [])]) {
    const key = figuresOf(entry);
    byFigures.set(key, [...(byFigures.get(key) ?? []), entry]);
  }
  for (const content of contents) {
    const entry = byFigures.get(figuresOf(content))?.find((e) => !taken.has(e));
    if (!entry) continue;
    taken.add(entry);
    const atLive = entry === live;
    locations.set(content.contentId, { kind: 'found', entry, live: atLive, exact: true, ambiguous: false });
  }

  // 2. By continuation, oldest first, each within its own lifetime window.
  contents.forEach((content, index) => {
    if (content.lost || locations.has(content.contentId)) return;
    const next = contents[index + 1];
    const upper = next === undefined ? Number.POSITIVE_INFINITY : next.lastWritten;
    const candidate = rotated.find(
      (entry) => !taken.has(entry) && entry.lastWritten >= content.lastWritten && entry.lastWritten < upper,
    );
    const recorded = `${content.size} B, last written ${new Date(content.lastWritten).toISOString()}`;
    if (next !== undefined) {
      // A later content exists: this one rotated before it started.
      if (candidate && candidate.size >= content.size) {
        taken.add(candidate);
        locations.set(content.contentId, {
          kind: 'found',
          entry: candidate,
          live: false,
          exact: false,
          ambiguous: false,
        });
      } else {
        locations.set(content.contentId, {
          kind: 'gone',
          reason: `no listed file holds it: nothing rotated between its last listing (${recorded}) and the next content of ${input.family} is still listed`,
        });
      }
      return;
    }
    if (candidate) {
      if (candidate.size < content.size) {
        locations.set(content.contentId, {
          kind: 'gone',
          reason: `rotated out of the listing: the oldest file rotated since its last listing (${recorded}), ${describe(candidate)}, is smaller than it was`,
        });
        return;
      }
      const olderListed = rotated.some((entry) => entry.lastWritten < content.lastWritten);
      // Dated rotated names (Aurora MySQL's `<base>.YYYY-MM-DD.HH`) never shift: a later rotation
      // cannot push the continuation out, only retention (oldest first) removes one. So the oldest
      // newer dated file is the continuation, however few are listed.
      const dated = rotated.every((entry) => parseLogFileName(entry.logFileName).kind === 'mysql-hourly');
      if (olderListed || rotated.length < input.capacity || dated) {
        taken.add(candidate);
        locations.set(content.contentId, {
          kind: 'found',
          entry: candidate,
          live: false,
          exact: false,
          ambiguous: false,
        });
        return;
      }
      const reason = `could not tell whether ${describe(candidate)} is its continuation: every rotated file of ${input.family} is newer than its last listing (${recorded}) and the family lists ${rotated.length} rotated files, as many as it ever has, so the continuation may have been rotated out`;
      if (content.archived) {
        // The archiver's prefix check proves it or refutes it.
        taken.add(candidate);
        locations.set(content.contentId, {
          kind: 'found',
          entry: candidate,
          live: false,
          exact: false,
          ambiguous: true,
        });
      } else {
        locations.set(content.contentId, { kind: 'ambiguous', entry: candidate, reason });
      }
      return;
    }
    if (live && !taken.has(live) && live.size >= content.size && live.lastWritten >= content.lastWritten) {
      taken.add(live);
      locations.set(content.contentId, {
        kind: 'found',
        entry: live,
        live: true,
        exact: false,
        ambiguous: false,
      });
      return;
    }
    locations.set(content.contentId, {
      kind: 'gone',
      reason: live
        ? `its name ${input.family} now holds other content (${live.size} B listed, it had ${recorded}) and no rotated file is newer than it`
        : `${input.family} and no rotated file newer than its last listing (${recorded}) is listed`,
    });
  });

  const fresh = [...rotated, ...(live ? [live] : [])].filter((entry) => !taken.has(entry));
  return { locations, fresh };
}

/** The (Size, LastWritten) last recorded for a content: the listing or the archiver's check, whichever is newer. */
export function contentFigures(record: {
  listedSize: number;
  lastWritten: number;
  archivedListedSize?: number | undefined;
  archivedLastWritten?: number | undefined;
}): { size: number; lastWritten: number } {
  if (
    record.archivedListedSize !== undefined &&
    record.archivedLastWritten !== undefined &&
    record.archivedLastWritten >= record.lastWritten
  ) {
    return { size: record.archivedListedSize, lastWritten: record.archivedLastWritten };
  }
  return { size: record.listedSize, lastWritten: record.lastWritten };
}

/** A ledger record of a content, as `matchFamily` reads it. */
export function knownContent(record: {
  contentId?: string | undefined;
  state: string;
  divergedAt?: number | undefined;
  archivedBytes?: number | undefined;
  listedSize: number;
  lastWritten: number;
  archivedListedSize?: number | undefined;
  archivedLastWritten?: number | undefined;
}): KnownContent {
  return {
    contentId: record.contentId ?? '',
    ...contentFigures(record),
    lost: record.state === 'lost',
    diverged: record.divergedAt !== undefined,
    archived: record.archivedBytes !== undefined,
  };
}

/** Whether two listings of a family list the same rotated files (no rotation in between). */
export function sameRotatedFiles(
  family: string,
  a: readonly ListedEntry[],
  b: readonly ListedEntry[],
): boolean {
  const rotated = (list: readonly ListedEntry[]) =>
    list
      .filter((entry) => entry.logFileName !== family)
      .map((entry) => `${entry.logFileName}|${figuresOf(entry)}`)
      .sort()
      .join('\n');
  return rotated(a) === rotated(b);
}

/** How many rotated files each family lists (for the heartbeat's capacity memory). */
export function rotatedCounts(entries: readonly ListedEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) {
    const model = nameModel(entry.logFileName);
    if (model.model !== 'rotating') continue;
    counts[model.family] = (counts[model.family] ?? 0) + (model.role === 'rotated' ? 1 : 0);
  }
  return counts;
}
