import { between, pick } from './random.js';

/** Which generator produces a file's lines, from its name's prefix. */
export type LogKind = 'audit' | 'error' | 'slowquery';

/** The log kind of a file name (`audit/`, `error/`, `slowquery/`); anything else reads like audit. */
export function logKindOf(name: string): LogKind {
  if (name.startsWith('error/')) return 'error';
  if (name.startsWith('slowquery/')) return 'slowquery';
  return 'audit';
}

const users = ['app', 'app_ro', 'reporting', 'etl', 'rdsadmin', 'billing_svc', 'api_gateway', 'admin'];
const databases = ['orders', 'customers', 'inventory', 'billing', 'analytics', 'sessions', 'mysql'];
const tables = ['orders', 'order_items', 'customers', 'invoices', 'payments', 'products', 'stock', 'events'];
const columns = ['id', 'customer_id', 'status', 'created_at', 'updated_at', 'amount', 'sku', 'email'];
const statuses = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED', 'REFUNDED'];

function clientIp(rand: () => number): string {
  return `10.${between(rand, 0, 3)}.${between(rand, 0, 255)}.${between(rand, 1, 254)}`;
}

function query(rand: () => number): { op: 'QUERY' | 'READ' | 'WRITE'; sql: string; table: string } {
  const table = pick(rand, tables);
  const col = pick(rand, columns);
  switch (between(rand, 0, 5)) {
    case 0:
      return {
        op: 'QUERY',
        table,
        sql: `SELECT ${col}, ${pick(rand, columns)} FROM ${table} WHERE ${pick(rand, columns)} = ${between(rand, 1, 9_999_999)} LIMIT ${between(rand, 1, 100)}`,
      };
    case 1:
      return {
        op: 'WRITE',
        table,
        sql: `UPDATE ${table} SET status = \\'${pick(rand, statuses)}\\', updated_at = NOW() WHERE id = ${between(rand, 1, 9_999_999)}`,
      };
    case 2:
      return {
        op: 'WRITE',
        table,
        sql: `INSERT INTO ${table} (customer_id, amount, status) VALUES (${between(rand, 1, 999_999)}, ${between(rand, 1, 99_999)}.${between(rand, 10, 99)}, \\'${pick(rand, statuses)}\\')`,
      };
    case 3:
      return {
        op: 'READ',
        table,
        sql: `SELECT COUNT(*) FROM ${table} WHERE created_at > \\'2026-0${between(rand, 1, 9)}-1${between(rand, 0, 9)}\\'`,
      };
    case 4:
      return { op: 'QUERY', table, sql: `SELECT @@session.transaction_isolation` };
    default:
      return {
        op: 'QUERY',
        table,
        sql: `DELETE FROM ${table} WHERE id IN (${between(rand, 1, 99_999)}, ${between(rand, 1, 99_999)}, ${between(rand, 1, 99_999)})`,
      };
  }
}

/** Context shared by the lines of one block: host, time and ids advance line by line. */
export interface LineContext {
  rand: () => number;
  host: string;
  timeUs: number;
  connection: number;
  queryId: number;
}

/**
 * One Aurora MySQL advanced-auditing CSV line:
 * `timestamp(us),serverhost,username,host,connectionid,queryid,operation,database,object,retcode`.
 */
export function auditLine(ctx: LineContext): string {
  const { rand } = ctx;
  ctx.timeUs += between(rand, 1, 4000);
  ctx.queryId += 1;
  if (rand() < 0.03) ctx.connection += between(rand, 1, 20);
  const user = pick(rand, users);
  const db = pick(rand, databases);
  const ip = clientIp(rand);
  const roll = rand();
  if (roll < 0.04) {
    return `${ctx.timeUs},${ctx.host},${user},${ip},${ctx.connection},0,CONNECT,${db},,0\n`;
  }
  if (roll < 0.08) {
    return `${ctx.timeUs},${ctx.host},${user},${ip},${ctx.connection},0,DISCONNECT,${db},,0\n`;
  }
  const q = query(rand);
  const retcode = rand() < 0.02 ? pick(rand, [1064, 1146, 1213, 1205]) : 0;
  return `${ctx.timeUs},${ctx.host},${user},${ip},${ctx.connection},${ctx.queryId},${q.op},${db},'${q.sql}',${retcode}\n`;
}

function isoMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const micros = String(timeUs % 1_000_000).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

/** One MySQL 8 error-log line. */
export function errorLine(ctx: LineContext): string {
  const { rand } = ctx;
  ctx.timeUs += between(rand, 1000, 60_000_000);
  ctx.connection += between(rand, 1, 5);
  const t = isoMicros(ctx.timeUs);
  switch (between(rand, 0, 3)) {
    case 0:
      return `${t} ${ctx.connection} [Note] [MY-010914] [Server] Aborted connection ${ctx.connection} to db: '${pick(rand, databases)}' user: '${pick(rand, users)}' host: '${clientIp(rand)}' (Got an error reading communication packets).\n`;
    case 1:
      return `${t} ${ctx.connection} [Warning] [MY-010055] [Server] IP address '${clientIp(rand)}' could not be resolved: Name or service not known\n`;
    case 2:
      return `${t} 0 [Note] [MY-011953] [InnoDB] Page cleaner took ${between(rand, 4000, 9000)}ms to flush ${between(rand, 100, 4000)} and evict 0 pages\n`;
    default:
      return `${t} ${ctx.connection} [Note] [MY-013730] [Server] 'wait_timeout' period of 28800 seconds was exceeded for \`${pick(rand, users)}\`@\`${clientIp(rand)}\`. The idle time since last command was too high.\n`;
  }
}

/** One slow-query-log entry (several physical lines, kept together). */
export function slowQueryEntry(ctx: LineContext): string {
  const { rand } = ctx;
  ctx.timeUs += between(rand, 100_000, 30_000_000);
  ctx.connection += between(rand, 0, 3);
  const user = pick(rand, users);
  const q = query(rand);
  const queryTime = `${between(rand, 1, 40)}.${String(between(rand, 0, 999_999)).padStart(6, '0')}`;
  return (
    `# Time: ${isoMicros(ctx.timeUs)}\n` +
    `# User@Host: ${user}[${user}] @  [${clientIp(rand)}]  Id: ${ctx.connection}\n` +
    `# Query_time: ${queryTime}  Lock_time: 0.000${between(rand, 100, 999)} Rows_sent: ${between(rand, 0, 500)}  Rows_examined: ${between(rand, 1000, 9_000_000)}\n` +
    `use ${pick(rand, databases)};\nSET timestamp=${Math.floor(ctx.timeUs / 1_000_000)};\n${q.sql.replaceAll("\\'", "'")};\n`
  );
}

/** A line of exactly `length` bytes (>= {@link MIN_FILLER}) closing a block with whole lines. */
export function fillerLine(kind: LogKind, ctx: LineContext, length: number): string {
  const head =
    kind === 'audit'
      ? `${ctx.timeUs + 1},${ctx.host},rdsadmin,localhost,1,${ctx.queryId + 1},QUERY,mysql,'SELECT 1 /* `
      : kind === 'error'
        ? `${isoMicros(ctx.timeUs + 1)} 0 [Note] [MY-010000] [Server] heartbeat /* `
        : `# Time: ${isoMicros(ctx.timeUs + 1)}\n# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1\nSELECT 1 /* `;
  const tail = kind === 'audit' ? ` */',0\n` : kind === 'error' ? ' */\n' : ' */;\n';
  const pad = length - head.length - tail.length;
  return `${head}${'.'.repeat(Math.max(0, pad))}${tail}`;
}

/** Longest filler head+tail; blocks stop adding random lines before less than this remains. */
export const MIN_FILLER = 200;
