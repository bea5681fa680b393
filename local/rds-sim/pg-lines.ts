// log-lines.ts dispatches to this file, which builds on its Builder: a cycle only through
// functions and a class used at call time, never at module evaluation.
import { Builder, type EntryTemplate, type LineContext, TS } from './log-lines.js';
import { between, pick } from './random.js';

/**
 * RDS / Aurora PostgreSQL log entries as a busy instance with pgAudit writes them: the stderr log
 * (`log_line_prefix` `%t:%r:%u@%d:[%p]:`, the only one RDS allows) and csvlog rows. Sources:
 * [PG-LOGS] in engines.ts (prefix, example lines), PostgreSQL's "Error Reporting and Logging"
 * (message layout: `SEVERITY:  text`, then DETAIL / HINT / CONTEXT / STATEMENT lines of the same
 * prefix; a newline inside a message is followed by a tab in the stderr log), pgAudit's README
 * (`AUDIT: SESSION,<statement id>,<substatement id>,<class>,<command>,<object type>,<object
 * name>,<statement>,<parameter>`; one line per relation with `pgaudit.log_relation`; the
 * statement quoted as CSV when it holds a comma, a quote or a newline).
 *
 * What varies as it does on a real instance: backends come and go (`connection received`,
 * `connection authorized`, `disconnection` with the session time), each with its own pid, client
 * address and port, user, database and application, and its own pgAudit statement counter;
 * statements carry their literals (ids, e-mails, UUIDs, amounts, timestamps, JSON) and names
 * (schema-qualified tables and columns); durations, checkpoints, autovacuum reports, temporary
 * files, lock waits, and errors with their DETAIL, HINT and CONTEXT lines. Entries are templates
 * (log-lines.ts): their timestamps are patched in, the rest is fixed per pooled block.
 */

/** One backend: what its log lines share. */
interface Session {
  pid: number;
  user: string;
  db: string;
  ip: string;
  port: number;
  app: string;
  /** pgAudit's statement id: counts the session's statements. */
  statementId: number;
  /** Its csvlog session id (`<start time hex>.<pid hex>`). */
  sessionId: string;
  lineNum: number;
  /** How long ago it connected (ms), for `disconnection: session time`. */
  ageMs: number;
}

/** What the entries of one block share beyond log-lines' LineContext. */
export interface PgState {
  sessions: Session[];
  checkpointer: number;
  xid: number;
}

interface Table {
  name: string;
  columns: readonly string[];
  key: string;
}

const TABLES: readonly Table[] = [
  {
    name: 'public.orders',
    key: 'id',
    columns: ['id', 'customer_id', 'status', 'total', 'currency', 'created_at', 'updated_at'],
  },
  { name: 'public.order_items', key: 'id', columns: ['id', 'order_id', 'sku', 'quantity', 'unit_price'] },
  { name: 'public.customers', key: 'id', columns: ['id', 'email', 'full_name', 'country', 'created_at'] },
  { name: 'billing.invoices', key: 'id', columns: ['id', 'order_id', 'amount', 'due_date', 'paid_at'] },
  {
    name: 'billing.payments',
    key: 'id',
    columns: ['id', 'invoice_id', 'provider', 'amount', 'captured_at', 'reference'],
  },
  { name: 'inventory.products', key: 'sku', columns: ['sku', 'title', 'price', 'category', 'updated_at'] },
  { name: 'inventory.stock', key: 'sku', columns: ['sku', 'warehouse_id', 'quantity', 'reserved'] },
  {
    name: 'analytics.events',
    key: 'id',
    columns: ['id', 'session_id', 'kind', 'payload', 'occurred_at'],
  },
  { name: 'auth.sessions', key: 'id', columns: ['id', 'user_id', 'token_hash', 'expires_at', 'ip'] },
];

