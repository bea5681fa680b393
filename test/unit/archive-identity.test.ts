/**
 * Files identified by content (issue 11), through the discover and archive use cases on the memory
 * ledger with fauxqs and the RDS simulator in this process: a name replaced under the archiver's
 * feet (the two scenarios), a rotation racing a download, and a continuation the archiver
 * can only prove by the bytes archived before.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { buildDigest } from '../../core/digests/format.js';
import { type FileRecord, keys } from '../../core/ledger/records.js';
import { parseArchiveMessage } from '../../core/messages.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import type { LogFileDownloader } from '../../core/rds/download.js';
import { bytesOf, contentsNow, objectsOf, type SimContent } from '../support/content-oracle.js';
import type { MemoryPipeline } from '../support/memory-pipeline.js';
import { startMemoryPipeline } from '../support/memory-pipeline.js';

const LIVE = 'audit/server_audit.log';
const INSTANCE = 'mysql-1';
const SECOND = 1000;

/** One RDS MySQL instance whose audit plugin rotates every minute or so, keeping 3 files. */
const MYSQL = {
  engines: ['mysql' as const],
  standaloneInstances: 1,
  auditRotateBytes: 4000,
  auditRotations: 3,
  writerBytesPerSecond: 64,
  logKinds: ['audit' as const],
  historyHours: 0.1,
};

let p: MemoryPipeline | undefined;
afterEach(async () => {
  await p?.cleanup();
  p = undefined;
});

/** Discovers, then delivers every queued message once (in order), returning their outcomes. */
async function pass(pipeline: MemoryPipeline, deps?: { downloader: LogFileDownloader }): Promise<string[]> {
  await pipeline.discover();
  const outcomes: string[] = [];
  for (const message of await pipeline.take(pipeline.queueUrl)) {
    outcomes.push(await pipeline.archive(message.Body!, deps ? { deps } : {}));
  }
  return outcomes;
}

async function recordOf(pipeline: MemoryPipeline, body: string): Promise<FileRecord | undefined> {
  return await pipeline.ledger.getFile(parseArchiveMessage(body));
}

/** The real downloader, with `before` / `after` run around opening the named file (once). */
function racing(
  pipeline: MemoryPipeline,
  name: string,
  hooks: { before?: () => void; after?: () => void },
): LogFileDownloader {
  const real = pipeline.archiveDeps().downloader;
  let done = false;
  return {
    get pathVersion() {
      return real.pathVersion;
    },
    close: () => real.close(),
    async open(request) {
      const first = !done && request.logFileName === name;
      if (first) hooks.before?.();
      const download = await real.open(request);
      if (first) {
        done = true;
        hooks.after?.();
      }
      return download;
    },
  };
}

/** The content at a name now. */
function at(pipeline: MemoryPipeline, name: string, instance = INSTANCE): SimContent {
  const found = contentsNow(pipeline.sim.world, instance).find((c) => c.name === name);
  if (!found) throw new Error(`${name} is not listed`);
  return found;
}

