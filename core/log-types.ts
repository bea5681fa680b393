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