const USERS = ['app', 'app_ro', 'reporting', 'etl', 'billing_svc', 'api_gateway', 'migrator'];
const DATABASES = ['orders', 'billing', 'analytics', 'inventory', 'customers'];
const APPS = [
  'orders-api',
  'billing-worker',
  'psql',
  'reporting-job',
  'pgAdmin 4 - DB:orders',
  'PostgreSQL JDBC Driver',
];
const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED', 'REFUNDED', 'ON_HOLD'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'JP', 'BR', 'IN'];
const FIRST = [
  'anna',
  'ben',
  'chloe',
  'dmitri',
  'emma',
  'farid',
  'grace',
  'hiro',
  'ines',
  'jonas',
  'kemal',
  'lea',
];
const LAST = [
  'schmidt',
  'martin',
  'smith',
  'tanaka',
  'silva',
  'kumar',
  'novak',
  'garcia',
  'kowalski',
  'dubois',
];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'shop.example'];
const KINDS = ['page_view', 'add_to_cart', 'checkout', 'login', 'search', 'refund_request'];
const PROVIDERS = ['stripe', 'adyen', 'paypal', 'sepa'];

const hex = (rand: () => number, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rand() * 16)];
  return s;
};
const uuid = (rand: () => number) =>
  `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${pick(rand, ['8', '9', 'a', 'b'])}${hex(rand, 3)}-${hex(rand, 12)}`;
const pad2 = (n: number) => String(n).padStart(2, '0');
const stamp = (rand: () => number) =>
  `2026-0${between(rand, 1, 3)}-${pad2(between(rand, 1, 28))} ${pad2(between(rand, 0, 23))}:${pad2(between(rand, 0, 59))}:${pad2(between(rand, 0, 59))}.${String(between(rand, 0, 999_999)).padStart(6, '0')}+00`;
const money = (rand: () => number) => `${between(rand, 1, 4999)}.${pad2(between(rand, 0, 99))}`;
const email = (rand: () => number) =>
  `${pick(rand, FIRST)}.${pick(rand, LAST)}${between(rand, 1, 999)}@${pick(rand, DOMAINS)}`;
const ip = (rand: () => number) =>
  `10.${between(rand, 0, 7)}.${between(rand, 0, 255)}.${between(rand, 1, 254)}`;
const ms = (rand: () => number, max: number) =>
  `${between(rand, 0, max)}.${String(between(rand, 0, 999)).padStart(3, '0')}`;
/** A table's bare name (`orders` of `public.orders`), as constraint and tuple messages name it. */
const bare = (table: Table) => table.name.slice(table.name.indexOf('.') + 1);

/** A SQL statement as the client sent it, with what pgAudit reports about it. */
interface Statement {
  sql: string;
  /** pgAudit class and command tag. */
  pgClass: 'READ' | 'WRITE' | 'DDL';
  command: string;
  /** Relations it touches: pgAudit writes one line per relation (`pgaudit.log_relation`). */
  objects: Array<[type: string, name: string]>;
  /** Parameters of an extended-protocol statement (`$1`...), as `DETAIL:  parameters:` shows them. */
  params?: string[];
}

function keyLiteral(rand: () => number, table: Table): string {
  return table.key === 'sku'
    ? `'SKU-${between(rand, 10_000, 99_999)}'`
    : String(between(rand, 1, 48_000_000));
}

