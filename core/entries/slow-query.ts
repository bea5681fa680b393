/**
 * One MySQL-family slow query log entry as a row. Pure.
 *
 * The entry as MySQL 8 / Aurora MySQL 3 (and 5.7) write it with `log_output=FILE`:
 *
 * ```
 * # Time: 2026-03-01T10:00:00.123456Z
 * # User@Host: app[app] @  [10.0.1.20]  Id:    42
 * # Query_time: 2.000154  Lock_time: 0.000101 Rows_sent: 1  Rows_examined: 500000
 * use orders;
 * SET timestamp=1772359198;
 * SELECT ... (the statement as the client sent it, newlines included);
 * ```
 *
 * `use` appears when the default database changed; MariaDB writes `# Time: 260301 10:00:00` and
 * further `# Rows_affected: ...` lines; with `log_slow_extra` MySQL adds fields to the
 * `# Query_time:` line. The row keeps the time as written (`log_time`), the four fields every version writes,
 * and the statement; a block without a `# User@Host:` header (mysqld's start-up banner) is a row
 * with only `statement` set to its text, so nothing is dropped.
 */

export interface SlowQueryRow {
  log_time: string | null;
  user_name: string | null;
  client_host: string | null;
  client_ip: string | null;
  thread_id: number | null;
  query_time: number | null;
  lock_time: number | null;
  rows_sent: number | null;
  rows_examined: number | null;
  db: string | null;
  set_timestamp: number | null;
  statement: string;
}

const USER_HOST = /^# User@Host: ([^[\s]*)\[([^\]]*)\] @ (\S*) \[([^\]]*)\](?:\s+Id:\s+(\d+))?/;
const FIELD = /([A-Za-z_]+): (\S+)/g;
const USE = /^use (.+);$/;
const SET_TIMESTAMP = /^SET timestamp=(\d+);$/;

/** Parses the text of one entry (as split by `EntrySplitter` with the `slow` rule). */
export function slowQueryRow(text: string): SlowQueryRow {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const row: SlowQueryRow = {
    log_time: null,
    user_name: null,
    client_host: null,
    client_ip: null,
    thread_id: null,
    query_time: null,
    lock_time: null,
    rows_sent: null,
    rows_examined: null,
    db: null,
    set_timestamp: null,
    statement: '',
  };
  let i = 0;
  let headed = false;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('# ')) break;
    if (line.startsWith('# Time: ')) {
      row.log_time = line.slice('# Time: '.length).trim();
      continue;
    }
    const user = USER_HOST.exec(line);
    if (user) {
      headed = true;
      row.user_name = user[1] ?? null;
      row.client_host = user[3] || null;
      row.client_ip = user[4] || null;
      row.thread_id = user[5] !== undefined ? Number(user[5]) : null;
      continue;
    }
    for (const [, name, value] of line.matchAll(FIELD)) {
      if (name === 'Query_time') row.query_time = numberOrNull(value);
      else if (name === 'Lock_time') row.lock_time = numberOrNull(value);
      else if (name === 'Rows_sent') row.rows_sent = numberOrNull(value);
      else if (name === 'Rows_examined') row.rows_examined = numberOrNull(value);
    }
  }
  if (!headed) return { ...row, log_time: null, statement: text.replace(/\n$/, '') };
  const use = USE.exec(lines[i] ?? '');
  if (use) {
    row.db = use[1] ?? null;
    i += 1;
  }
  const stamp = SET_TIMESTAMP.exec(lines[i] ?? '');
  if (stamp) {
    row.set_timestamp = Number(stamp[1]);
    i += 1;
  }
  row.statement = lines.slice(i).join('\n');
  return row;
}

function numberOrNull(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : null;
}
