import { type PgState, postgresCsvEntry, postgresEntry } from './pg-lines.js';
import { between, pick } from './random.js';

/**
 * Realistic log entries for every format the simulated engines write. An entry is what one write
 * puts in a file: one line, or several (a slow-query entry, a multi-line statement, a CSV row with
 * an embedded newline). Entries are generated as templates: their timestamps and server host are
 * placeholders of fixed width whose byte positions are recorded, so a pooled block of entries can
 * carry the real time and host of any file by patching those bytes (see content.ts).
 * Everything is ASCII, so a character offset is a byte offset.
 *
 * Formats (sources in engines.ts and below):
 * - `aurora-audit`: Aurora MySQL Advanced Auditing CSV, `timestamp(us),serverhost,username,host,
 *   connectionid,queryid,operation,database,object,retcode`; serverhost is the DB instance id
 *   (repost.aws "understanding RDS audit log file format": `1653053459680124,c731-instance-1,admin,
 *   52.94.133.136,35,698024,WRITE,testdb,test2,0`). TABLE events (READ/WRITE/CREATE...) carry the
 *   table name in `object`; QUERY events the statement in single quotes, `'` escaped as `\'`,
 *   whitespace (newlines included) written as one space.
 * - `mariadb-audit`: the MariaDB Audit Plugin on RDS MySQL/MariaDB: the same fields, timestamp
 *   `YYYYMMDD HH:MM:SS`, serverhost the host name (`20200720 16:37:59,ip-172-27-1-97,admin,
 *   10.120.186.117,305230,1337972,QUERY,rdslogstest,'SELECT 1',0`, seen in a public RDS log
 *   collector's test data; MariaDB "Audit Plugin Log Format").
 * - `mysql-error`: MySQL 8 error log, `2026-03-01T10:00:00.123456Z 12 [Note] [MY-010914] [Server] ...`.
 * - `mysql-slow`: slow query log entries (`# Time:`, `# User@Host:`, `# Query_time:`, `use`,
 *   `SET timestamp=`, the statement).
 * - `mysql-general`: general query log lines, `time<TAB>  id Command<TAB>argument`.
 * - `postgres`: RDS PostgreSQL stderr log, prefix `%t:%r:%u@%d:[%p]:` (the only one RDS allows),
 *   statements spanning several lines (continuation lines start with a tab), pgAudit
 *   `AUDIT: SESSION,...` entries, errors with DETAIL / HINT / CONTEXT / STATEMENT, connections,
 *   checkpoints and autovacuum reports, of backends that come and go (pg-lines.ts).
 * - `postgres-csv`: csvlog rows with the PostgreSQL 14+ column list (log_time, user_name,
 *   database_name, process_id, connection_from, session_id, session_line_num, command_tag,
 *   session_start_time, virtual_transaction_id, transaction_id, error_severity, sql_state_code,
 *   message, detail, hint, internal_query, internal_query_pos, context, query, query_pos, location,
 *   application_name, backend_type, leader_pid, query_id); quoted fields may hold newlines.
 */
export type LineFormat =
  | 'aurora-audit'
  | 'mariadb-audit'
  | 'mysql-error'
  | 'mysql-slow'
  | 'mysql-general'
  | 'postgres'
  | 'postgres-csv';

/** Timestamp encodings, all of fixed width (so they can be patched in place). */
export const TS = {
  /** 16-digit epoch microseconds (Aurora audit). */
  US16: 0,
  /** `YYYYMMDD HH:MM:SS` (MariaDB audit plugin). */
  MARIADB: 1,
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (MySQL 8 error, slow, general logs). */
  ISO6: 2,
  /** 10-digit epoch seconds (`SET timestamp=`). */
  EPOCH10: 3,
  /** `YYYY-MM-DD HH:MM:SS UTC` (PostgreSQL %t). */
  PG: 4,
  /** `YYYY-MM-DD HH:MM:SS.mmm UTC` (PostgreSQL csvlog log_time). */
  PGMS: 5,
} as const;
export type TsFormat = (typeof TS)[keyof typeof TS];
export const TS_WIDTH: Record<TsFormat, number> = { 0: 16, 1: 17, 2: 27, 3: 10, 4: 23, 5: 27 };

/** A template entry: its text and where its timestamps and host are. */
export interface EntryTemplate {
  text: string;
  /** [offset in text, format, how many ms before the entry's write time this timestamp is]. */
  ts: Array<[number, TsFormat, number]>;
  /** Offsets of the server-host placeholder (audit formats). */
  host: number[];
}

/** What the lines of one block share: randomness, host width, ids that advance entry by entry. */
export interface LineContext {
  rand: () => number;
  hostLength: number;
  connection: number;
  queryId: number;
  pid: number;
  sessionLine: number;
  /** PostgreSQL's sessions and counters (pg-lines.ts), made on first use. */
  pg?: PgState;
}