function statementOf(rand: () => number): Statement {
  const t = pick(rand, TABLES);
  const rel: Array<[string, string]> = [['TABLE', t.name]];
  const col = () => pick(rand, t.columns);
  // Lookups by key are the commonest; the long reporting query (9) and DDL (13) the rarest.
  const kind = between(rand, 0, 15);
  switch (kind >= 14 || (kind === 9 && rand() < 0.5) ? 0 : kind) {
    case 0:
    case 1:
      return {
        pgClass: 'READ',
        command: 'SELECT',
        objects: rel,
        sql: `SELECT ${t.columns.slice(0, between(rand, 2, t.columns.length)).join(', ')} FROM ${t.name} WHERE ${t.key} = ${keyLiteral(rand, t)}`,
      };
    case 2: {
      const ids = Array.from({ length: between(rand, 2, 12) }, () => between(rand, 1, 48_000_000));
      return {
        pgClass: 'READ',
        command: 'SELECT',
        objects: rel,
        sql: `SELECT * FROM ${t.name} WHERE ${t.key === 'sku' ? 'quantity' : 'id'} IN (${ids.join(', ')}) ORDER BY 1 LIMIT ${between(rand, 10, 200)}`,
      };
    }
    case 3:
      return {
        pgClass: 'READ',
        command: 'SELECT',
        objects: [
          ['TABLE', 'public.orders'],
          ['TABLE', 'public.customers'],
        ],
        sql: `SELECT o.id, o.total, o.currency, c.email\n  FROM public.orders o\n  JOIN public.customers c ON c.id = o.customer_id\n WHERE o.status = '${pick(rand, STATUSES)}'\n   AND o.created_at >= '${stamp(rand)}'\n ORDER BY o.created_at DESC\n LIMIT ${between(rand, 20, 500)}`,
      };
    case 4:
      return {
        pgClass: 'WRITE',
        command: 'INSERT',
        objects: [['TABLE', 'public.orders']],
        sql: `INSERT INTO public.orders (customer_id, status, total, currency, created_at) VALUES (${between(rand, 1, 2_000_000)}, 'NEW', ${money(rand)}, '${pick(rand, CURRENCIES)}', now()) RETURNING id`,
      };
    case 5:
      return {
        pgClass: 'WRITE',
        command: 'INSERT',
        objects: [['TABLE', 'inventory.stock']],
        sql: `INSERT INTO inventory.stock (sku, warehouse_id, quantity, reserved)\nVALUES ('SKU-${between(rand, 10_000, 99_999)}', ${between(rand, 1, 40)}, ${between(rand, 0, 5000)}, 0)\nON CONFLICT (sku, warehouse_id)\nDO UPDATE SET quantity = inventory.stock.quantity + EXCLUDED.quantity`,
      };
    case 6:
      return {
        pgClass: 'WRITE',
        command: 'UPDATE',
        objects: [['TABLE', 'public.orders']],
        sql: 'UPDATE public.orders SET status = $1, updated_at = now() WHERE id = $2',
        params: [`'${pick(rand, STATUSES)}'`, `'${between(rand, 1, 48_000_000)}'`],
      };
    case 7:
      return {
        pgClass: 'WRITE',
        command: 'INSERT',
        objects: [['TABLE', 'analytics.events']],
        sql: 'INSERT INTO analytics.events (session_id, kind, payload, occurred_at) VALUES ($1, $2, $3, $4)',
        params: [
          `'${uuid(rand)}'`,
          `'${pick(rand, KINDS)}'`,
          `'{"path": "/api/v${between(rand, 1, 3)}/${pick(rand, ['orders', 'cart', 'search', 'account'])}/${between(rand, 1, 99_999)}", "ms": ${between(rand, 2, 900)}}'`,
          `'${stamp(rand)}'`,
        ],
      };
    case 8:
      return {
        pgClass: 'WRITE',
        command: 'DELETE',
        objects: [['TABLE', 'auth.sessions']],
        sql: `DELETE FROM auth.sessions WHERE expires_at < '${stamp(rand)}' OR token_hash = '${hex(rand, 64)}'`,
      };
    case 9:
      return {
        pgClass: 'READ',
        command: 'SELECT',
        objects: [
          ['TABLE', 'billing.invoices'],
          ['TABLE', 'billing.payments'],
        ],
        sql: `WITH unpaid AS (\n  SELECT i.id, i.amount, i.due_date\n    FROM billing.invoices i\n   WHERE i.paid_at IS NULL AND i.due_date < '${stamp(rand).slice(0, 10)}'\n)\nSELECT u.id, u.amount - coalesce(sum(p.amount), 0) AS open_amount\n  FROM unpaid u\n  LEFT JOIN billing.payments p ON p.invoice_id = u.id\n GROUP BY u.id, u.amount\n HAVING u.amount > coalesce(sum(p.amount), 0)`,
      };
    case 10:
      return {
        pgClass: 'WRITE',
        command: 'UPDATE',
        objects: [['TABLE', 'public.customers']],
        sql: `UPDATE public.customers SET email = '${email(rand)}', country = '${pick(rand, COUNTRIES)}' WHERE id = ${between(rand, 1, 2_000_000)}`,
      };
    case 11:
      return {
        pgClass: 'READ',
        command: 'SELECT',
        objects: rel,
        sql: `SELECT count(*), max(${col()}) FROM ${t.name} WHERE ${col()} IS NOT NULL`,
      };
    case 12:
      return {
        pgClass: 'WRITE',
        command: 'INSERT',
        objects: [['TABLE', 'billing.payments']],
        sql: `INSERT INTO billing.payments (invoice_id, provider, amount, captured_at, reference) VALUES (${between(rand, 1, 9_000_000)}, '${pick(rand, PROVIDERS)}', ${money(rand)}, now(), '${pick(rand, ['ch_', 'pi_', 'tx-'])}${hex(rand, 24)}')`,
      };
    default: {
      if (rand() < 0.5) {
        const index = `${bare(t)}_${col()}_idx${between(rand, 1, 9)}`;
        return {
          pgClass: 'DDL',
          command: 'CREATE INDEX',
          objects: [['INDEX', `${t.name.split('.')[0]}.${index}`]],
          sql: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${t.name} (${col()})`,
        };
      }
      return {
        pgClass: 'DDL',
        command: 'ALTER TABLE',
        objects: rel,
        sql: `ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS note_${between(rand, 1, 99)} varchar(${between(rand, 16, 255)})`,
      };
    }
  }
}

function newSession(ctx: LineContext): Session {
  const { rand } = ctx;
  const pid = between(rand, 1000, 65_000);
  return {
    pid,
    user: pick(rand, USERS),
    db: pick(rand, DATABASES),
    ip: ip(rand),
    port: between(rand, 32_768, 60_999),
    app: pick(rand, APPS),
    statementId: 0,
    sessionId: `${hex(rand, 8)}.${pid.toString(16)}`,
    lineNum: 0,
    ageMs: between(rand, 1, 3_600_000),
  };
}

function stateOf(ctx: LineContext): PgState {
  if (!ctx.pg) {
    const sessions: Session[] = [];
    for (let i = between(ctx.rand, 6, 14); i > 0; i--) sessions.push(newSession(ctx));
    ctx.pg = {
      sessions,
      checkpointer: between(ctx.rand, 300, 900),
      xid: between(ctx.rand, 1_000_000, 90_000_000),
    };
  }
  return ctx.pg;
}

/** pgAudit's statement field: CSV-quoted when it holds a comma, a quote or a newline. */
function auditField(sql: string): string {
  return /[",\n]/.test(sql) ? `"${sql.replaceAll('"', '""')}"` : sql;
}

/** A message as the stderr log writes it: a tab after every newline. */
const tabbed = (text: string) => text.replaceAll('\n', '\n\t');

/** Writes one stderr line of a session, `lagMs` before the entry's time. */
function line(b: Builder, s: Session, severity: string, text: string, lagMs = 0): void {
  b.ts(TS.PG, lagMs).add(`:${s.ip}(${s.port}):${s.user}@${s.db}:[${s.pid}]:${severity}:  ${tabbed(text)}\n`);
}

/** A line of a background process (no client, user or database). */
function background(b: Builder, pid: number, severity: string, text: string): void {
  b.ts(TS.PG).add(`::@:[${pid}]:${severity}:  ${tabbed(text)}\n`);
}

/** The error a statement may meet, with its DETAIL / HINT / CONTEXT lines. */
function errorOf(rand: () => number, s: Session, q: Statement, state: PgState): Array<[string, string]> {
  const table = TABLES.find((t) => t.name === q.objects[0]?.[1]) ?? pick(rand, TABLES);
  // Errors a statement of its kind meets: constraint, lock and serialization errors only writes.
  switch (pick(rand, q.pgClass === 'WRITE' ? [0, 1, 2, 3, 4, 5, 6] : [1, 2, 4])) {
    case 0:
      return [
        ['ERROR', `duplicate key value violates unique constraint "${bare(table)}_pkey"`],
        ['DETAIL', `Key (${table.key})=(${keyLiteral(rand, table).replaceAll("'", '')}) already exists.`],
      ];
    case 1:
      return [
        ['ERROR', `relation "${table.name}_archive" does not exist at character ${between(rand, 8, 60)}`],
      ];
    case 2:
      return [['ERROR', 'canceling statement due to statement timeout']];
    case 3: {
      const other = between(rand, 1000, 65_000);
      const xid = state.xid;
      return [
        ['ERROR', 'deadlock detected'],
        [
          'DETAIL',
          `Process ${s.pid} waits for ShareLock on transaction ${xid + 1}; blocked by process ${other}.\nProcess ${other} waits for ShareLock on transaction ${xid}; blocked by process ${s.pid}.\nProcess ${s.pid}: ${q.sql}\nProcess ${other}: UPDATE ${table.name} SET ${table.key} = ${table.key} WHERE ${table.key} = ${keyLiteral(rand, table)}`,
        ],
        ['HINT', 'See server log for query details.'],
        [
          'CONTEXT',
          `while updating tuple (${between(rand, 0, 90_000)},${between(rand, 1, 60)}) in relation "${bare(table)}"`,
        ],
      ];
    }
    case 4:
      return [
        [
          'ERROR',
          `syntax error at or near "${pick(rand, ['FORM', 'WHER', ')', 'LIMIT', '$3'])}" at character ${between(rand, 10, 90)}`,
        ],
      ];
    case 5:
      return [
        [
          'ERROR',
          'insert or update on table "order_items" violates foreign key constraint "order_items_order_id_fkey"',
        ],
        [
          'DETAIL',
          `Key (order_id)=(${between(rand, 40_000_000, 60_000_000)}) is not present in table "orders".`,
        ],
      ];
    default:
      return [['ERROR', 'could not serialize access due to concurrent update']];
  }
}

/** One entry of the stderr log. */
export function postgresEntry(ctx: LineContext): EntryTemplate {
  for (;;) {
    const entry = stderrEntry(ctx);
    // A pooled block needs entries well under its line budget (content.ts): draw again if long.
    if (entry.text.length <= 1300) return entry;
  }
}

function stderrEntry(ctx: LineContext): EntryTemplate {
  const { rand } = ctx;
  const state = stateOf(ctx);
  const b = new Builder(ctx.hostLength);
  const roll = rand();
  if (roll < 0.05 || state.sessions.length < 3) {
    // A new backend: accepted, authenticated (or not).
    const s = newSession(ctx);
    b.ts(TS.PG).add(
      `:${s.ip}(${s.port}):@:[${s.pid}]:LOG:  connection received: host=${s.ip} port=${s.port}\n`,
    );
    if (rand() < 0.08) {
      line(b, s, 'FATAL', `password authentication failed for user "${s.user}"`);
      line(
        b,
        s,
        'DETAIL',
        `Connection matched file "/rdsdbdata/config/pg_hba.conf" line ${between(rand, 4, 14)}: "host all all 0.0.0.0/0 md5"`,
      );
      return b.done();
    }
    line(
      b,
      s,
      'LOG',
      `connection authorized: user=${s.user} database=${s.db} application_name=${s.app} SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)`,
    );
    state.sessions.push(s);
    if (state.sessions.length > 24) state.sessions.shift();
    return b.done();
  }
  const s = pick(rand, state.sessions);
  if (roll < 0.09) {
    state.sessions.splice(state.sessions.indexOf(s), 1);
    const secs = Math.floor(s.ageMs / 1000);
    line(
      b,
      s,
      'LOG',
      `disconnection: session time: ${Math.floor(secs / 3600)}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${String(s.ageMs % 1000).padStart(3, '0')} user=${s.user} database=${s.db} host=${s.ip} port=${s.port}`,
    );
    return b.done();
  }
  if (roll < 0.11) {
    const buffers = between(rand, 10, 90_000);
    background(b, state.checkpointer, 'LOG', 'checkpoint starting: time');
    background(
      b,
      state.checkpointer,
      'LOG',
      `checkpoint complete: wrote ${buffers} buffers (${(buffers / 1300).toFixed(1)}%); 0 WAL file(s) added, ${between(rand, 0, 4)} removed, ${between(rand, 0, 9)} recycled; write=${ms(rand, 269)} s, sync=0.${String(between(rand, 1, 999)).padStart(3, '0')} s, total=${ms(rand, 270)} s; sync files=${between(rand, 1, 300)}, longest=0.0${pad2(between(rand, 1, 99))} s, average=0.00${between(rand, 1, 9)} s; distance=${between(rand, 1000, 999_999)} kB, estimate=${between(rand, 1000, 999_999)} kB; lsn=${hex(rand, 2).toUpperCase()}/${hex(rand, 8).toUpperCase()}, redo lsn=${hex(rand, 2).toUpperCase()}/${hex(rand, 8).toUpperCase()}`,
    );
    return b.done();
  }
  if (roll < 0.13) {
    const t = pick(rand, TABLES);
    const pages = between(rand, 100, 900_000);
    const removed = between(rand, 0, 90_000);
    background(
      b,
      between(rand, 1000, 65_000),
      'LOG',
      `automatic vacuum of table "${s.db}.${t.name}": index scans: ${between(rand, 0, 2)}\npages: 0 removed, ${pages} remain, ${between(rand, 0, pages)} scanned (${ms(rand, 99)}% of total)\ntuples: ${removed} removed, ${between(rand, 1000, 9_000_000)} remain, ${between(rand, 0, 500)} are dead but not yet removable\nremovable cutoff: ${state.xid - between(rand, 0, 5000)}, which was ${between(rand, 0, 900)} XIDs old when operation ended\nindex scan needed: ${between(rand, 0, pages)} pages from table (${ms(rand, 99)}% of total) had ${removed} dead item identifiers removed\navg read rate: ${ms(rand, 90)} MB/s, avg write rate: ${ms(rand, 40)} MB/s\nbuffer usage: ${between(rand, 100, 900_000)} hits, ${between(rand, 0, 90_000)} misses, ${between(rand, 0, 9000)} dirtied\nWAL usage: ${between(rand, 0, 90_000)} records, ${between(rand, 0, 9000)} full page images, ${between(rand, 0, 99_999_999)} bytes\nsystem usage: CPU: user: ${ms(rand, 9)} s, system: ${ms(rand, 3)} s, elapsed: ${ms(rand, 60)} s`,
    );
    return b.done();
  }
  state.xid += between(rand, 1, 40);
  s.statementId += 1;
  s.ageMs += between(rand, 5, 20_000);
  const q = statementOf(rand);
  const took = ms(rand, rand() < 0.9 ? 40 : 9000);
  const lag = Math.min(2000, Math.round(Number(took)));
  if (roll < 0.18) {
    // An error: the message, its DETAIL/HINT/CONTEXT, then the statement that caused it.
    for (const [severity, text] of errorOf(rand, s, q, state)) line(b, s, severity, text);
    line(b, s, 'STATEMENT', q.sql);
    return b.done();
  }
  if (roll < 0.19) {
    line(
      b,
      s,
      'LOG',
      `process ${s.pid} still waiting for ShareLock on transaction ${state.xid - between(rand, 1, 50)} after 1000.${String(between(rand, 0, 999)).padStart(3, '0')} ms`,
    );
    line(b, s, 'DETAIL', `Process holding the lock: ${between(rand, 1000, 65_000)}. Wait queue: ${s.pid}.`);
    line(
      b,
      s,
      'CONTEXT',
      `while updating tuple (${between(rand, 0, 90_000)},${between(rand, 1, 60)}) in relation "${bare(pick(rand, TABLES))}"`,
    );
    line(b, s, 'STATEMENT', q.sql);
    return b.done();
  }
  if (roll < 0.2) {
    line(
      b,
      s,
      'LOG',
      `temporary file: path "base/pgsql_tmp/pgsql_tmp${s.pid}.${between(rand, 0, 40)}", size ${between(rand, 1, 900) * 1_048_576}`,
    );
    line(b, s, 'STATEMENT', q.sql);
    return b.done();
  }
  // pgAudit session logging (pgaudit.log = 'read,write,ddl', log_relation on): one line per
  // relation, written when the statement starts; the duration when it ends.
  for (const [type, name] of q.objects) {
    line(
      b,
      s,
      'LOG',
      `AUDIT: SESSION,${s.statementId},1,${q.pgClass},${q.command},${type},${name},${auditField(q.sql)},<not logged>`,
      lag,
    );
  }
  if (rand() < 0.45) {
    if (q.params) {
      line(b, s, 'LOG', `duration: ${took} ms  execute <unnamed>: ${q.sql}`);
      line(b, s, 'DETAIL', `parameters: ${q.params.map((p, i) => `$${i + 1} = ${p}`).join(', ')}`);
    } else {
      line(b, s, 'LOG', `duration: ${took} ms  statement: ${q.sql}`);
    }
  }
  if (rand() < 0.01) line(b, s, 'WARNING', 'there is no transaction in progress');
  return b.done();
}

const csvQuote = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** One csvlog row (PostgreSQL 14+ columns, see log-lines.ts), of the same sessions and statements. */
export function postgresCsvEntry(ctx: LineContext): EntryTemplate {
  const { rand } = ctx;
  const state = stateOf(ctx);
  const b = new Builder(ctx.hostLength);
  const s = pick(rand, state.sessions);
  s.lineNum += 1;
  s.statementId += 1;
  state.xid += between(rand, 1, 40);
  const q = statementOf(rand);
  const roll = rand();
  let severity = 'LOG';
  let code = '00000';
  let message: string;
  let detail = '';
  let hint = '';
  let context = '';
  let query = '';
  if (roll < 0.55) {
    const [type, name] = q.objects[0] ?? ['TABLE', 'public.orders'];
    message = `AUDIT: SESSION,${s.statementId},1,${q.pgClass},${q.command},${type},${name},${auditField(q.sql)},<not logged>`;
  } else if (roll < 0.92) {
    message = `duration: ${ms(rand, 900)} ms  ${q.params ? 'execute <unnamed>' : 'statement'}: ${q.sql}`;
    if (q.params) detail = `parameters: ${q.params.map((p, i) => `$${i + 1} = ${p}`).join(', ')}`;
  } else {
    const error = errorOf(rand, s, q, state);
    severity = 'ERROR';
    code = pick(rand, ['23505', '42P01', '57014', '40P01', '42601', '23503', '40001']);
    message = error[0]?.[1] ?? 'deadlock detected';
    detail = error.find(([k]) => k === 'DETAIL')?.[1] ?? '';
    hint = error.find(([k]) => k === 'HINT')?.[1] ?? '';
    context = error.find(([k]) => k === 'CONTEXT')?.[1] ?? '';
    query = q.sql;
  }
  const field = (text: string) => (text === '' ? '' : csvQuote(text));
  b.ts(TS.PGMS)
    .add(`,${csvQuote(s.user)},${csvQuote(s.db)},${s.pid},"${s.ip}:${s.port}",${s.sessionId},${s.lineNum},`)
    .add(`${csvQuote(q.command)},`)
    .ts(TS.PG, Math.min(s.ageMs, 3_600_000))
    .add(`,${between(rand, 1, 30)}/${between(rand, 1, 99_999)},${q.pgClass === 'READ' ? 0 : state.xid},`)
    .add(
      `${severity},${code},${csvQuote(message)},${field(detail)},${field(hint)},,,${field(context)},${field(query)},,,`,
    )
    // query_id: a signed 64-bit hash of the statement's shape (compute_query_id).
    .add(
      `${csvQuote(s.app)},"client backend",,${rand() < 0.5 ? '-' : ''}${between(rand, 1, 9_223)}${String(between(rand, 0, 999_999_999_999_999)).padStart(15, '0')}\n`,
    );
  return b.done();
}
