/**
 * The log types the archiver selects, records and reports: one home for their names, for which
 * log file names belong to which type, and for how a selection is written (`ARCHIVER_LOG_TYPES`,
 * the deployment's `logTypes`, the operator commands' `--log-type`). Pure.
 *
 * The names are the ones RDS itself uses for these logs in `EnableCloudwatchLogsExports`:
 * `audit`, `error`, `slowquery`, `general` (the MySQL family: Aurora MySQL, RDS MySQL, MariaDB)
 * and `postgresql` (RDS and Aurora PostgreSQL: one log, pgAudit's `AUDIT:` lines included).
 * RDS lists the MySQL family's logs under a directory named after the type (`audit/...`,
 * `error/...`, `slowquery/...`, `general/...`); PostgreSQL's log is listed under `error/`
 * (`error/postgresql.log.<stamp>`), so its type comes from the file name, not the directory.
 */

import type { Kind, Read } from './setting-kinds.js';

/** Every log type, in the order documentation and reports list them. */
export const LOG_TYPES = ['audit', 'error', 'slowquery', 'general', 'postgresql'] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** The word that selects every log type. */
export const ALL_LOG_TYPES = 'all';

/** True for a known log type name. */
export function isLogType(text: string): text is LogType {
  return (LOG_TYPES as readonly string[]).includes(text);
}

/**
 * The directories RDS lists log files under, and the types a selection by directory (the prefix
 * form `audit/`, as ARCHIVER_LOG_TYPES was written before log types had names) means: every file
 * under it, as it always did. So `error/` is the MySQL family's error log and PostgreSQL's log.
 */
export const LOG_DIRECTORIES: Readonly<Record<string, readonly LogType[]>> = {
  'audit/': ['audit'],
  'error/': ['error', 'postgresql'],
  'slowquery/': ['slowquery'],
  'general/': ['general'],
};

/** PostgreSQL's log file names, in `error/`: `postgresql.log.<stamp>[.csv]`. */
const POSTGRESQL_FILE = /^error\/postgresql\.log(?:\.|$)/;

/**
 * The log type of a log file name, or undefined for a name in none of them (another directory,
 * or none). The ledger records it, object keys carry it, reports filter by it.
 */
export function logTypeOfName(name: string): LogType | undefined {
  if (POSTGRESQL_FILE.test(name)) return 'postgresql';
  const slash = name.indexOf('/');
  const directory = slash > 0 ? name.slice(0, slash) : '';
  return isLogType(directory) && directory !== 'postgresql' ? directory : undefined;
}

/**
 * The key segments of the archive: the `{type}` level of an object key (`{cluster}/{segment}/...`
 * in the seed layout, `log_type={segment}` in the hive layout: core/s3-keys.ts), which the Athena
 * tables project (infra/athena-layout.ts). Each log type's files go under the type's own name,
 * except the files declared here, which a table of the type's other files could not read.
 *
 * `postgresql-csvlog`: with `log_destination=csvlog`, RDS writes `error/postgresql.log.<stamp>.csv`
 * beside `error/postgresql.log.<stamp>`. The stderr table (`postgresql_log`, a regex per line)
 * would read the CSV records as broken rows, and Athena tables read every object under a
 * partition, so the CSV files need a partition of their own. The name is the type's, then
 * PostgreSQL's own word for the format (`log_destination = 'csvlog'`), joined by `-` as the
 * type's name and its variant (it stays one unescaped key segment: core/s3-keys.ts keeps
 * `[A-Za-z0-9._-]`). The log type stays `postgresql` (the name RDS gives it): selections, the
 * ledger, `--log-type` and the reports see one type; only the keys and tables tell them apart.
 */
export const SEPARATE_SEGMENTS = [
  { segment: 'postgresql-csvlog', type: 'postgresql', files: /^error\/postgresql\.log\..*\.csv$/ },
] as const satisfies readonly { segment: string; type: LogType; files: RegExp }[];

