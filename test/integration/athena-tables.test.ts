/**
 * The Athena line tables (infra/athena-layout.ts LINE_TABLES) read the archive as Athena would,
 * proved with an independent reader: DuckDB for Node decompresses each archived gzip object
 * itself, splits it into lines as Athena's text reader does, and applies the table's regular
 * expression as a whole-line match (Hive's RegexSerDe uses Java's `matches()`; DuckDB's
 * `regexp_full_match` is RE2's full match). Every line must become exactly one row, none rejected.
 * The objects are what the pipeline archived from the simulator's PostgreSQL and MySQL logs.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../core/ledger/records.js';
import { LINE_TABLES } from '../../infra/athena-layout.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const HOUR = 3_600_000;

let harness: PipelineHarness;
let dir: string;
const archived = new Map<string, FileRecord[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'athena-tables-'));
  harness = await startPipelineHarness('athena-tables', {
    workload: {
      engines: ['postgres', 'mysql'],
      standaloneInstances: 1,
      logKinds: ['error'],
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
}, 120_000);

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
  it('turns every line of every archived object into exactly one row, none rejected', async () => {
    const records = archived.get(table.logType) ?? [];
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
  // Every group by its column name, as Hive's RegexSerDe fills the columns.
  const parsed = `regexp_extract(line, ${literal(table.regex)}, [${table.columns.map(([name]) => literal(name)).join(', ')}])`;

  it('parses the prefix of every entry line and the pgAudit fields of every AUDIT entry', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (const record of archived.get('postgresql') ?? []) {
      const { path, text } = await objectFile(record.s3Key);
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
