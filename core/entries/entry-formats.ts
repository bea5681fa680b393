/**
 * The multi-line log formats that get an entries object beside their archived object, and where
 * it goes. Pure: one home for which files are split how, the row columns (with the types the
 * Athena tables and their DuckDB proof read them as), and the entries object's key.
 *
 * Why an entries object at all: Athena's text tables end a row at every newline before any SerDe
 * sees it, so neither a csvlog record with a newline inside its quotes nor a slow query entry of
 * six lines can be one row over the archived object itself (the sources are cited in
 * infra/athena-layout.ts, ENTRY_TABLES). The archived object stays the byte-exact copy that verify
 * and the digests prove; the entries object is derived from the same bytes in the same pass,
 * JSON Lines (one entry per line, which Athena's JSON SerDe reads), and can be derived again from
 * the archived object at any time.
 */

import { keySegmentOfName, logTypeOfName } from '../log-types.js';
import { normalizeKeyPrefix } from '../s3-keys.js';
import { CSVLOG_COLUMNS, csvlogRow } from './csvlog.js';
import { slowQueryRow } from './slow-query.js';
import type { BoundaryRule } from './split.js';

/**
 * Folder under the key prefix that holds every entries object, apart from the archived objects:
 * completeness lists instance-hour folders of the archive, `verify --digests` lists its groups,
 * and neither must take an entries object for an archived one. RDS identifiers start with a
 * letter, so no cluster or instance folder can be named `_entries` (as for `_digests/`).
 */
export const ENTRIES_FOLDER = '_entries/';

/** Athena column types used by the entries tables. */
export type ColumnType = 'string' | 'bigint' | 'double' | 'boolean' | 'array<string>';

export interface EntryColumn {
  name: string;
  type: ColumnType;
  comment: string;
}

/** A format whose entries span lines. */
export interface EntryFormat {
  id: 'mysql-slow' | 'postgres-csvlog';
  rule: BoundaryRule;
  /** The row of one entry's text (without the columns every format shares). */
  row: (text: string) => object;
  /** The row's columns, in order, then {@link COMMON_COLUMNS}. */
  columns: readonly EntryColumn[];
}

/** Columns every entries row has, after its format's own. */
export const COMMON_COLUMNS: readonly EntryColumn[] = [
  { name: 'source_offset', type: 'bigint', comment: 'byte offset of the entry in the log file' },
  { name: 'source_length', type: 'bigint', comment: 'bytes of the entry in the log file' },
  {
    name: 'truncated',
    type: 'boolean',
    comment: 'the entry was longer than the 8 MiB kept of it (the archived object has it all)',
  },
];

export const SLOW_QUERY_FORMAT: EntryFormat = {
  id: 'mysql-slow',
  rule: 'slow',
  row: slowQueryRow,
  columns: [
    { name: 'log_time', type: 'string', comment: '# Time: as written (UTC)' },
    { name: 'user_name', type: 'string', comment: '# User@Host: the user' },
    { name: 'client_host', type: 'string', comment: '# User@Host: the client host name' },
    { name: 'client_ip', type: 'string', comment: '# User@Host: the client address' },
    { name: 'thread_id', type: 'bigint', comment: '# User@Host: Id (connection id)' },
    { name: 'query_time', type: 'double', comment: 'seconds' },
    { name: 'lock_time', type: 'double', comment: 'seconds' },
    { name: 'rows_sent', type: 'bigint', comment: '' },
    { name: 'rows_examined', type: 'bigint', comment: '' },
    { name: 'db', type: 'string', comment: 'use <db>; when the default database changed' },
    { name: 'set_timestamp', type: 'bigint', comment: 'SET timestamp=: when the statement started, epoch s' },
    {
      name: 'statement',
      type: 'string',
      comment: 'the statement as written (newlines kept); for a block without header, its text',
    },
  ],
};

export const CSVLOG_FORMAT: EntryFormat = {
  id: 'postgres-csvlog',
  rule: 'csv',
  row: csvlogRow,
  columns: [
    ...CSVLOG_COLUMNS.map((name): EntryColumn => ({ name, type: 'string', comment: 'csvlog column' })),
    { name: 'extra_fields', type: 'array<string>', comment: 'fields beyond the known columns' },
  ],
};

/** The entries format of a log file, or undefined when its lines are its entries. */
export function entryFormatOf(logFileName: string): EntryFormat | undefined {
  const type = logTypeOfName(logFileName);
  if (type === 'slowquery') return SLOW_QUERY_FORMAT;
  // The csvlog files are the ones with a key segment of their own (core/log-types.ts).
  if (keySegmentOfName(logFileName) === 'postgresql-csvlog') return CSVLOG_FORMAT;
  return undefined;
}

/**
 * The entries object's key for an archived object's key: the same path under
 * `{prefix}_entries/`, `.gz` becoming `.json.gz` (so the Athena tables project the same
 * `cluster` / `dt` partitions over it).
 */
export function entriesKey(archivedKey: string, keyPrefix: string): string {
  const prefix = normalizeKeyPrefix(keyPrefix);
  if (!archivedKey.startsWith(prefix) || !archivedKey.endsWith('.gz'))
    throw new Error(`archived key ${archivedKey} is not under the key prefix "${prefix}"`);
  return `${prefix}${ENTRIES_FOLDER}${archivedKey.slice(prefix.length, -'.gz'.length)}.json.gz`;
}

/** Whether a key (below the key prefix) is an entries object's. */
export function isEntriesKey(key: string, keyPrefix: string): boolean {
  return key.startsWith(`${normalizeKeyPrefix(keyPrefix)}${ENTRIES_FOLDER}`);
}
