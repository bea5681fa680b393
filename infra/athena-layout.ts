/**
 * How Athena finds the archived audit logs: the Glue table's location and its partition projection,
 * derived from the same key layouts core/s3-keys.ts writes. Pure.
 *
 * Partitions are `cluster` and `dt` (the file's hour). The instance stays inside the partition folder:
 * Athena reads every object under a partition's location, instance folders included, and `"$path"`
 * names the instance. That keeps "all instances of a cluster for these hours" one query.
 */

import {
  COMMON_COLUMNS,
  CSVLOG_FORMAT,
  ENTRIES_FOLDER,
  type EntryColumn,
  type EntryFormat,
  SLOW_QUERY_FORMAT,
} from '../core/entries/entry-formats.js';
import type { KeySegment } from '../core/log-types.js';
import type { KeyLayout } from '../core/s3-keys.js';

export interface AuditTableInput {
  layout: KeyLayout;
  /** Key prefix: empty or ending in `/`. */
  prefix: string;
  /** Clusters, when listed; empty when clusters are chosen by tag. */
  clusters: string[];
  /**
   * The places outside home (`sourceAccounts`), for their own table: their keys carry one more
   * level, `{account}/{region}/` (core/s3-keys.ts), which the home table's template cannot match.
   */
  places?: { accounts: string[]; regions: string[] };
}

export interface AuditTableLayout {
  /** Path under the bucket where the table starts (the key prefix). */
  locationPath: string;
  /** Path under the bucket of one partition, with Athena's `${column}` placeholders. */
  templatePath: string;
  /** Table parameters for partition projection (without the template). */
  projection: Record<string, string>;
}

/** Columns of an Aurora MySQL audit log line, in order (the SQL text is the `object` column). */
export const AUDIT_COLUMNS = [
  ['ts_us', 'Event time, microseconds since the epoch'],
  ['serverhost', 'Instance that logged the event'],
  ['username', 'Database user'],
  ['host', 'Client host'],
  ['connectionid', 'Connection id'],
  ['queryid', 'Query id'],
  ['operation', 'CONNECT, QUERY, READ, WRITE, ...'],
  ['database', 'Default database'],
  ['object', 'SQL text or object name'],
  ['retcode', 'Return code'],
] as const;

/**
 * A table over archived lines read with Hive's RegexSerDe: each line of an object is one row, the
 * regular expression must match the whole line (Java `matches()`), and its groups fill the columns
 * in order. A line it does not match would be a row of NULLs: a rejected row. The expressions use
 * only what Java's regex and RE2 (DuckDB's, which test/integration/athena-tables.test.ts uses to
 * prove them on the simulator's archived objects) read alike.
 */
export interface RegexTable {
  name: string;
  /** The key segment it reads (core/log-types.ts): its log type's, or a segment of its own. */
  segment: KeySegment;
  description: string;
  regex: string;
  columns: ReadonlyArray<readonly [name: string, comment: string]>;
}

/** `%t:%r:%u@%d:[%p]:` (the only prefix RDS allows), then the severity and two spaces. */
const PG_PREFIX = String.raw`(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC):([^:]*):([^@:]*)@([^:]*):\[(\d+)\]:([A-Z]+):  `;
/** pgAudit's leading fields: `AUDIT: SESSION,<id>,<sub id>,<class>,<command>,<object type>,<object name>,`. */
const PG_AUDIT = String.raw`(?:AUDIT: (SESSION|OBJECT),(\d+),(\d+),([A-Z_]+),([^,]*),([^,]*),([^,]*),)?`;

/**
 * The line tables beside the audit CSV, one per format whose lines are its entries. PostgreSQL
 * csvlog and MySQL slow query entries span lines: see {@link ENTRY_TABLES}.
 */