/** Collects an entry's text while recording where the patchable fields go. */
export class Builder {
  private parts: string[] = [];
  /** Characters so far. */
  length = 0;
  readonly entry: EntryTemplate = { text: '', ts: [], host: [] };
  constructor(private readonly hostLength: number) {}
  add(text: string): this {
    this.parts.push(text);
    this.length += text.length;
    return this;
  }
  ts(fmt: TsFormat, lagMs = 0): this {
    this.entry.ts.push([this.length, fmt, lagMs]);
    return this.add('0'.repeat(TS_WIDTH[fmt]));
  }
  host(): this {
    this.entry.host.push(this.length);
    return this.add('h'.repeat(this.hostLength));
  }
  done(): EntryTemplate {
    this.entry.text = this.parts.join('');
    return this.entry;
  }
}

const users = ['app', 'app_ro', 'reporting', 'etl', 'billing_svc', 'api_gateway', 'admin'];
const databases = ['orders', 'customers', 'inventory', 'billing', 'analytics', 'sessions'];
const tables = ['orders', 'order_items', 'customers', 'invoices', 'payments', 'products', 'stock', 'events'];
const columns = ['id', 'customer_id', 'status', 'created_at', 'updated_at', 'amount', 'sku', 'email'];
const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED', 'REFUNDED'];

function clientIp(rand: () => number): string {
  return `10.${between(rand, 0, 3)}.${between(rand, 0, 255)}.${between(rand, 1, 254)}`;
}

/** A SQL statement as a client sent it (possibly on several lines), with what it touched. */
interface Statement {
  sql: string;
  /** Table events it causes (audit TABLE events). */
  op: 'READ' | 'WRITE' | 'CREATE' | 'ALTER' | 'DROP';
  table: string;
  /** PostgreSQL command tag / pgAudit class. */
  command: string;
  pgClass: 'READ' | 'WRITE' | 'DDL';
}

function statement(rand: () => number): Statement {
  const table = pick(rand, tables);
  const col = pick(rand, columns);
  const id = between(rand, 1, 9_999_999);
  switch (between(rand, 0, 7)) {
    case 0:
      return {
        op: 'READ',
        table,
        command: 'SELECT',
        pgClass: 'READ',
        sql: `SELECT ${col}, ${pick(rand, columns)} FROM ${table} WHERE ${pick(rand, columns)} = ${id} LIMIT ${between(rand, 1, 100)}`,
      };
    case 1:
      return {
        op: 'WRITE',
        table,
        command: 'UPDATE',
        pgClass: 'WRITE',
        sql: `UPDATE ${table} SET status = '${pick(rand, statuses)}', updated_at = NOW() WHERE id = ${id}`,
      };
    case 2:
      return {
        op: 'WRITE',
        table,
        command: 'INSERT',
        pgClass: 'WRITE',
        sql: `INSERT INTO ${table} (customer_id, amount, status) VALUES (${between(rand, 1, 999_999)}, ${between(rand, 1, 99_999)}.${between(rand, 10, 99)}, '${pick(rand, statuses)}')`,
      };
    case 3:
      return {
        op: 'READ',
        table,
        command: 'SELECT',
        pgClass: 'READ',
        sql: `SELECT COUNT(*) FROM ${table} WHERE created_at > '2026-0${between(rand, 1, 9)}-1${between(rand, 0, 9)}'`,
      };
    case 4:
      // A statement written on several lines, as ORMs and people write them.
      return {
        op: 'READ',
        table,
        command: 'SELECT',
        pgClass: 'READ',
        sql: `SELECT o.id,\n       o.${col},\n       c.email\n  FROM ${table} o\n  JOIN customers c ON c.id = o.customer_id\n WHERE o.status = '${pick(rand, statuses)}'\n   AND o.id > ${id}\n ORDER BY o.id\n LIMIT ${between(rand, 10, 500)}`,
      };
    case 5:
      return {
        op: 'WRITE',
        table,
        command: 'DELETE',
        pgClass: 'WRITE',
        sql: `DELETE FROM ${table} WHERE id IN (${between(rand, 1, 99_999)}, ${between(rand, 1, 99_999)}, ${between(rand, 1, 99_999)})`,
      };
    case 6:
      return {
        op: 'WRITE',
        table,
        command: 'UPDATE',
        pgClass: 'WRITE',
        sql: `UPDATE ${table}\n   SET amount = amount * 1.${between(rand, 1, 20)},\n       note = 'customer\\'s request'\n WHERE customer_id = ${between(rand, 1, 999_999)}`.replace(
          "\\'",
          "''",
        ),
      };
    default:
      return rand() < 0.5
        ? {
            op: 'READ',
            table,
            command: 'SELECT',
            pgClass: 'READ',
            sql: 'SELECT @@session.transaction_isolation',
          }
        : {
            op: 'ALTER',
            table,
            command: 'ALTER TABLE',
            pgClass: 'DDL',
            sql: `ALTER TABLE ${table} ADD COLUMN c${between(rand, 1, 99)} varchar(${between(rand, 8, 255)})`,
          };
  }
}

