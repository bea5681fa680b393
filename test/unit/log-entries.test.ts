import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { csvFields, csvlogRow } from '../../core/entries/csvlog.js';
import { EntriesStream } from '../../core/entries/entries-stream.js';
import {
  CSVLOG_FORMAT,
  entriesKey,
  entryFormatOf,
  isEntriesKey,
  SLOW_QUERY_FORMAT,
} from '../../core/entries/entry-formats.js';
import { slowQueryRow } from '../../core/entries/slow-query.js';
import { EntrySplitter, type SplitEntry } from '../../core/entries/split.js';

/** A MySQL 8 slow query log: a banner, then entries, one statement on several lines with quotes. */
const SLOW = [
  '/rdsdbbin/mysql/bin/mysqld, Version: 8.0.36 (Source distribution). started with:\n',
  'Tcp port: 3306  Unix socket: /tmp/mysql.sock\n',
  'Time                 Id Command    Argument\n',
  '# Time: 2026-03-01T10:00:00.123456Z\n',
  '# User@Host: app[app] @  [10.0.1.20]  Id:    42\n',
  '# Query_time: 2.000154  Lock_time: 0.000101 Rows_sent: 1  Rows_examined: 500000\n',
  'use orders;\n',
  'SET timestamp=1772359200;\n',
  "UPDATE orders\n   SET note = 'customer''s # Time: request'\n WHERE id = 7;\n",
  '# Time: 2026-03-01T10:00:01.000001Z\n',
  '# User@Host: rdsadmin[rdsadmin] @ localhost []  Id:     5\n',
  '# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1\n',
  'SET timestamp=1772359201;\n',
  'SELECT 1;\n',
].join('');

/** PostgreSQL 14 csvlog: a record whose message and query hold newlines, quotes and commas. */
const CSV = [
  '2026-03-01 10:00:00.123 UTC,"app","orders",4242,"10.0.1.20:50432",65f1a2b3.1092,3,"UPDATE",',
  '2026-03-01 09:59:00 UTC,3/17,0,LOG,00000,"AUDIT: SESSION,1,1,WRITE,UPDATE,,,""UPDATE orders\n',
  '   SET note = \'say ""hi"", ok\'\n WHERE id = 7"",<not logged>",,,,,,,,,"orders-api","client backend",,0\n',
  '2026-03-01 10:00:01.000 UTC,"app","orders",4242,"10.0.1.20:50432",65f1a2b3.1092,4,"SELECT",',
  '2026-03-01 09:59:00 UTC,3/18,0,ERROR,42P01,"relation ""x"" does not exist",,,,,,"SELECT *\nFROM x",15,,"psql","client backend",,0\n',
].join('');

async function split(rule: 'csv' | 'slow', text: string, chunkSize: number, max?: number) {
  const splitter = new EntrySplitter(rule, max);
  const bytes = Buffer.from(text);
  const out: SplitEntry[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize)
    out.push(...splitter.push(bytes.subarray(i, i + chunkSize)));
  out.push(...splitter.end());
  return out;
}

