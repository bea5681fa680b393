/**
 * The Athena line tables (infra/athena-layout.ts LINE_TABLES) read the archive as Athena would,
 * proved with an independent reader: DuckDB for Node decompresses each archived gzip object
 * itself, splits it into lines as Athena's text reader does, and applies the table's regular
 * expression as a whole-line match (Hive's RegexSerDe uses Java's `matches()`; DuckDB's
 * `regexp_full_match` is RE2's full match). Every line must become exactly one row, none rejected.
 * The objects are what the pipeline archived from the simulator's PostgreSQL (stderr and csvlog)
 * and MySQL logs, and each table reads the objects its partition projection finds, as Athena
 * does: every object under a partition's location. So `postgresql_log` must find exactly the
 * stderr files, and none of the csvlog files archived beside them (`postgresql-csvlog` segment).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../core/ledger/records.js';
import { keySegmentOfName } from '../../core/log-types.js';
import { LINE_TABLES, logTableLayout } from '../../infra/athena-layout.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const HOUR = 3_600_000;

let harness: PipelineHarness;
let dir: string;
const archived = new Map<string, FileRecord[]>();
/** Every object key in the bucket once the pipeline drained. */
const keys: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'athena-tables-'));
  harness = await startPipelineHarness('athena-tables', {
    workload: {
      engines: ['postgres', 'mysql'],
      standaloneInstances: 1,
      logKinds: ['error'],
      pgCsvlog: true,
      historyHours: 3,
      writerBytesPerSecond: 256,
    },
    env: { ARCHIVER_INSTANCES: 'postgres-1,mysql-1', ARCHIVER_LOG_TYPES: 'postgresql,error' },
  });
  harness.clock.advance(10 * 60_000);
  await harness.discover();
  await harness.drain();
  for (const [group, type] of [
    ['postgres-1', 'postgresql'],
    ['mysql-1', 'error'],
  ] as const) {
    const files = await harness.pipeline.clients.ledger.clusterFiles(group, type, T0 - 4 * HOUR, T0 + HOUR);
    archived.set(
      type,
      files.filter((f) => f.state === 'archived'),
    );
  }
  let token: string | undefined;
  do {
    const page = await harness.res.clients.s3.send(
      new ListObjectsV2Command({ Bucket: harness.res.bucket, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
}, 120_000);

/** The group whose archived files each line table is checked on. */
const GROUPS: Record<string, string> = { postgresql: 'postgres-1', error: 'mysql-1' };

/**
 * The keys a table reads, as Athena's partition projection finds them: every object under the
 * location its template gives for the group and any hour.
 */
function keysRead(table: (typeof LINE_TABLES)[number]): string[] {
  const { config } = harness.pipeline;
  const layout = logTableLayout(
    { layout: config.keyLayout, prefix: config.keyPrefix, clusters: [] },
    table.segment,
  );
  const literalRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hour =
    config.keyLayout === 'hive' ? String.raw`\d{4}-\d{2}-\d{2}-\d{2}` : String.raw`\d{4}/\d{2}/\d{2}/\d{2}`;
  const [before = '', after = ''] = layout.templatePath.split(/\$\{dt\}/);
  const location = new RegExp(
    `^${literalRegex(before.replace(/\$\{cluster\}/, GROUPS[table.segment] ?? '?'))}${hour}${literalRegex(after)}`,
  );
  return keys.filter((key) => location.test(key)).sort();
}

afterAll(async () => {
  await harness?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The archived object's bytes as stored (gzip), written to a file DuckDB reads. */
async function objectFile(key: string): Promise<{ path: string; text: string }> {
  const out = await harness.res.clients.s3.send(
    new GetObjectCommand({ Bucket: harness.res.bucket, Key: key }),
  );
  const gzip = Buffer.from(await out.Body!.transformToByteArray());
  const path = join(dir, `${archived.size}-${key.replaceAll('/', '_')}`);
  await writeFile(path, gzip);
  return { path, text: gunzipSync(gzip).toString('utf8') };
}

/** SQL string literal (standard SQL: quotes doubled, backslashes as they are). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe.each(LINE_TABLES.map((table) => [table.name, table] as const))('Athena table %s', (_name, table) => {
  it('reads exactly the archived objects of its key segment', () => {
    const ofSegment = (archived.get(table.segment) ?? []).filter(
      (r) => keySegmentOfName(r.logFileName) === table.segment,
    );
    expect(ofSegment.length).toBeGreaterThan(1);
    expect(keysRead(table)).toEqual(ofSegment.map((r) => r.s3Key).sort());
  });

  it('turns every line of every object it reads into exactly one row, none rejected', async () => {
    const records = (archived.get(table.segment) ?? []).filter((r) => keysRead(table).includes(r.s3Key));
    expect(records.length).toBeGreaterThan(1);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    let lines = 0;
    for (const record of records) {
      const { path, text } = await objectFile(record.s3Key);
      expect(text.endsWith('\n')).toBe(true);
      const expected = text.split('\n').slice(0, -1);
      const result = await duck.runAndReadAll(
        `SELECT count(*) AS rows_read,
                count(*) FILTER (WHERE NOT regexp_full_match(line, ${literal(table.regex)})) AS rejected
           FROM read_csv(${literal(path)}, columns = {'line': 'VARCHAR'}, delim = E'\\x1f', quote = '',
                         escape = '', header = false, auto_detect = false, compression = 'gzip')`,
      );
      const [[rowsRead, rejected]] = result.getRows() as [[bigint, bigint]];
      expect({ key: record.s3Key, rows: Number(rowsRead), rejected: Number(rejected) }).toEqual({
        key: record.s3Key,
        rows: expected.length,
        rejected: 0,
      });
      lines += expected.length;
    }
    expect(lines).toBeGreaterThan(100);
  });
});

describe('Athena table postgresql_log', () => {
  const table = LINE_TABLES.find((t) => t.name === 'postgresql_log')!;

  it('reads no csvlog object, though csvlog files were archived beside the stderr ones', () => {
    const csv = (archived.get('postgresql') ?? []).filter((r) => r.logFileName.endsWith('.csv'));
    expect(csv.length).toBeGreaterThan(1);
    expect(keysRead(table).filter((key) => key.endsWith('.csv.gz'))).toEqual([]);
    for (const record of csv) expect(keysRead(table)).not.toContain(record.s3Key);
  });

  // Every group by its column name, as Hive's RegexSerDe fills the columns.
  const parsed = `regexp_extract(line, ${literal(table.regex)}, [${table.columns.map(([name]) => literal(name)).join(', ')}])`;

  it('parses the prefix of every entry line and the pgAudit fields of every AUDIT entry', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const read = keysRead(table);
    expect(read.length).toBeGreaterThan(1);
    for (const key of read) {
      const { path, text } = await objectFile(key);
      const lines = text.split('\n').slice(0, -1);
      // Counted without the table's expression: entries start with a date, continuations with a tab.
      const entries = lines.filter((line) => /^\d{4}-/.test(line)).length;
      const audits = lines.filter((line) => line.includes(':LOG:  AUDIT: SESSION,')).length;
      const result = await duck.runAndReadAll(
        `SELECT count(*) FILTER (WHERE row.log_time <> '' AND row.pid <> '' AND row.severity <> ''),
                count(*) FILTER (WHERE row.audit_type = 'SESSION' AND row.audit_class IN ('READ', 'WRITE', 'DDL')
                                   AND row.command <> ''),
                count(*) FILTER (WHERE row.continuation <> '' AND row.log_time = '')
           FROM (SELECT ${parsed} AS row FROM read_csv(${literal(path)}, columns = {'line': 'VARCHAR'}, delim = E'\\x1f', quote = '',
                         escape = '', header = false, auto_detect = false, compression = 'gzip'))`,
      );
      const [[withPrefix, auditRows, continuations]] = result.getRows() as [[bigint, bigint, bigint]];
      expect(Number(withPrefix)).toBe(entries);
      expect(Number(auditRows)).toBe(audits);
      expect(audits).toBeGreaterThan(0);
      expect(Number(continuations)).toBe(lines.length - entries);
    }
  });
});