/** A statement as the MariaDB/Aurora audit writes it: whitespace as one space, `'` as `\'`. */
function auditQuoted(sql: string): string {
  return `'${sql
    .replace(/[\n\r\t]/g, ' ')
    .replaceAll('\\', '\\\\')
    .replaceAll("'", "\\'")}'`;
}

/** Audit entries (Aurora and MariaDB share the fields; the timestamp and host differ). */
function auditEntry(ctx: LineContext, fmt: TsFormat): EntryTemplate {
  const { rand } = ctx;
  const b = new Builder(ctx.hostLength);
  if (rand() < 0.03) ctx.connection += between(rand, 1, 20);
  const user = pick(rand, users);
  const db = pick(rand, databases);
  const ip = clientIp(rand);
  const head = () => b.ts(fmt).add(',').host().add(`,${user},${ip},${ctx.connection},`);
  const roll = rand();
  if (roll < 0.04) {
    head().add(`0,CONNECT,${db},,0\n`);
    return b.done();
  }
  if (roll < 0.07) {
    head().add(`0,DISCONNECT,${db},,0\n`);
    return b.done();
  }
  if (roll < 0.08) {
    head().add(`0,FAILED_CONNECT,${db},,1045\n`);
    return b.done();
  }
  ctx.queryId += 1;
  const q = statement(rand);
  const retcode = rand() < 0.02 ? pick(rand, [1064, 1146, 1213, 1205]) : 0;
  head().add(`${ctx.queryId},QUERY,${db},${auditQuoted(q.sql)},${retcode}\n`);
  // The table events of the same query follow it, with its query id and the table in `object`.
  if (retcode === 0 && q.sql !== 'SELECT @@session.transaction_isolation') {
    head().add(`${ctx.queryId},${q.op},${db},${q.table},0\n`);
    if (q.sql.includes('JOIN customers')) head().add(`${ctx.queryId},READ,${db},customers,0\n`);
  }
  return b.done();
}

function mysqlErrorEntry(ctx: LineContext): EntryTemplate {
  const { rand } = ctx;
  const b = new Builder(ctx.hostLength);
  ctx.connection += between(rand, 1, 5);
  b.ts(TS.ISO6);
  switch (between(rand, 0, 4)) {
    case 0:
      b.add(
        ` ${ctx.connection} [Note] [MY-010914] [Server] Aborted connection ${ctx.connection} to db: '${pick(rand, databases)}' user: '${pick(rand, users)}' host: '${clientIp(rand)}' (Got an error reading communication packets).\n`,
      );
      break;
    case 1:
      b.add(
        ` ${ctx.connection} [Warning] [MY-010055] [Server] IP address '${clientIp(rand)}' could not be resolved: Name or service not known\n`,
      );
      break;
    case 2:
      b.add(
        ` 0 [Note] [MY-011953] [InnoDB] Page cleaner took ${between(rand, 4000, 9000)}ms to flush ${between(rand, 100, 4000)} and evict 0 pages\n`,
      );
      break;
    case 3:
      b.add(
        ` ${ctx.connection} [Warning] [MY-013360] [Server] Plugin mysql_native_password reported: ''mysql_native_password' is deprecated and will be removed in a future release. Please use caching_sha2_password instead'\n`,
      );
      break;
    default:
      b.add(
        ` ${ctx.connection} [Note] [MY-013730] [Server] 'wait_timeout' period of 28800 seconds was exceeded for \`${pick(rand, users)}\`@\`${clientIp(rand)}\`. The idle time since last command was too high.\n`,
      );
  }
  return b.done();
}

function slowQueryEntry(ctx: LineContext): EntryTemplate {
  const { rand } = ctx;
  const b = new Builder(ctx.hostLength);
  ctx.connection += between(rand, 0, 3);
  const user = pick(rand, users);
  const q = statement(rand);
  const queryTime = `${between(rand, 1, 40)}.${String(between(rand, 0, 999_999)).padStart(6, '0')}`;
  b.add('# Time: ')
    .ts(TS.ISO6)
    .add(
      `\n# User@Host: ${user}[${user}] @  [${clientIp(rand)}]  Id: ${String(ctx.connection).padStart(5)}\n`,
    )
    .add(
      `# Query_time: ${queryTime}  Lock_time: 0.000${between(rand, 100, 999)} Rows_sent: ${between(rand, 0, 500)}  Rows_examined: ${between(rand, 1000, 9_000_000)}\n`,
    )
    .add(`use ${pick(rand, databases)};\nSET timestamp=`)
    .ts(TS.EPOCH10)
    .add(`;\n${q.sql};\n`);
  return b.done();
}