describe('a unique name that comes back with other content (the issue: Aurora on the local stack)', () => {
  async function archivedAuroraFile(pipeline: MemoryPipeline) {
    await pass(pipeline);
    const instance = pipeline.sim.world.clusters()[0]!.instances[0]!;
    const records = pipeline.ledger.all().filter((i) => i.state === 'archived') as unknown as FileRecord[];
    // A rotated file (not the newest of its writer): its content is final.
    const file = records.sort((a, b) => a.logFileName.localeCompare(b.logFileName))[0]!;
    const before = (await objectsOf(pipeline.s3, pipeline.bucket)).get(file.s3Key)!;
    return { instance, file, before };
  }

  it('archives a smaller replacement as new content under its own key, the first object untouched', async () => {
    p = await startMemoryPipeline();
    const { instance, file, before } = await archivedAuroraFile(p);
    p.sim.world.replaceContent(instance, file.logFileName, { size: file.archivedBytes! - 1000 });
    const replacement = at(p, file.logFileName, instance);

    // The old code saw a smaller size under an archived name and enqueued nothing: a silent gap.
    const summary = await p.discover();
    expect(summary.enqueued).toBe(1);
    const [message] = await p.take(p.queueUrl);
    expect(parseArchiveMessage(message!.Body!)).toMatchObject({ v: 3, stream: file.logFileName });
    expect(await p.archive(message!.Body!)).toBe('archived');

    const fresh = (await recordOf(p, message!.Body!))!;
    expect(fresh.s3Key).not.toBe(file.s3Key);
    const objects = await objectsOf(p.s3, p.bucket);
    expect(objects.get(file.s3Key)).toEqual(before);
    expect(objects.get(fresh.s3Key)).toEqual(bytesOf(replacement, replacement.size));
    const verify = await runVerify(
      { ledger: p.ledger, s3: p.s3, bucket: p.bucket },
      { filter: {}, logType: 'audit' },
    );
    expect(verify.problems).toEqual([]);
  });

  it('never overwrites with a larger replacement: the first object stays, the new content gets its own', async () => {
    p = await startMemoryPipeline();
    const { instance, file, before } = await archivedAuroraFile(p);
    p.sim.world.replaceContent(instance, file.logFileName, { size: file.archivedBytes! + 1000 });
    const replacement = at(p, file.logFileName, instance);

    // Larger: it looks like growth, so generation 2 is queued; its first bytes are not generation 1's.
    const [grown] = await (async () => {
      await p!.discover();
      return await p!.take(p!.queueUrl);
    })();
    expect(parseArchiveMessage(grown!.Body!)).toMatchObject({ v: 2, generation: 2 });
    expect(await p.archive(grown!.Body!)).toBe('lost');
    expect(await recordOf(p, grown!.Body!)).toMatchObject({
      state: 'lost',
      divergedAt: expect.any(Number),
      archivedGeneration: 1,
      lostReason: expect.stringMatching(/ContentMismatchError: the first \d+ bytes differ/),
    });
    // The old code published generation 2 over it: the first content became a noncurrent version.
    expect((await objectsOf(p.s3, p.bucket)).get(file.s3Key)).toEqual(before);

    expect(await pass(p)).toEqual(['archived']);
    const objects = await objectsOf(p.s3, p.bucket);
    expect(objects.get(file.s3Key)).toEqual(before);
    // File records only: the archive events (E#<hour>) name their stream too.
    const items = p.ledger
      .all()
      .filter((i) => keys.isFileSk(i.sk) && i.stream === file.logFileName) as unknown as FileRecord[];
    expect(items).toHaveLength(1);
    expect(objects.get(items[0]!.s3Key)).toEqual(bytesOf(replacement, replacement.size));
    const failures = await runFailures({ ledger: p.ledger }, {});
    expect(failures.map((f) => [f.logFileName, f.state])).toContainEqual([file.logFileName, 'lost']);
    const verify = await runVerify(
      { ledger: p.ledger, s3: p.s3, bucket: p.bucket },
      { filter: {}, logType: 'audit' },
    );
    expect(verify.problems).toEqual([]);
  });
});

describe('a rotation racing a download (RDS MySQL server_audit.log)', () => {
  it('catches a rotation during the download of the live file and archives it from its rotated name, whole', async () => {
    p = await startMemoryPipeline({ workload: MYSQL, settleSeconds: 0 });
    const pipeline = p;
    await pipeline.discover();
    const messages = (await pipeline.take(pipeline.queueUrl)).map((m) => m.Body!);
    const live = messages.find((body) => parseArchiveMessage(body).logFileName === LIVE)!;
    const downloader = racing(pipeline, LIVE, {
      // The file grows, then rotates, after its download began: the bytes read are not all of it.
      after: () => {
        pipeline.clock.advance(20 * SECOND);
        pipeline.sim.world.rotate(INSTANCE);
      },
    });
    expect(await pipeline.archive(live, { deps: { downloader } })).toBe('archived');
    const rotated = at(pipeline, `${LIVE}.1`);
    const record = (await recordOf(pipeline, live))!;
    expect(record).toMatchObject({
      state: 'archived',
      archivedName: `${LIVE}.1`,
      archivedBytes: rotated.size,
      archivedListedSize: rotated.size,
      archivedLastWritten: rotated.lastWritten,
    });
    expect((await objectsOf(pipeline.s3, pipeline.bucket)).get(record.s3Key)).toEqual(
      bytesOf(rotated, rotated.size),
    );
    expect(pipeline.logs.join('\n')).toMatch(
      /Content moved while it was read.*it moved while audit\/server_audit.log was read: now audit\/server_audit.log.1 /,
    );
    // Its archive event, and so its hour's digest, names the content and the key it went to.
    const events = (await pipeline.ledger.archiveEvents(record.archivedAt!)).filter(
      (e) => e.contentId === record.contentId,
    );
    expect(events).toEqual([
      expect.objectContaining({
        sk: `${INSTANCE}#${record.sk}#g1#${new Date(record.archivedAt!).toISOString()}`,
        key: record.s3Key,
        logFileName: `${LIVE}.1`,
        stream: LIVE,
        contentId: record.contentId,
        sourceBytes: rotated.size,
        sourceSha256: record.archivedSha256,
      }),
    ]);
    const digest = buildDigest({
      bucket: pipeline.bucket,
      keyPrefix: '',
      keyLayout: 'seed',
      hour: record.archivedAt!,
      previous: null,
      events,
    });
    expect(digest.body.objects).toEqual([
      expect.objectContaining({
        key: record.s3Key,
        logFile: `${LIVE}.1`,
        stream: LIVE,
        contentId: record.contentId,
      }),
    ]);
  });

  it('catches a rotation between its listing and its download: the name then holds the next content', async () => {
    p = await startMemoryPipeline({ workload: MYSQL, settleSeconds: 0 });
    const pipeline = p;
    await pipeline.discover();
    const messages = (await pipeline.take(pipeline.queueUrl)).map((m) => m.Body!);
    const live = messages.find((body) => parseArchiveMessage(body).logFileName === LIVE)!;
    const before = at(pipeline, LIVE);
    const downloader = racing(pipeline, LIVE, {
      before: () => {
        pipeline.clock.advance(5 * SECOND);
        pipeline.sim.world.rotate(INSTANCE);
      },
    });
    expect(await pipeline.archive(live, { deps: { downloader } })).toBe('archived');
    const record = (await recordOf(pipeline, live))!;
    const rotated = at(pipeline, `${LIVE}.1`);
    expect(rotated.id).toBe(before.id);
    expect(record.archivedName).toBe(`${LIVE}.1`);
    expect((await objectsOf(pipeline.s3, pipeline.bucket)).get(record.s3Key)).toEqual(
      bytesOf(rotated, rotated.size),
    );
  });

  it('follows a rotated content whose name shifts during its download', async () => {
    p = await startMemoryPipeline({ workload: MYSQL });
    const pipeline = p;
    await pipeline.discover();
    const messages = (await pipeline.take(pipeline.queueUrl)).map((m) => m.Body!);
    const first = messages.find((body) => parseArchiveMessage(body).logFileName === `${LIVE}.1`)!;
    const content = at(pipeline, `${LIVE}.1`);
    const downloader = racing(pipeline, `${LIVE}.1`, {
      after: () => {
        pipeline.clock.advance(SECOND);
        pipeline.sim.world.rotate(INSTANCE);
      },
    });
    expect(await pipeline.archive(first, { deps: { downloader } })).toBe('archived');
    const record = (await recordOf(pipeline, first))!;
    expect(record.archivedName).toBe(`${LIVE}.2`);
    expect(at(pipeline, `${LIVE}.2`).id).toBe(content.id);
    expect((await objectsOf(pipeline.s3, pipeline.bucket)).get(record.s3Key)).toEqual(
      bytesOf(content, content.size),
    );
  });
});

