/**
 * `completeness` reaches S3: every file the ledger counts as archived is confirmed in the bucket
 * with the ETag and size recorded when it was archived, one ListObjectsV2 per instance-hour prefix.
 * On the local stack: intact, an object deleted, one overwritten, one replaced by an older object
 * (back-dated), an old ledger record without an ETag, `--ledger-only`, and `status`'s wording.
 */

import { gzipSync } from 'node:zlib';
import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatus } from '../../cli/commands/status.js';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { keys } from '../../core/ledger/records.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { runStatus } from '../../core/operations/status/status.js';
import { auroraAuditName } from '../support/factories.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CLUSTER = 'aurora-audit-1';
const I1 = `${CLUSTER}-instance-1`;
const I2 = `${CLUSTER}-instance-2`;
const H1 = T0 + HOUR;
const H2 = T0 + 2 * HOUR;
/** The window: hours H1 and H2, both covered by listings at T0 and after H2. */
const WINDOW = [
  '--cluster',
  CLUSTER,
  '--from',
  new Date(H1).toISOString(),
  '--to',
  new Date(H2 + HOUR).toISOString(),
];

/** Two writers per instance, a file in each hour: 8 files in 4 instance-hour prefixes. */
const FILES = [I1, I2].flatMap((instance, i) =>
  [0, 1].flatMap((writer) => [
    {
      instance,
      name: auroraAuditName(writer, H1),
      size: 2000 + 100 * writer + 10 * i,
      lastWritten: H1 + 50 * MINUTE,
    },
    {
      instance,
      name: auroraAuditName(writer, H2),
      size: 2500 + 100 * writer + 10 * i,
      lastWritten: H2 + 50 * MINUTE,
    },
  ]),
);

let h: PipelineHarness;

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

async function report(...extra: string[]): Promise<{ code: number; report: CompletenessReport }> {
  const shown = await cli('completeness', ...WINDOW, '--json', ...extra);
  return { code: shown.code, report: JSON.parse(shown.out) as CompletenessReport };
}

async function keyOf(instance: string, name: string): Promise<string> {
  const record = await h.ledgerFile(instance, name);
  if (!record) throw new Error(`${instance} ${name} is not in the ledger`);
  return record.s3Key;
}

