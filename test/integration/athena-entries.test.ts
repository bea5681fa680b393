/**
 * The Athena entries tables (infra/athena-layout.ts ENTRY_TABLES) read the archive as Athena would,
 * proved with an independent reader: the pipeline archives the simulator's Aurora MySQL and RDS
 * MySQL slow query logs and RDS PostgreSQL csvlog files, and DuckDB for Node reads each entries
 * object (gzip JSON Lines) with the tables' own column list and types, as the Hive JSON SerDe
 * does. Every entry becomes exactly one row and none is rejected (DuckDB refuses a value of the
 * wrong type, and each row must carry the fields every entry has); the row counts equal counts
 * made without our parser: `# Time:` header lines for the slow log, DuckDB's own CSV reader
 * (quoted newlines and all) for csvlog, whose records must also equal the rows field by field.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSVLOG_COLUMNS } from '../../core/entries/csvlog.js';
import { EntriesStream } from '../../core/entries/entries-stream.js';
import { type ColumnType, entriesKey, entryFormatOf } from '../../core/entries/entry-formats.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { type LogType, logTypeOfSegment } from '../../core/log-types.js';
import { ENTRY_TABLES, type EntryTable, entriesTableLayout } from '../../infra/athena-layout.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const HOUR = 3_600_000;

let harness: PipelineHarness;
let dir: string;
let duck: DuckDBConnection;
let files = 0;
/** Archived files per log type, with the group (cluster, or standalone instance) they belong to. */
const archived = new Map<LogType, FileRecord[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'athena-entries-'));
  harness = await startPipelineHarness('athena-entries', {
    workload: {
      engines: ['aurora-mysql', 'mysql', 'postgres'],
      clusters: 1,
      standaloneInstances: 1,
      logKinds: ['slowquery'],
      pgCsvlog: true,
      historyHours: 3,
      writerBytesPerSecond: 256,
    },
    env: { ARCHIVER_INSTANCES: 'postgres-1,mysql-1', ARCHIVER_LOG_TYPES: 'slowquery,postgresql' },
  });
  harness.clock.advance(10 * 60_000);
  await harness.discover();
  await harness.drain();
  const groups = [...harness.sim.world.clusters().map((c) => c.id), 'postgres-1', 'mysql-1'];
  for (const type of ['slowquery', 'postgresql'] as const) {
    const records: FileRecord[] = [];
    for (const group of groups) {
      const files = await harness.pipeline.clients.ledger.clusterFiles(group, type, T0 - 4 * HOUR, T0 + HOUR);
      records.push(...files.filter((f) => f.state === 'archived'));
    }
    archived.set(type, records);
  }
  duck = await (await DuckDBInstance.create(':memory:')).connect();
}, 180_000);

