/**
 * Upgrade (issue 11, item 7): a ledger and bucket written by the previous release keep working.
 *
 * test/fixtures/ledger-a97a2f7.json is what release a97a2f7's own code left on DynamoDB Local and
 * in the bucket (test/fixtures/gen-ledger-a97a2f7.ts.txt says how it was made): Aurora MySQL files
 * archived, lost, failed (its message in the DLQ), retired to history, queued with their messages
 * in flight, claimed by an archiver that died, live files still settling; and the reports that
 * release gave on it. Here the same ledger items go into DynamoDB Local and the same objects
 * (bytes and metadata) into the bucket, the simulator runs the same world (seed, clock, removed
 * files), and the current code takes over: its reports must give the old verdicts, and its
 * discovery and archive passes must not write any object that was already archived.
 */

import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../core/ledger/records.js';
import { parseArchiveMessage } from '../../core/messages.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import { redrive } from '../../core/operations/redrive/redrive.js';
import { runStatus } from '../../core/operations/status/status.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import { manualClock, type WorkloadOptions } from '../../local/rds-sim/index.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';

/** A hang net only (these wait on state through many round trips); main's project-wide net is the same. */
const LONG = 900_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Fixture {
  release: string;
  workload: WorkloadOptions;
  start: number;
  clock: number;
  instance: string;
  cluster: string;
  removed: Array<{ name: string; at: number }>;
  /** Messages still in the archive queue when the old release stopped. */
  queue: string[];
  /** Messages it had already handled: delivered again (SQS is at-least-once). */
  redelivered: string[];
  /** Messages SQS had moved to the DLQ. */
  dlq: string[];
  reports: {
    completeness: { verdict: unknown; totals: unknown };
    status: { attention: string[]; totals: Record<string, number> };
    verify: { verdict: string; counts: Record<string, number> };
    failures: Array<Record<string, unknown>>;
  };
  items: Array<Record<string, unknown> & { pk: string; sk: string }>;
  objects: Array<{
    key: string;
    contentType?: string;
    etag: string;
    metadata: Record<string, string>;
    body: string;
  }>;
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/ledger-a97a2f7.json', import.meta.url), 'utf8'),
);
const oldFiles = fixture.items.filter((item) => item.sk.startsWith('F#')) as unknown as FileRecord[];
const oldArchived = oldFiles.filter((file) => file.state === 'archived');

let h: PipelineHarness;
/** Every S3 write the current archiver sends: the command and the key. */
const writes: Array<{ command: string; key: string | undefined }> = [];