/** A key segment: a log type's own, or one of {@link SEPARATE_SEGMENTS}. */
export type KeySegment = LogType | (typeof SEPARATE_SEGMENTS)[number]['segment'];

/** Every key segment, each after its type's own. */
export const KEY_SEGMENTS: readonly KeySegment[] = LOG_TYPES.flatMap((type) => [
  type,
  ...SEPARATE_SEGMENTS.filter((s) => s.type === type).map((s) => s.segment),
]);

/** The key segment of a log file name, or undefined for a name of no log type (`logTypeOfName`). */
export function keySegmentOfName(name: string): KeySegment | undefined {
  const type = logTypeOfName(name);
  if (type === undefined) return undefined;
  return SEPARATE_SEGMENTS.find((s) => s.type === type && s.files.test(name))?.segment ?? type;
}

/** The log type whose files a key segment holds. */
export function logTypeOfSegment(segment: KeySegment): LogType {
  return SEPARATE_SEGMENTS.find((s) => s.segment === segment)?.type ?? (segment as LogType);
}

/** Whether a log file is selected by these log types. */
export function selectsLogFile(name: string, types: readonly LogType[]): boolean {
  const type = logTypeOfName(name);
  return type !== undefined && types.includes(type);
}

/** What a selection may hold, for messages. */
export const LOG_TYPE_CHOICES = `${LOG_TYPES.join(', ')} or ${ALL_LOG_TYPES} (the prefix form ${Object.keys(LOG_DIRECTORIES).join(', ')} still works)`;

/** Reads one word of a selection: a type, `all`, or a directory prefix. */
function readWord(word: string): LogType[] | undefined {
  if (word === ALL_LOG_TYPES) return [...LOG_TYPES];
  if (isLogType(word)) return [word];
  const byDirectory = LOG_DIRECTORIES[word];
  return byDirectory ? [...byDirectory] : undefined;
}

/** Reads a selection; the value is deduplicated and in `LOG_TYPES` order. */
export function readLogTypes(words: readonly string[]): Read<LogType[]> {
  const unknown = words.filter((word) => readWord(word) === undefined);
  if (unknown.length > 0) {
    return {
      problem: `${unknown.map((word) => `"${word}"`).join(', ')} ${unknown.length === 1 ? 'is not a log type' : 'are not log types'}: use ${LOG_TYPE_CHOICES}`,
    };
  }
  const chosen = new Set(words.flatMap((word) => readWord(word) ?? []));
  if (chosen.size === 0) return { problem: `must name at least one log type: ${LOG_TYPE_CHOICES}` };
  return { value: LOG_TYPES.filter((type) => chosen.has(type)) };
}

/**
 * The setting kind of a log type selection: comma-separated in a variable (`audit,error`, `all`,
 * or the prefix form `audit/,error/`), a JSON array in the deployment settings. Written back as
 * the type names.
 */
export function logTypeList(): Kind<LogType[]> {
  const split = (raw: string) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  return {
    fromText: (raw) => readLogTypes(split(raw)),
    fromJson: (value) =>
      Array.isArray(value) && value.every((entry) => typeof entry === 'string')
        ? readLogTypes(value.map((entry) => entry.trim()))
        : { problem: `must be a list of log types (${LOG_TYPE_CHOICES}), got ${JSON.stringify(value)}` },
    toText: (value) => value.join(','),
    show: (value) => value.join(','),
  };
}

/**
 * Reads one log type as an operator command names it (`--log-type`): a type, or its directory
 * prefix when that names one type (`audit/`). Returns the problem for a usage error otherwise.
 */
export function readLogTypeOption(text: string): Read<LogType> {
  const word = text.trim();
  if (isLogType(word)) return { value: word };
  const byDirectory = LOG_DIRECTORIES[word] ?? LOG_DIRECTORIES[`${word.replace(/\/+$/, '')}/`];
  if (byDirectory?.length === 1 && byDirectory[0] !== undefined) return { value: byDirectory[0] };
  return { problem: `"${text}" is not a log type: use one of ${LOG_TYPES.join(', ')}` };
}