afterAll(async () => {
  duck?.closeSync();
  await harness?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An object's stored bytes (gzip) written to a file DuckDB reads, and its text. */
async function objectFile(key: string): Promise<{ path: string; text: string; bytes: Buffer }> {
  const out = await harness.res.clients.s3.send(
    new GetObjectCommand({ Bucket: harness.res.bucket, Key: key }),
  );
  const gzip = Buffer.from(await out.Body!.transformToByteArray());
  const path = join(dir, `${++files}.gz`);
  await writeFile(path, gzip);
  const bytes = gunzipSync(gzip);
  return { path, text: bytes.toString('utf8'), bytes };
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The table's columns as DuckDB types: the schema Athena's JSON SerDe applies. */
const DUCK_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  'array<string>': 'VARCHAR[]',
};
function jsonSource(table: EntryTable, path: string): string {
  const columns = table.columns.map((c) => `${literal(c.name)}: ${literal(DUCK_TYPES[c.type])}`).join(', ');
  return `read_json(${literal(path)}, format = 'newline_delimited', compression = 'gzip', columns = {${columns}})`;
}

/** What every row of an entry must have; a row without it would be a rejected entry. */
const REQUIRED: Record<string, string> = {
  mysql_slow_query_log:
    'log_time IS NOT NULL AND user_name IS NOT NULL AND query_time IS NOT NULL AND rows_examined IS NOT NULL AND set_timestamp IS NOT NULL AND statement IS NOT NULL',
  postgresql_csvlog:
    'log_time IS NOT NULL AND error_severity IS NOT NULL AND message IS NOT NULL AND backend_type IS NOT NULL AND extra_fields IS NULL',
};

describe.each(ENTRY_TABLES.map((table) => [table.name, table] as const))(
  'Athena table %s',
  (_name, table) => {
    const records = () =>
      (archived.get(logTypeOfSegment(table.segment)) ?? []).filter(
        (r) => entryFormatOf(r.logFileName) === table.format,
      );

    it('lies where the table projects its partitions', () => {
      expect(records().length).toBeGreaterThan(1);
      const keyPrefix = harness.pipeline.config.keyPrefix;
      for (const record of records()) {
        const layout = entriesTableLayout(
          { layout: harness.pipeline.config.keyLayout, prefix: keyPrefix, clusters: [] },
          table.segment,
        );
        const dt = record.s3Key.match(/\/(\d{4}\/\d{2}\/\d{2}\/\d{2})\//)?.[1] ?? 'no hour';
        const partition = layout.templatePath
          .replace(/\$\{cluster\}/, record.cluster)
          .replace(/\$\{dt\}/, dt);
        expect(entriesKey(record.s3Key, keyPrefix).startsWith(partition)).toBe(true);
      }
    });

    it('turns every entry of every archived file into exactly one row, none rejected', async () => {
      let total = 0;
      for (const record of records()) {
        const archivedObject = await objectFile(record.s3Key);
        const entries = await objectFile(entriesKey(record.s3Key, harness.pipeline.config.keyPrefix));
        const result = await duck.runAndReadAll(
          `SELECT count(*), count(*) FILTER (WHERE NOT (${REQUIRED[table.name]})), sum(source_length),
                count(*) FILTER (WHERE truncated) FROM ${jsonSource(table, entries.path)}`,
        );
        const [[rows, rejected, bytes, truncated]] = result.getRows() as [[bigint, bigint, bigint, bigint]];
        // Counted without our parser.
        const expected =
          table.name === 'mysql_slow_query_log'
            ? archivedObject.text.split('\n').filter((line) => line.startsWith('# Time: ')).length
            : await csvRecords(archivedObject.path);
        expect({
          key: record.s3Key,
          rows: Number(rows),
          rejected: Number(rejected),
          truncated: Number(truncated),
        }).toEqual({ key: record.s3Key, rows: expected, rejected: 0, truncated: 0 });
        // The entries tile the file: together they are every byte of it.
        expect(Number(bytes)).toBe(archivedObject.bytes.length);
        total += expected;
      }
      expect(total).toBeGreaterThan(100);
    });
  },
);

describe('entries objects', () => {
  it('are derived again, the same, from the archived objects alone', async () => {
    let checked = 0;
    for (const record of [...(archived.get('slowquery') ?? []), ...(archived.get('postgresql') ?? [])]) {
      const format = entryFormatOf(record.logFileName);
      if (!format) continue;
      const source = await objectFile(record.s3Key);
      const stored = await objectFile(entriesKey(record.s3Key, harness.pipeline.config.keyPrefix));
      const again: Buffer[] = [];
      // Chunks of an odd size: the rows must not depend on where the bytes were cut.
      const bytes = source.bytes;
      const chunks = Array.from({ length: Math.ceil(bytes.length / 4093) }, (_, i) =>
        bytes.subarray(i * 4093, (i + 1) * 4093),
      );
      await pipeline(
        Readable.from(chunks),
        new EntriesStream(format),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            again.push(chunk);
            callback();
          },
        }),
      );
      expect(Buffer.concat(again).toString('utf8') === stored.text).toBe(true);
      checked += 1;
    }
    expect(checked).toBe(9);
  });
});

/** Records of a gzip csvlog file as DuckDB's own CSV reader counts them. */
async function csvRecords(path: string): Promise<number> {
  const result = await duck.runAndReadAll(`SELECT count(*) FROM ${csvSource(path)}`);
  return Number((result.getRows() as [[bigint]])[0][0]);
}

function csvSource(path: string): string {
  const columns = CSVLOG_COLUMNS.map((name) => `${literal(name)}: 'VARCHAR'`).join(', ');
  return `read_csv(${literal(path)}, columns = {${columns}}, delim = ',', quote = '"', escape = '"', header = false,
                   auto_detect = false, compression = 'gzip', allow_quoted_nulls = false, strict_mode = true)`;
}

describe('Athena table postgresql_csvlog', () => {
  const table = ENTRY_TABLES.find((t) => t.name === 'postgresql_csvlog')!;

  it('holds each csvlog record field by field as a CSV reader reads it, multi-line statements included', async () => {
    let multiLine = 0;
    for (const record of archived.get('postgresql') ?? []) {
      if (entryFormatOf(record.logFileName) !== table.format) continue;
      const csv = await objectFile(record.s3Key);
      const json = await objectFile(entriesKey(record.s3Key, harness.pipeline.config.keyPrefix));
      const same = CSVLOG_COLUMNS.map((name) => `c."${name}" IS NOT DISTINCT FROM j."${name}"`).join(' AND ');
      const result = await duck.runAndReadAll(
        `WITH c AS (SELECT row_number() OVER () AS n, * FROM ${csvSource(csv.path)}),
              j AS (SELECT row_number() OVER () AS n, * FROM ${jsonSource(table, json.path)})
         SELECT count(*), count(*) FILTER (WHERE ${same}), count(*) FILTER (WHERE j.message LIKE '%' || chr(10) || '%')
           FROM c FULL JOIN j USING (n)`,
      );
      const [[rows, equal, withNewline]] = result.getRows() as [[bigint, bigint, bigint]];
      expect(Number(equal)).toBe(Number(rows));
      multiLine += Number(withNewline);
    }
    expect(multiLine).toBeGreaterThan(0);
  });
});