describe('EntrySplitter', () => {
  it.each([1, 2, 7, 13, 64, 100_000])('splits slow query entries the same at chunk size %i', async (size) => {
    const entries = await split('slow', SLOW, size);
    expect(entries.map((e) => e.bytes.toString())).toEqual([
      SLOW.slice(0, SLOW.indexOf('# Time:')),
      SLOW.slice(SLOW.indexOf('# Time:'), SLOW.lastIndexOf('# Time:')),
      SLOW.slice(SLOW.lastIndexOf('# Time:')),
    ]);
    expect(entries.map((e) => e.offset)).toEqual([0, SLOW.indexOf('# Time:'), SLOW.lastIndexOf('# Time:')]);
    expect(entries.every((e) => !e.truncated && e.length === e.bytes.length)).toBe(true);
  });

  it.each([1, 3, 50, 100_000])(
    'splits csvlog records at newlines outside quotes (chunk size %i)',
    async (size) => {
      const entries = await split('csv', CSV, size);
      expect(entries).toHaveLength(2);
      expect(entries.map((e) => e.bytes.toString()).join('')).toBe(CSV);
      expect(entries[1]?.offset).toBe(Buffer.byteLength(entries[0]?.bytes.toString() ?? ''));
    },
  );

  it('starts an entry at # User@Host: when no # Time: line came before it (MySQL 5.6)', async () => {
    const text =
      '# Time: 260301 10:00:00\n# User@Host: a[a] @  [1.2.3.4]  Id: 1\nSELECT 1;\n# User@Host: b[b] @  [1.2.3.5]  Id: 2\nSELECT 2;\n';
    const entries = await split('slow', text, 5);
    expect(entries.map((e) => e.bytes.toString())).toEqual([
      '# Time: 260301 10:00:00\n# User@Host: a[a] @  [1.2.3.4]  Id: 1\nSELECT 1;\n',
      '# User@Host: b[b] @  [1.2.3.5]  Id: 2\nSELECT 2;\n',
    ]);
  });

  it('keeps at most the cap of an entry, counts all of it, and goes on with the next', async () => {
    // An unterminated quote swallows the rest of the file: one capped entry, not gigabytes held.
    const text = `a,"b\n${'x'.repeat(1000)}\n`;
    const [entry, ...rest] = await split('csv', text, 64, 100);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ offset: 0, length: text.length, truncated: true });
    expect(entry?.bytes.toString()).toBe(text.slice(0, 100));
    const long = `# Time: t\n# User@Host: a[a] @  []\n${'y'.repeat(500)}\n`;
    const slow = await split('slow', `${long}# Time: u\n`, 7, 50);
    expect(slow.map((e) => [e.truncated, e.length, e.bytes.length])).toEqual([
      [true, long.length, 50],
      [false, '# Time: u\n'.length, '# Time: u\n'.length],
    ]);
  });

  it('returns a last entry without a final newline', async () => {
    expect((await split('csv', 'a,b\nc,d', 2)).map((e) => e.bytes.toString())).toEqual(['a,b\n', 'c,d']);
  });
});

describe('slowQueryRow', () => {
  it('parses the headers, the database, the timestamp, and keeps the statement whole', async () => {
    const [, first, second] = await split('slow', SLOW, 9);
    expect(slowQueryRow(first?.bytes.toString() ?? '')).toEqual({
      log_time: '2026-03-01T10:00:00.123456Z',
      user_name: 'app',
      client_host: null,
      client_ip: '10.0.1.20',
      thread_id: 42,
      query_time: 2.000154,
      lock_time: 0.000101,
      rows_sent: 1,
      rows_examined: 500000,
      db: 'orders',
      set_timestamp: 1772359200,
      statement: "UPDATE orders\n   SET note = 'customer''s # Time: request'\n WHERE id = 7;",
    });
    expect(slowQueryRow(second?.bytes.toString() ?? '')).toMatchObject({
      user_name: 'rdsadmin',
      client_host: 'localhost',
      client_ip: null,
      thread_id: 5,
      db: null,
      statement: 'SELECT 1;',
    });
  });

  it('keeps a block without a header (the start-up banner) as its statement text', () => {
    const banner = SLOW.slice(0, SLOW.indexOf('# Time:'));
    expect(slowQueryRow(banner)).toMatchObject({
      log_time: null,
      user_name: null,
      statement: banner.slice(0, -1),
    });
  });
});