export const LINE_TABLES: readonly RegexTable[] = [
  {
    name: 'postgresql_log',
    // Only the stderr files: csvlog files are under `postgresql-csvlog` (core/log-types.ts).
    segment: 'postgresql',
    description:
      'RDS / Aurora PostgreSQL stderr log lines (gzip), prefix and pgAudit fields parsed; a continuation line of a multi-line message (it starts with a tab) has only `continuation`',
    // A continuation line: PostgreSQL writes a tab after each newline of a message.
    regex: String.raw`${PG_PREFIX}${PG_AUDIT}(.*)|\t(.*)`,
    columns: [
      ['log_time', '%t: time the line was written, UTC'],
      ['remote', '%r: client host(port), empty for background processes'],
      ['user_name', '%u: database user'],
      ['database_name', '%d: database'],
      ['pid', '%p: process id'],
      ['severity', 'LOG, ERROR, STATEMENT, ...'],
      ['audit_type', 'pgAudit: SESSION or OBJECT'],
      ['statement_id', 'pgAudit statement id'],
      ['substatement_id', 'pgAudit substatement id'],
      ['audit_class', 'pgAudit class: READ, WRITE, DDL, ROLE, FUNCTION, MISC...'],
      ['command', 'pgAudit command: SELECT, UPDATE, ALTER TABLE...'],
      ['object_type', 'pgAudit object type'],
      ['object_name', 'pgAudit object name'],
      ['message', 'the message; for pgAudit the statement and its parameters'],
      ['continuation', 'a further line of the previous message (without its leading tab)'],
    ],
  },
  {
    name: 'mysql_error_log',
    segment: 'error',
    description: 'MySQL-family error log lines (gzip): Aurora MySQL, RDS MySQL, MariaDB',
    regex: String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z) (\d+) \[([A-Za-z]+)\] (?:\[(MY-\d+)\] \[([A-Za-z]+)\] )?(.*)`,
    columns: [
      ['log_time', 'time of the entry, UTC'],
      ['thread', 'thread (connection) id'],
      ['priority', 'System, Error, Warning, Note'],
      ['error_code', 'MY-nnnnnn (MySQL 8)'],
      ['subsystem', 'Server, InnoDB, ...'],
      ['message', 'the message'],
    ],
  },
];

/**
 * The name of a table's variant over the places outside home (`sourceAccounts`): the same columns
 * and reading, with `account` and `region` partitions ahead of `cluster` and `dt` (their keys carry
 * `{account}/{region}/` first: core/s3-keys.ts). The home table's template matches none of them.
 */
export function sourcesTableName(table: string): string {
  return `${table}_sources`;
}

/** Partition projection for the audit log table under the given key layout. */
export function auditTableLayout(input: AuditTableInput): AuditTableLayout {
  return logTableLayout(input, 'audit');
}

/**
 * Partition projection for the table of one key segment (a log type's, or one of its own:
 * core/log-types.ts): the same keys the archiver writes.
 */
export function logTableLayout(input: AuditTableInput, segment: KeySegment): AuditTableLayout {
  const hive = input.layout === 'hive';
  const cluster: Record<string, string> =
    input.clusters.length > 0
      ? { 'projection.cluster.type': 'enum', 'projection.cluster.values': input.clusters.join(',') }
      : // Clusters chosen by tag are not known at deploy time: queries name the cluster instead.
        { 'projection.cluster.type': 'injected' };
  const places = input.places;
  const placeLevel = places
    ? hive
      ? `account=\${account}/region=\${region}/`
      : `\${account}/\${region}/`
    : '';
  const placeProjection: Record<string, string> = places
    ? {
        'projection.account.type': 'enum',
        'projection.account.values': places.accounts.join(','),
        'projection.region.type': 'enum',
        'projection.region.values': places.regions.join(','),
      }
    : {};
  return {
    locationPath: input.prefix,
    templatePath: hive
      ? `${input.prefix}${placeLevel}cluster=\${cluster}/log_type=${segment}/dt=\${dt}/`
      : `${input.prefix}${placeLevel}\${cluster}/${segment}/\${dt}/`,
    projection: {
      'projection.enabled': 'true',
      ...placeProjection,
      ...cluster,
      'projection.dt.type': 'date',
      'projection.dt.format': hive ? 'yyyy-MM-dd-HH' : 'yyyy/MM/dd/HH',
      'projection.dt.range': 'NOW-5YEARS,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
    },
  };
}

/** Escapes a literal for a Terraform string: `${` would otherwise start an interpolation. */
export function terraformLiteral(text: string): string {
  // A replacer function: in a replacement *string*, `$$` would itself collapse to `$`.
  return text.replaceAll('${', () => '$${');
}

/** The example query from the README: one cluster, one day, who ran what. */
export function exampleQuery(database: string, table: string, layout: KeyLayout): string {
  const from = layout === 'hive' ? '2025-01-31-00' : '2025/01/31/00';
  const to = layout === 'hive' ? '2025-01-31-23' : '2025/01/31/23';
  return [
    'SELECT from_unixtime(CAST(ts_us AS bigint) / 1000000) AS at, serverhost, username, host, operation,',
    '       "database", object, retcode',
    `FROM "${database}"."${table}"`,
    `WHERE cluster = 'my-cluster' AND dt BETWEEN '${from}' AND '${to}'`,
    "  AND operation = 'QUERY'",
    'ORDER BY at',
    'LIMIT 100',
  ].join('\n');
}

/**
 * Tables of the formats whose entries span lines, one row per entry, over the entries objects the
 * archiver writes beside the archived ones (core/entries/entry-formats.ts, under `_entries/`).
 *
 * Why not over the archived objects themselves. What Athena offers, from its documentation:
 * - Every text table reads through Hadoop's TextInputFormat, which ends a record at each newline
 *   before the SerDe sees it. Hive's `LINES TERMINATED BY` accepts only `'\n'` ("LINES TERMINATED
 *   BY only supports newline '\n' right now", HIVE-5999 / HIVE-11996), and Athena's SerDe list
 *   says of custom-delimited data "each line represents a data record" (docs.aws.amazon.com/athena/
 *   latest/ug/supported-serdes.html). Hadoop's `textinputformat.record.delimiter` (MAPREDUCE-2254)
 *   is a job setting, not a table property Athena documents.
 * - "The Open CSV SerDe does not support embedded line breaks in CSV files" (.../ug/csv-serde.html),
 *   so a csvlog record with a newline in its message or query becomes several broken rows.
 * - Regex and Grok SerDes (.../ug/regex-serde.html, grok-serde.html) parse the records that
 *   reader hands them, so lines: a slow query entry (`# Time:`, `# User@Host:`, `# Query_time:`,
 *   `SET timestamp=`, statement lines) would be five or more rows, and Athena exposes no line
 *   number or byte offset of a row (only `"$path"`) to put them back together in a view.
 * - Hive and OpenX JSON SerDes "expect JSON data to be on a single line ... with records separated
 *   by a new line character" (.../ug/json-serde.html); the Amazon Ion SerDe alone reads records
 *   across lines (.../ug/ion-serde.html), but only of Ion/JSON text, which a log is not.
 * So the archiver derives, in the same pass as the archive, one JSON line per entry, read here with
 * the Hive JSON SerDe; the archived object stays the byte-exact copy that verify and the digests
 * prove, and the entries object can be derived from it again.
 */
export interface EntryTable {
  name: string;
  /** The key segment of the archived files it reads the entries of (core/log-types.ts). */
  segment: KeySegment;
  description: string;
  format: EntryFormat;
  /** Every column of a row: the format's, then those every format shares. */
  columns: readonly EntryColumn[];
}

export const ENTRY_TABLES: readonly EntryTable[] = [
  {
    name: 'postgresql_csvlog',
    segment: 'postgresql-csvlog',
    description:
      'RDS / Aurora PostgreSQL csvlog (log_destination csvlog): one row per CSV record, newlines inside quoted fields kept',
    format: CSVLOG_FORMAT,
    columns: [...CSVLOG_FORMAT.columns, ...COMMON_COLUMNS],
  },
  {
    name: 'mysql_slow_query_log',
    segment: 'slowquery',
    description:
      'MySQL-family slow query log (Aurora MySQL, RDS MySQL, MariaDB): one row per entry, the statement whole',
    format: SLOW_QUERY_FORMAT,
    columns: [...SLOW_QUERY_FORMAT.columns, ...COMMON_COLUMNS],
  },
];

/** Partition projection for an entries table: the archive's layout, under `_entries/`. */
export function entriesTableLayout(input: AuditTableInput, segment: KeySegment): AuditTableLayout {
  return logTableLayout({ ...input, prefix: `${input.prefix}${ENTRIES_FOLDER}` }, segment);
}

/** The README's example query of an entries table: the slowest statements of one day. */
export function entriesExampleQuery(database: string, table: EntryTable, layout: KeyLayout): string {
  const from = layout === 'hive' ? '2025-01-31-00' : '2025/01/31/00';
  const to = layout === 'hive' ? '2025-01-31-23' : '2025/01/31/23';
  const where = `WHERE cluster = 'my-cluster' AND dt BETWEEN '${from}' AND '${to}'`;
  return table.format === SLOW_QUERY_FORMAT
    ? [
        'SELECT log_time, user_name, client_ip, db, query_time, rows_examined, statement',
        `FROM "${database}"."${table.name}"`,
        where,
        'ORDER BY query_time DESC',
        'LIMIT 20',
      ].join('\n')
    : [
        'SELECT log_time, user_name, database_name, error_severity, sql_state_code, message, query',
        `FROM "${database}"."${table.name}"`,
        where,
        "  AND error_severity IN ('ERROR', 'FATAL', 'PANIC')",
        'ORDER BY log_time',
        'LIMIT 100',
      ].join('\n');
}
