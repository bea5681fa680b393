/**
 * S3 object keys for archived log files. Pure.
 *
 * `seed` (default, the seed article's layout): `{prefix}{cluster}/audit/{YYYY}/{MM}/{DD}/{HH}/{instance}/{file basename}.gz`
 * (for other log types their type replaces `audit`). `hive`:
 * `{prefix}cluster={cluster}/log_type={type}/dt={YYYY}-{MM}-{DD}-{HH}/instance={instance}/{basename}.gz`.
 * `cluster` is the group: the DB cluster, or the instance itself when it is standalone.
 *
 * Files of another account or region than home (the hub's own, AWS_REGION) go under one more
 * level after the prefix: `{account}/{region}/` (hive: `account=/region=/`), since AWS allows one
 * DB identifier in two accounts and regions. The home place never gains it: a deployment that
 * starts reading member accounts keeps every key (and completeness verdict) it had.
 *
 * A content item (a content of a rotating family, whose names shift: core/log-streams.ts) is keyed
 * by what does not shift: its stream's basename and its content id, under the hour of its first
 * LastWritten: `.../{HH}/{instance}/{stream basename}!{contentId}.gz` (e.g.
 * `mysql-1/audit/2026/03/01/10/mysql-1/server_audit.log!20260301T101500123Z.gz`). The `!` (never
 * produced by escaping a name) keeps a content key apart from any file name's key.
 *
 * The type is the name's key segment (core/log-types.ts `keySegmentOfName`): its log type, which is
 * its first path segment, except PostgreSQL's `error/postgresql.log.*`, whose type is `postgresql`
 * (so MySQL error logs and PostgreSQL logs of one group never share a prefix), and whose csvlog
 * files (`*.csv`) have the segment `postgresql-csvlog` of their own (so the stderr table never
 * reads them; see `SEPARATE_SEGMENTS`); the file is the rest of the name (the basename for every name
 * RDS is known to use; deeper `/` are escaped, so `a/x/f` and `a/y/f` differ).
 * A name without a directory (or with a leading `/`) goes under type `other`, its file segment
 * marked with a leading `!` so that `f` and `other/f` differ.
 *
 * Keys are safe for hostile names: every path segment is escaped losslessly (bytes outside
 * `[A-Za-z0-9._-]` become `%XX`, `.` / `..` segments are escaped, an empty segment is `!`), so no
 * key escapes the prefix, starts with `/`, holds a control character, or collides with another
 * file's key. `!` is never produced by escaping, which keeps its two markers unambiguous.
 */

import { logTypeOf } from './log-files.js';
import { KEY_SEGMENTS, keySegmentOfName, LOG_DIRECTORIES } from './log-types.js';
import { hasControlCharacters } from './text.js';

/** Object key layouts: `seed` (the seed article's) and `hive` (partition-style segments). */
export const KEY_LAYOUTS = ['seed', 'hive'] as const;
export type KeyLayout = (typeof KEY_LAYOUTS)[number];

export interface ObjectKeyInput {
  layout: KeyLayout;
  prefix: string;
  /** Another account or region than home: its level goes first (see the module doc). */
  account?: string | undefined;
  region?: string | undefined;
  cluster: string;
  instance: string;
  logFileName: string;
  /** Start of the file's hour, epoch ms (see `fileHour`). */
  hour: number;
  /** For a content item: its stream and content id name the object instead of the file name. */
  content?: { stream: string; contentId: string } | undefined;
}

export class UnsafeKeyError extends Error {
  override name = 'UnsafeKeyError';
}

const MAX_KEY_BYTES = 1024;

/** Builds the object key for one log file. @throws UnsafeKeyError when the key cannot be made safe. */
export function objectKey(input: ObjectKeyInput): string {
  const d = new Date(input.hour);
  const yyyy = String(d.getUTCFullYear()).padStart(4, '0');
  const mm = pad(d.getUTCMonth() + 1);
  const dd = pad(d.getUTCDate());
  const hh = pad(d.getUTCHours());
  const named = nameSegments(input.content ? input.content.stream : input.logFileName);
  const type = named.type;
  const base = input.content ? `${named.base}!${escapeSegment(input.content.contentId)}` : named.base;
  const cluster = escapeSegment(input.cluster);
  const instance = escapeSegment(input.instance);
  const prefix = safePrefix(input.prefix) + placeLevel(input);
  const key =
    input.layout === 'hive'
      ? `${prefix}cluster=${cluster}/log_type=${type}/dt=${yyyy}-${mm}-${dd}-${hh}/instance=${instance}/${base}.gz`
      : `${prefix}${cluster}/${type}/${yyyy}/${mm}/${dd}/${hh}/${instance}/${base}.gz`;
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new UnsafeKeyError(`Object key longer than ${MAX_KEY_BYTES} bytes for ${input.logFileName}`);
  return key;
}