describe('completeness confirms the archived objects in S3', () => {
  beforeAll(async () => {
    h = await startPipelineHarness('cobj', {
      workload: { instancesPerCluster: 2, historyHours: 0, logKinds: ['error'] },
    });
    await h.discover();
    for (const file of FILES) {
      h.sim.world.addFile(file.instance, file.name, { size: file.size, lastWritten: file.lastWritten });
    }
    // Past the window and every file quiet for longer than the settle period: all archived.
    h.clock.advance(3 * HOUR + 10 * MINUTE);
    await h.discover();
    await h.drain();
  }, 120_000);
  afterAll(() => h?.cleanup());

  it('intact: COMPLETE (exit 0), each archived object confirmed with one listing per instance-hour', async () => {
    const { code, report: intact } = await report();
    expect(code).toBe(0);
    expect(intact.verdict).toEqual({ complete: true, reasons: [] });
    expect(intact.totals).toMatchObject({ files: 8, archived: 8, missingObjects: 0 });
    expect(intact.objects).toEqual({
      mode: 'listed',
      prefixes: 4,
      requests: 4,
      checked: 8,
      basis: { 'etag-and-size': 8, size: 0, existence: 0 },
      problems: [],
    });
    const text = await cli('completeness', ...WINDOW);
    expect(text.out).toContain(
      'objects in S3: 8 checked (4 prefix listing(s), 4 request(s)): 8 as archived, 0 missing, 0 replaced',
    );
    expect(text.out.trimEnd().split('\n').at(-1)).toBe('COMPLETE');
  });

  it('an old record without an ETag is checked by size, not reported as replaced', async () => {
    const file = FILES[0]!;
    await h.res.clients.doc.send(
      new UpdateCommand({
        TableName: h.res.table,
        Key: keys.activeFile({ instance: file.instance, logFileName: file.name }),
        UpdateExpression: 'REMOVE archivedEtag',
      }),
    );
    const { code, report: old } = await report();
    expect(code).toBe(0);
    expect(old.objects).toMatchObject({ checked: 8, basis: { 'etag-and-size': 7, size: 1, existence: 0 } });
    const text = await cli('completeness', ...WINDOW);
    expect(text.out).toContain('1 old record(s) without an ETag checked by size only');
  });

  it('deleted, overwritten and back-dated objects: INCOMPLETE (exit 1), each listed; --ledger-only says it did not look', async () => {
    const [deleted, overwritten, backdated, older] = [FILES[1]!, FILES[4]!, FILES[7]!, FILES[6]!];
    await h.res.clients.s3.send(
      new DeleteObjectCommand({ Bucket: h.res.bucket, Key: await keyOf(deleted.instance, deleted.name) }),
    );
    await h.res.clients.s3.send(
      new PutObjectCommand({
        Bucket: h.res.bucket,
        Key: await keyOf(overwritten.instance, overwritten.name),
        Body: gzipSync('tampered\n'),
      }),
    );
    // Back-dated: a genuine object of the hour before copied over this one's key.
    const target = await keyOf(backdated.instance, backdated.name);
    await h.res.clients.s3.send(
      new CopyObjectCommand({
        Bucket: h.res.bucket,
        Key: target,
        CopySource: `${h.res.bucket}/${(await keyOf(older.instance, older.name)).split('/').map(encodeURIComponent).join('/')}`,
      }),
    );

    const { code, report: bad } = await report();
    expect(code).toBe(1);
    expect(bad.verdict.complete).toBe(false);
    expect(bad.verdict.reasons).toContain(
      "3 archived objects missing or replaced in S3 (see 'verify' to restore)",
    );
    expect(bad.totals).toMatchObject({ archived: 8, missingObjects: 3 });
    if (bad.objects.mode !== 'listed') throw new Error('S3 was not listed');
    expect(bad.objects.problems.map((p) => [p.instance, p.logFileName, p.kind])).toEqual([
      [I1, deleted.name, 'missing'],
      [I2, overwritten.name, 'replaced'],
      [I2, backdated.name, 'replaced'],
    ]);
    // The cells of the hours with a bad object say so.
    const cells = Object.fromEntries(
      bad.instances.flatMap((i) => i.hours.map((row) => [`${i.instance}@${row.hour}`, row.cell])),
    );
    expect(cells).toEqual({
      [`${I1}@${H1}`]: 'archived',
      [`${I1}@${H2}`]: 'missing',
      [`${I2}@${H1}`]: 'missing',
      [`${I2}@${H2}`]: 'missing',
    });

    const text = await cli('completeness', ...WINDOW, '--grid');
    expect(text.code).toBe(1);
    expect(text.out).toMatch(
      new RegExp(`MISSING +${I1}  ${deleted.name.replaceAll('.', '\\.')} .*no object at`),
    );
    expect(text.out).toMatch(/REPLACED .*object replaced: ETag /);
    expect(text.out).toContain(`${I1}  #M`);
    expect(text.out).toContain(`${I2}  MM`);
    expect(text.out).toMatch(/^INCOMPLETE: 3 archived objects missing or replaced in S3/m);

    // The ledger alone still says everything is archived, and says that it did not look.
    const ledgerOnly = await report('--ledger-only');
    expect(ledgerOnly.code).toBe(0);
    expect(ledgerOnly.report.objects).toEqual({ mode: 'ledger-only' });
    const ledgerText = await cli('completeness', ...WINDOW, '--ledger-only');
    expect(ledgerText.code).toBe(0);
    expect(ledgerText.out).toContain(
      "objects in S3: not checked (--ledger-only): this verdict is the ledger's view",
    );

    // status is the ledger's view, and its OK line says that S3 was not checked.
    // (on the simulator's clock: the CLI's would find the listings of March 2026 stale)
    const status = await runStatus(
      { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
      { filter: { cluster: CLUSTER } },
    );
    expect(status.attention).toEqual([]);
    expect(renderStatus(status).split('\n').at(-1)).toBe(
      "OK: nothing needs attention in the ledger and queues (S3 not checked: 'completeness' confirms the objects, 'verify' re-reads them)",
    );
  });

  it('the use case without an object store is the ledger-only report', async () => {
    const ledgerOnly = await runCompleteness(
      { ledger: h.pipeline.clients.ledger, now: () => h.clock.now() },
      { cluster: CLUSTER, from: H1, to: H2 + HOUR, logType: 'audit' },
    );
    expect(ledgerOnly.objects).toEqual({ mode: 'ledger-only' });
    expect(ledgerOnly.verdict.complete).toBe(true);
  });

  it('needs ARCHIVER_BUCKET unless --ledger-only (exit 2), and names a bucket that does not exist (exit 1)', async () => {
    const { ARCHIVER_BUCKET: _bucket, ...withoutBucket } = h.env;
    const unset = bufferIo({ env: withoutBucket });
    expect(await main(['completeness', ...WINDOW], unset.io)).toBe(2);
    expect(unset.err()).toMatch(/ARCHIVER_BUCKET is not set: the archive bucket \(or pass --ledger-only\)/);
    const ledgerOnly = bufferIo({ env: withoutBucket });
    expect(await main(['completeness', ...WINDOW, '--ledger-only'], ledgerOnly.io)).toBe(0);

    const wrong = bufferIo({ env: { ...h.env, ARCHIVER_BUCKET: `${h.res.bucket}-nope` } });
    expect(await main(['completeness', ...WINDOW], wrong.io)).toBe(1);
    expect(wrong.err()).toMatch(/bucket '.*-nope' does not exist: check ARCHIVER_BUCKET/);
  });
});
