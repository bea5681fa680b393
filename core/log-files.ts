/**
 * What a log file's name says: its kind, the stream it belongs to (files of one stream replace
 * each other as the engine rotates), when it started, and its place in the stream. Pure.
 *
 * Names seen on Aurora / RDS (AWS-FACTS.md):
 * - Aurora MySQL audit: `audit/audit.log.<writer 0-3>.<YYYY-MM-DD-HH-MM>.<n>` — four writers at once.
 * - MySQL error/slow/general, hourly: `error/mysql-error-running.log.<YYYY-MM-DD>.<HH>`; the current
 *   hour's file may also appear without a suffix.
 * - PostgreSQL: `error/postgresql.log.<YYYY-MM-DD>-<HH>` (RDS default) or `-<HHMM>` (Aurora; RDS
 *   allows it too) or `<YYYY-MM-DD>`, each with a `.csv` twin when csvlog is on.
 * - RDS MySQL/MariaDB audit plugin: `audit/server_audit.log`, then renamed `.1`, `.2` on rotation.
 * Anything else is `unknown`: it is still archived (under its LastWritten hour), never dropped.
 */

import { logTypeOfName } from './log-types.js';
import { hourStart } from './time.js';

export type LogFileKind =
  | 'aurora-audit'
  | 'mysql-hourly'
  | 'postgresql'
  | 'numbered-rotation'
  | 'current'
  | 'unknown';

export interface ParsedLogFileName {
  name: string;
  kind: LogFileKind;
  /** The log type: the first path segment (`audit`, `error`, `slowquery`...), or `other` for a bare name. */
  logType: string;
  /** Files of one stream rotate into each other; the newest of a stream is the live one. */
  stream: string;
  /** Start time encoded in the name (epoch ms, UTC), when the name has one. */
  startedAt: number | undefined;
  /** Orders files within a stream: larger is newer. */
  order: number[];
}

const AURORA_AUDIT =
  /^(?:(?<dir>[^/]+)\/)?(?<base>audit\.log)\.(?<writer>\d+)\.(?<ts>\d{4}-\d{2}-\d{2}-\d{2}-\d{2})\.(?<n>\d+)$/;
const MYSQL_HOURLY =
  /^(?:(?<dir>[^/]+)\/)?(?<base>mysql-[A-Za-z-]+\.log)\.(?<date>\d{4}-\d{2}-\d{2})\.(?<hh>\d{2})$/;
// `log_filename` may be `%Y-%m-%d`, `%Y-%m-%d-%H` or `%Y-%m-%d-%H%M`; csvlog writes a `.csv` twin.
const POSTGRES =
  /^(?:(?<dir>[^/]+)\/)?(?<base>postgresql\.log)\.(?<date>\d{4}-\d{2}-\d{2})(?:-(?<hh>\d{2})(?<mm>\d{2})?)?(?<csv>\.csv)?$/;
const NUMBERED = /^(?:(?<dir>[^/]+)\/)?(?<base>[A-Za-z_-]+\.log)\.(?<n>\d{1,6})$/;
const CURRENT = /^(?:(?<dir>[^/]+)\/)?(?<base>[A-Za-z_-]+\.log)$/;

/** Parses a log file name; never throws (unknown names get kind `unknown`). */
export function parseLogFileName(name: string): ParsedLogFileName {
  const logType = logTypeOf(name);
  let m = AURORA_AUDIT.exec(name);
  if (m?.groups) {
    const { dir = '', base, writer, ts, n } = m.groups as Record<string, string>;
    const startedAt = utc(ts!.slice(0, 10), Number(ts!.slice(11, 13)), Number(ts!.slice(14, 16)));
    if (startedAt !== undefined) {
      return {
        name,
        kind: 'aurora-audit',
        logType,
        stream: `${dir}/${base}.${writer}`,
        startedAt,
        order: [1, startedAt, Number(n)],
      };
    }
  }
  m = MYSQL_HOURLY.exec(name) ?? POSTGRES.exec(name);
  if (m?.groups) {
    const { dir = '', base, date, hh, mm, csv = '' } = m.groups as Record<string, string>;
    const startedAt = utc(date!, hh === undefined ? 0 : Number(hh), mm === undefined ? 0 : Number(mm));
    if (startedAt !== undefined) {
      return {
        name,
        kind: base === 'postgresql.log' ? 'postgresql' : 'mysql-hourly',
        logType,
        // The csvlog twin is a stream of its own: both files are written at once.
        stream: `${dir}/${base}${csv}`,
        startedAt,
        order: [1, startedAt],
      };
    }
  }
  m = NUMBERED.exec(name);
  if (m?.groups) {
    const { dir = '', base, n } = m.groups as Record<string, string>;
    // `.1` is the most recently rotated, so a larger number is older.
    return {
      name,
      kind: 'numbered-rotation',
      logType,
      stream: `${dir}/${base}`,
      startedAt: undefined,
      order: [1, -Number(n)],
    };
  }
  m = CURRENT.exec(name);
  if (m?.groups) {
    const { dir = '', base } = m.groups as Record<string, string>;
    // The unsuffixed file is the one being written: newest of its stream.
    return { name, kind: 'current', logType, stream: `${dir}/${base}`, startedAt: undefined, order: [2] };
  }
  return { name, kind: 'unknown', logType, stream: `?${name}`, startedAt: undefined, order: [0] };
}

/**
 * The log type the ledger records and the object key carries: the name's log type
 * (`logTypeOfName`: `postgresql` for PostgreSQL's `error/postgresql.log.*`, else the directory),
 * else its first path segment, or `other` for a bare name. A name that is in a directory
 * literally called `postgresql` (RDS writes none) is `!postgresql`, apart from PostgreSQL's log.
 */
export function logTypeOf(name: string): string {
  const type = logTypeOfName(name);
  if (type !== undefined) return type;
  const slash = name.indexOf('/');
  if (slash <= 0) return 'other';
  const directory = name.slice(0, slash);
  return directory === 'postgresql' ? '!postgresql' : directory;
}

/**
 * The names of the live files among one instance's listing: the newest file of each stream.
 * AWS does not say which file is being written; the newest of each writer is the safe guess,
 * and a live file is only archived once it has been quiet for the settle period.
 */
export function liveFileNames(names: Iterable<string>): Set<string> {
  const newest = new Map<string, ParsedLogFileName>();
  for (const name of names) {
    const parsed = parseLogFileName(name);
    const current = newest.get(parsed.stream);
    if (!current || compareOrder(parsed.order, current.order) > 0) newest.set(parsed.stream, parsed);
  }
  return new Set([...newest.values()].map((parsed) => parsed.name));
}

/**
 * The hour a file belongs to (epoch ms at the start of the hour, UTC): from the name's timestamp,
 * else from LastWritten. Fixed when a file is first seen so every generation lands on one key.
 */
export function fileHour(name: string, lastWritten: number): number {
  const started = parseLogFileName(name).startedAt;
  const at = started ?? lastWritten;
  return hourStart(at);
}

function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? Number.NEGATIVE_INFINITY) - (b[i] ?? Number.NEGATIVE_INFINITY);
    if (d !== 0) return d;
  }
  return 0;
}

function utc(date: string, hour: number, minute: number): number | undefined {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  // Years before 1970 are not log timestamps, and Date.UTC reads years 0-99 as 1900-1999.
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || hour > 23 || minute > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, hour, minute);
  // Reject dates like 02-31 that Date.UTC would silently roll over.
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}