/** The last path segment of a log file name (`audit/audit.log.0...` -> `audit.log.0...`). */
export function basename(name: string): string {
  const parts = name.split('/');
  return parts[parts.length - 1] ?? name;
}

/**
 * The escaped type and file segments of a log file name; distinct names give distinct pairs.
 * The type is the name's key segment (`keySegmentOfName`, core/log-types.ts): the log type the
 * ledger records (`logTypeOf`), except for files with a segment of their own (PostgreSQL's csvlog
 * files: `postgresql-csvlog`). A name of no log type keeps its directory, or `other`.
 */
function nameSegments(name: string): { type: string; base: string } {
  const slash = name.indexOf('/');
  if (slash > 0) {
    const directory = name.slice(0, slash);
    // A segment no RDS directory is named after (`postgresql`, PostgreSQL's log being listed under
    // `error/`; `postgresql-csvlog`) is, as a real directory, `!`-marked (never produced by
    // escaping), so it cannot share a segment with those files.
    const type =
      keySegmentOfName(name) ??
      (isNamedSegment(directory) ? `!${escapeSegment(directory)}` : escapeSegment(directory));
    return { type, base: escapeSegment(name.slice(slash + 1)) };
  }
  return { type: logTypeOf(name), base: `!${escapeSegment(name)}` };
}

/** Whether a directory name is a key segment that only names can give (see `nameSegments`). */
function isNamedSegment(directory: string): boolean {
  return (
    (KEY_SEGMENTS as readonly string[]).includes(directory) && LOG_DIRECTORIES[`${directory}/`] === undefined
  );
}

/**
 * Escapes one key segment losslessly; the result never contains `/`, control characters or is `.`/`..`.
 * The empty segment becomes `!` (the NUL byte is `%00`: the two must differ).
 */
export function escapeSegment(segment: string): string {
  if (segment === '') return '!';
  const escaped = [...Buffer.from(segment, 'utf8')]
    .map((byte) => {
      const ch = String.fromCharCode(byte);
      return /[A-Za-z0-9._-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  if (escaped === '.') return '%2E';
  if (escaped === '..') return '%2E%2E';
  return escaped;
}

/**
 * What is wrong with a key prefix, or undefined when it is safe: it must not start with `/` nor
 * hold a `.` or `..` segment or control characters. The configuration checks the same rule, so a
 * prefix this would refuse fails at deployment, not on every file at run time.
 */
export function keyPrefixProblem(prefix: string): string | undefined {
  const unsafe =
    prefix.startsWith('/') ||
    hasControlCharacters(prefix) ||
    prefix.split('/').some((s) => s === '..' || s === '.');
  return unsafe
    ? 'must not start with "/" or contain a "." or ".." segment or control characters'
    : undefined;
}

/** A prefix as keys use it: empty, or ending in `/`. */
export function normalizeKeyPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function safePrefix(prefix: string): string {
  if (keyPrefixProblem(prefix) !== undefined) throw new UnsafeKeyError(`Unsafe key prefix "${prefix}"`);
  return normalizeKeyPrefix(prefix);
}

/**
 * The account/region level of a key outside the home place: `{account}/{region}/` (seed) or
 * `account={account}/region={region}/` (hive); empty at home, so a single-account deployment's keys
 * (and those of its home place once it reads other accounts) never change.
 */
function placeLevel(input: ObjectKeyInput): string {
  if (input.account === undefined) return '';
  const account = escapeSegment(input.account);
  const region = escapeSegment(input.region ?? '');
  return input.layout === 'hive' ? `account=${account}/region=${region}/` : `${account}/${region}/`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