describe('a continuation only the archived bytes can prove', () => {
  /** Archives everything, the live content included, then rotates `times` with the family full. */
  async function rotatedAway(times: number) {
    p = await startMemoryPipeline({ workload: MYSQL, settleSeconds: 0 });
    const pipeline = p;
    expect(await pass(pipeline)).toEqual(['archived', 'archived', 'archived', 'archived']);
    const live = at(pipeline, LIVE);
    const item = pipeline.ledger.all().find((i) => i.archivedName === LIVE) as unknown as FileRecord;
    // The live one grows a little before it rotates; each later file gets about 3 kB (60 s at
    // this instance's 51 B/s): more than the live one had when archived, less than the 4 kB at
    // which the plugin would rotate by itself.
    for (let i = 0; i < times; i++) {
      pipeline.clock.advance((i === 0 ? 15 : 60) * SECOND);
      pipeline.sim.world.rotate(INSTANCE);
    }
    return { pipeline, live, item };
  }

  it('archives the next generation when the first bytes prove the candidate is the continuation', async () => {
    const { pipeline, live, item } = await rotatedAway(3);
    // Three rotations, three kept: every rotated file is newer than its last listing, the family
    // is as full as it ever was, so the oldest (.3) may or may not be it. Generation 1 decides.
    const continuation = at(pipeline, `${LIVE}.3`);
    expect(continuation.id).toBe(live.id);
    expect(await pass(pipeline)).toContain('archived');
    const record = (await pipeline.ledger.getFile(item))!;
    expect(record).toMatchObject({ state: 'archived', generation: 2, archivedName: `${LIVE}.3` });
    expect((await objectsOf(pipeline.s3, pipeline.bucket)).get(item.s3Key)).toEqual(
      bytesOf(continuation, continuation.size),
    );
  });

  it('leaves the object as it was when they refute it, and archives the candidate as its own content', async () => {
    const { pipeline, live, item } = await rotatedAway(4);
    const candidate = at(pipeline, `${LIVE}.3`);
    expect(candidate.id).not.toBe(live.id);
    const before = (await objectsOf(pipeline.s3, pipeline.bucket)).get(item.s3Key)!;
    const outcomes = await pass(pipeline);
    expect(outcomes).toContain('lost');
    expect(await pipeline.ledger.getFile(item)).toMatchObject({
      state: 'lost',
      divergedAt: expect.any(Number),
      generation: 2,
      archivedGeneration: 1,
    });
    expect((await objectsOf(pipeline.s3, pipeline.bucket)).get(item.s3Key)).toEqual(before);
    expect(await pass(pipeline)).toEqual(['archived']);
    const objects = await objectsOf(pipeline.s3, pipeline.bucket);
    const holders = [...objects.values()].filter((bytes) => bytes.equals(bytesOf(candidate, candidate.size)));
    expect(holders).toHaveLength(1);
  });
});