describe('csvlogRow', () => {
  it('reads quoted fields with newlines, doubled quotes and commas; empty fields are null', async () => {
    const [audit, error] = await split('csv', CSV, 11);
    const row = csvlogRow(audit?.bytes.toString() ?? '');
    expect(row).toMatchObject({
      log_time: '2026-03-01 10:00:00.123 UTC',
      user_name: 'app',
      process_id: '4242',
      session_line_num: '3',
      error_severity: 'LOG',
      message: `AUDIT: SESSION,1,1,WRITE,UPDATE,,,"UPDATE orders\n   SET note = 'say "hi", ok'\n WHERE id = 7",<not logged>`,
      detail: null,
      application_name: 'orders-api',
      backend_type: 'client backend',
      leader_pid: null,
      query_id: '0',
      extra_fields: null,
    });
    expect(csvlogRow(error?.bytes.toString() ?? '')).toMatchObject({
      error_severity: 'ERROR',
      sql_state_code: '42P01',
      message: 'relation "x" does not exist',
      query: 'SELECT *\nFROM x',
      query_pos: '15',
    });
  });

  it('leaves the columns of an older PostgreSQL null and keeps fields beyond the known ones', () => {
    expect(csvlogRow('t,u,d\n')).toMatchObject({ log_time: 't', database_name: 'd', query_id: null });
    const many = `${Array.from({ length: 28 }, (_, i) => `f${i}`).join(',')}\n`;
    expect(csvlogRow(many).extra_fields).toEqual(['f26', 'f27']);
    expect(csvFields('"a"b,"",c')).toEqual(['ab', '', 'c']);
  });
});

describe('EntriesStream', () => {
  it('writes one JSON line per entry with its offset and length in the file', async () => {
    const lines: string[] = [];
    const stage = new EntriesStream(SLOW_QUERY_FORMAT);
    await pipeline(
      Readable.from([Buffer.from(SLOW.slice(0, 300)), Buffer.from(SLOW.slice(300))]),
      stage,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          cb();
        },
      }),
    );
    expect(stage.entries).toBe(3);
    const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.source_offset)).toEqual([
      0,
      SLOW.indexOf('# Time:'),
      SLOW.lastIndexOf('# Time:'),
    ]);
    expect(rows.reduce((n, r) => n + (r.source_length as number), 0)).toBe(SLOW.length);
    // Every row has every column its table declares, in order, and nothing else.
    const names = [
      ...SLOW_QUERY_FORMAT.columns.map((c) => c.name),
      'source_offset',
      'source_length',
      'truncated',
    ];
    for (const row of rows) expect(Object.keys(row)).toEqual(names);
  });
});

describe('entry formats and keys', () => {
  it('splits slow query logs and PostgreSQL csvlog files, nothing else', () => {
    expect(entryFormatOf('slowquery/mysql-slowquery.log.3')).toBe(SLOW_QUERY_FORMAT);
    expect(entryFormatOf('slowquery/mysql-slowquery.log')).toBe(SLOW_QUERY_FORMAT);
    expect(entryFormatOf('error/postgresql.log.2026-03-01-10.csv')).toBe(CSVLOG_FORMAT);
    expect(entryFormatOf('error/postgresql.log.2026-03-01-10')).toBeUndefined();
    expect(entryFormatOf('error/mysql-error-running.log.10')).toBeUndefined();
    expect(entryFormatOf('audit/server_audit.log')).toBeUndefined();
  });

  it('puts the entries object under _entries/ with the archived key path, in both layouts', () => {
    expect(
      entriesKey('logs/mysql-1/slowquery/2026/03/01/10/mysql-1/mysql-slowquery.log.10.gz', 'logs/'),
    ).toBe('logs/_entries/mysql-1/slowquery/2026/03/01/10/mysql-1/mysql-slowquery.log.10.json.gz');
    expect(
      entriesKey(
        'cluster=pg-1/log_type=postgresql/dt=2026-03-01-10/instance=pg-1/postgresql.log.2026-03-01-10.csv.gz',
        '',
      ),
    ).toBe(
      '_entries/cluster=pg-1/log_type=postgresql/dt=2026-03-01-10/instance=pg-1/postgresql.log.2026-03-01-10.csv.json.gz',
    );
    expect(isEntriesKey('logs/_entries/x.json.gz', 'logs')).toBe(true);
    expect(isEntriesKey('logs/mysql-1/slowquery/x.gz', 'logs')).toBe(false);
    expect(() => entriesKey('other/x.gz', 'logs/')).toThrow(/not under the key prefix/);
  });
});