function generalEntry(ctx: LineContext): EntryTemplate {
  const { rand } = ctx;
  const b = new Builder(ctx.hostLength);
  if (rand() < 0.05) ctx.connection += between(rand, 1, 9);
  const id = String(ctx.connection).padStart(6);
  const roll = rand();
  if (roll < 0.05) {
    b.ts(TS.ISO6).add(
      `\t${id} Connect\t${pick(rand, users)}@${clientIp(rand)} on ${pick(rand, databases)} using SSL/TLS\n`,
    );
  } else if (roll < 0.09) {
    b.ts(TS.ISO6).add(`\t${id} Quit\t\n`);
  } else {
    // The general log writes the statement as received: a multi-line one stays on several lines.
    b.ts(TS.ISO6).add(`\t${id} Query\t${statement(rand).sql}\n`);
  }
  return b.done();
}

const generators: Record<LineFormat, (ctx: LineContext) => EntryTemplate> = {
  'aurora-audit': (ctx) => auditEntry(ctx, TS.US16),
  'mariadb-audit': (ctx) => auditEntry(ctx, TS.MARIADB),
  'mysql-error': mysqlErrorEntry,
  'mysql-slow': slowQueryEntry,
  'mysql-general': generalEntry,
  postgres: postgresEntry,
  'postgres-csv': postgresCsvEntry,
};

/** One realistic entry of a format. */
export function entryOf(format: LineFormat, ctx: LineContext): EntryTemplate {
  return generators[format](ctx);
}

/** Digits of a long `IN (...)` list, used to pad a filler entry to an exact length. */
function digitsPad(n: number): string {
  let s = '';
  let k = 100_001;
  while (s.length < n) s += `${k++}, `;
  return s.slice(0, n).replace(/[, ]+$/, (m) => '7'.repeat(m.length));
}

/**
 * An entry of exactly `length` bytes (>= {@link MIN_FILLER}) that closes a block: a real-looking
 * statement whose `IN (...)` list is as long as needed.
 */
export function fillerEntry(format: LineFormat, ctx: LineContext, length: number): EntryTemplate {
  const b = new Builder(ctx.hostLength);
  const wrap = (head: () => void, tail: string) => {
    head();
    const pad = length - b.length - tail.length;
    b.add(digitsPad(Math.max(0, pad))).add(tail);
  };
  const sqlHead = 'SELECT id FROM events WHERE id IN (';
  switch (format) {
    case 'aurora-audit':
    case 'mariadb-audit':
      ctx.queryId += 1;
      wrap(
        () =>
          b
            .ts(format === 'aurora-audit' ? TS.US16 : TS.MARIADB)
            .add(',')
            .host()
            .add(`,rdsadmin,localhost,${ctx.connection},${ctx.queryId},QUERY,mysql,'${sqlHead}`),
        `)',0\n`,
      );
      break;
    case 'mysql-error':
      wrap(() => b.ts(TS.ISO6).add(' 0 [Note] [MY-010000] [Server] Event Scheduler: ids ('), ')\n');
      break;
    case 'mysql-slow':
      wrap(
        () =>
          b
            .add('# Time: ')
            .ts(TS.ISO6)
            .add(
              `\n# User@Host: rdsadmin[rdsadmin] @ localhost []  Id: ${String(ctx.connection).padStart(5)}\n# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1\nSET timestamp=`,
            )
            .ts(TS.EPOCH10)
            .add(`;\n${sqlHead}`),
        ');\n',
      );
      break;
    case 'mysql-general':
      wrap(() => b.ts(TS.ISO6).add(`\t${String(ctx.connection).padStart(6)} Query\t${sqlHead}`), ')\n');
      break;
    case 'postgres':
      wrap(
        () => b.ts(TS.PG).add(`:[local]:rdsadmin@rdsadmin:[${ctx.pid}]:LOG:  statement: ${sqlHead}`),
        ')\n',
      );
      break;
    case 'postgres-csv':
      wrap(
        () =>
          b
            .ts(TS.PGMS)
            .add(`,"rdsadmin","rdsadmin",${ctx.pid},"[local]",${ctx.pid.toString(16)}.1,1,"SELECT",`)
            .ts(TS.PG, 1000)
            .add(`,1/1,0,LOG,00000,"statement: ${sqlHead}`),
        ')",,,,,,,,,"psql","client backend",,0\n',
      );
      break;
  }
  return b.done();
}

/** Longest filler head + tail; blocks stop adding random entries before less than this remains. */
export const MIN_FILLER = 400;