async function scanTable(): Promise<Array<Record<string, unknown> & { pk: string; sk: string }>> {
  const items: Array<Record<string, unknown> & { pk: string; sk: string }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await h.res.clients.doc.send(
      new ScanCommand({ TableName: h.res.table, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as typeof items));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function rawObject(key: string): Promise<Buffer> {
  const got = await h.res.clients.s3.send(new GetObjectCommand({ Bucket: h.res.bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (const body of bodies)
    await h.res.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

async function reports() {
  const ledger = h.pipeline.clients.ledger;
  const now = h.clock.now();
  const [completeness, status, verify, failures] = await Promise.all([
    runCompleteness(
      // With the S3 check the current release adds: the old objects are there as the old ledger says.
      { ledger, objects: { s3: h.res.clients.s3, bucket: h.res.bucket }, now: () => now },
      // The old release's window (3 h back from where it stopped), to now.
      { cluster: fixture.cluster, from: fixture.clock - 3 * HOUR, to: now, logType: 'audit' },
    ),
    runStatus({ ledger, now: () => now }, { filter: {} }),
    runVerify(
      { ledger, s3: h.res.clients.s3, bucket: h.res.bucket, now: () => now },
      { filter: {}, logType: 'audit' },
    ),
    runFailures({ ledger }, {}),
  ]);
  return { completeness, status, verify, failures };
}

/** Runs discovery passes and drains the queue until a pass enqueues nothing and the queue is empty. */
async function passes(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const summary = await h.discover();
    await h.drain();
    if (summary.enqueued === 0) return;
  }
  throw new Error('discovery keeps sending work: the passes do not settle');
}

describe(`Upgrade from release ${fixture.release}`, () => {
  beforeAll(async () => {
    h = await startPipelineHarness('upgrade', {
      clock: manualClock(fixture.start),
      workload: fixture.workload,
    });
    // The same world: files removed at the same simulated times, then the clock where the old
    // release stopped.
    for (const removal of [...fixture.removed].sort((a, b) => a.at - b.at)) {
      h.clock.advance(removal.at - h.clock.now());
      h.sim.world.removeFile(fixture.instance, removal.name);
    }
    h.clock.advance(fixture.clock - h.clock.now());
    // The old release's table items, exactly as it wrote them.
    for (let i = 0; i < fixture.items.length; i += 25) {
      const written = await h.res.clients.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [h.res.table]: fixture.items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } })),
          },
        }),
      );
      expect(Object.keys(written.UnprocessedItems ?? {})).toEqual([]);
    }
    // Its objects: the same gzip bytes and metadata.
    for (const object of fixture.objects) {
      await h.res.clients.s3.send(
        new PutObjectCommand({
          Bucket: h.res.bucket,
          Key: object.key,
          Body: Buffer.from(object.body, 'base64'),
          ContentType: object.contentType,
          Metadata: object.metadata,
        }),
      );
    }
    // Handled messages come again (SQS delivers at least once); the one SQS parked stays in the DLQ.
    const again = fixture.redelivered.filter((body) => !fixture.dlq.includes(body));
    await send(h.res.queueUrl, [...fixture.queue, ...again]);
    await send(h.res.dlqUrl, fixture.dlq);
    h.pipeline.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!/^(Get|Head|List)/.test(command))
          writes.push({ command, key: (args.input as { Key?: string }).Key });
        return next(args);
      },
      { step: 'initialize', name: 'recordS3Writes' },
    );
  }, LONG);

  afterAll(() => h?.cleanup());

  it('starts from the old bucket byte for byte (the ETags the old ledger recorded)', async () => {
    for (const file of oldArchived) {
      const head = await h.res.clients.s3.send(
        new HeadObjectCommand({ Bucket: h.res.bucket, Key: file.s3Key }),
      );
      expect(head.ETag, file.s3Key).toBe(file.archivedEtag);
    }
    expect(oldArchived.length).toBeGreaterThanOrEqual(5);
  });

  it('gives the verdicts the old release gave on its own ledger', async () => {
    const now = await reports();
    expect(now.completeness.verdict).toEqual(fixture.reports.completeness.verdict);
    expect(now.completeness.totals).toEqual({
      ...(fixture.reports.completeness.totals as object),
      missingObjects: 0,
    });
    expect(now.status.attention).toEqual(fixture.reports.status.attention);
    expect(now.status.totals).toEqual(fixture.reports.status.totals);
    expect(now.verify.verdict).toBe(fixture.reports.verify.verdict);
    expect(now.verify.counts).toEqual(fixture.reports.verify.counts);
    expect(now.failures.map((row) => ({ ...row }))).toEqual(fixture.reports.failures);
  });

  it(
    'archives the rest with the current code without writing any object again',
    async () => {
      // Past the dead archiver's lease: its file is work again.
      h.clock.advance(2 * MINUTE);
      await passes();
      // 02:10: the 01:00 files rotated at 02:00 and settled; the dead archiver's claim is long stale.
      h.clock.advance(62 * MINUTE);
      await passes();
      // The failed file, redriven from the DLQ as an operator would after the upgrade.
      const redriven = await redrive(
        {
          sqs: h.pipeline.clients.sqs,
          ledger: h.pipeline.clients.ledger,
          queueUrl: h.res.queueUrl,
          dlqUrl: h.res.dlqUrl,
          now: () => h.clock.now(),
        },
        { filter: {} },
      );
      expect(redriven.moved.map((moved) => [moved.message.logFileName, moved.ledger])).toEqual(
        fixture.dlq.map((body) => [parseArchiveMessage(body).logFileName, 'reset']),
      );
      await passes();

      const oldKeys = new Set(fixture.objects.map((object) => object.key));
      expect(writes.filter((write) => write.key !== undefined && oldKeys.has(write.key))).toEqual([]);
      for (const object of fixture.objects) {
        expect((await rawObject(object.key)).equals(Buffer.from(object.body, 'base64')), object.key).toBe(
          true,
        );
      }

      const items = await scanTable();
      // Aurora names stay their own identity: no content items, no new key scheme.
      expect(items.filter((item) => item.sk.startsWith('C#'))).toEqual([]);
      const byKey = new Map(items.map((item) => [`${item.pk}|${item.sk}`, item]));
      for (const file of oldArchived) {
        const now = byKey.get(`${file.pk}|${file.sk}`) ?? byKey.get(`H#${file.instance}|${file.sk}`);
        expect(now, file.sk).toMatchObject({
          state: 'archived',
          s3Key: file.s3Key,
          archivedGeneration: file.archivedGeneration,
          archivedSha256: file.archivedSha256,
          archivedEtag: file.archivedEtag,
          archivedAt: file.archivedAt,
        });
      }
      // Each file the old release had not archived (but the lost one) is archived now, once, under
      // the seed layout, with the bytes RDS lists.
      const files = items.filter((item) => item.sk.startsWith('F#')) as unknown as FileRecord[];
      const lost = oldFiles.filter((file) => file.state === 'lost').map((file) => file.sk);
      for (const old of oldFiles.filter((file) => file.state !== 'archived' && !lost.includes(file.sk))) {
        const now = files.find((file) => file.sk === old.sk)!;
        expect(now, old.sk).toMatchObject({ state: 'archived', s3Key: old.s3Key });
        expect(writes.filter((write) => write.key === old.s3Key).length, old.s3Key).toBeGreaterThan(0);
        const object = await h.readObject(old.s3Key);
        expect(object.sha256).toBe(now.archivedSha256);
        expect(object.bytes).toBe(now.archivedBytes);
        expect(await h.sim.world.sha256(fixture.instance, old.logFileName)).toBe(now.archivedSha256);
      }
      for (const sk of lost) expect(files.find((file) => file.sk === sk)).toMatchObject({ state: 'lost' });
      // Every object the current code wrote is a seed-layout key of a file the ledger names.
      const written = new Set(writes.map((write) => write.key));
      for (const key of written)
        expect(
          files.some((file) => file.s3Key === key),
          key,
        ).toBe(true);
      // No message was left behind or parked.
      expect(await h.peekMessages(h.res.queueUrl)).toEqual([]);
      expect(
        (await h.peekMessages(h.res.dlqUrl)).map((m) => parseArchiveMessage(m.Body!).logFileName),
      ).toEqual([]);

      const after = await reports();
      expect(after.verify.verdict).toBe('verified');
      expect(after.verify.counts).toMatchObject({ missing: 0, mismatch: 0, unreadable: 0 });
      expect(after.verify.counts.ok).toBe(files.filter((file) => file.state === 'archived').length);
      // The lost file is still reported lost; nothing else is wrong.
      expect(after.completeness.totals).toMatchObject({ lost: 1, failed: 0 });
      expect(after.failures.map((row) => [row.state, row.logFileName])).toEqual(
        fixture.reports.failures
          .filter((row) => row.state === 'lost')
          .map((row) => [row.state, row.logFileName]),
      );
    },
    LONG,
  );
});
