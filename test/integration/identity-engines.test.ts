/**
 * Content identity on the local stack, per engine (issue 11, Proof): RDS MySQL and MariaDB
 * (standalone instances, the audit plugin renaming `server_audit.log` on rotation) and Aurora MySQL
 * (unique names). DynamoDB Local, fauxqs and the RDS simulator over HTTP, the CLI's wiring and
 * Lambda-semantics queue draining. Each engine goes through the same trials:
 *
 * - many rotations while files wait in the queue (names shift under every queued message);
 * - every message delivered twice (SQS is at-least-once), in the same drain;
 * - downloads racing a rotation: the stream rotates just before a download opens (the live name
 *   then holds the next content, let grow to the size the archiver listed, so that only listing
 *   the stream again can tell) or just after (the bytes read are from before the rotation);
 * - a download stalled mid-body until the invocation's timeout aborts it (nothing may be published,
 *   the claim must come back), then delivered again.
 *
 * The simulator knows which content every name holds. After every step, each object must still
 * start with the bytes it held when last seen (fauxqs keeps no versions, so a bad overwrite would
 * show as bytes gone), must be a prefix of exactly one content the simulator served, and no content
 * may be in two objects. At the end every rotated content and the live one are in S3 whole, exactly
 * once, byte for byte, nothing is lost, and verify finds nothing wrong.
 */

import { PassThrough } from 'node:stream';
import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../core/ledger/records.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import type { LogFileDownloader } from '../../core/rds/download.js';
import type { Engine, WorkloadOptions } from '../../local/rds-sim/index.js';
import { bytesOf, contentsNow, identify, objectsOf, type SimContent } from '../support/content-oracle.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';

/** A hang net only (these wait on state through many round trips); main's project-wide net is the same. */
const LONG = 900_000;
const SECOND = 1000;

interface EngineCase {
  engine: Engine;
  workload: WorkloadOptions;
  /** Whether a name holds final (rotated) content. */
  isFinal(content: SimContent, listed: readonly SimContent[]): boolean;
}

const rotatedAuditPlugin = (content: SimContent) => /server_audit\.log\.\d+$/.test(content.name);
/** Aurora: every file but the newest of its writer (`audit.log.<writer>.<stamp>.<n>`) is final. */
const notNewestOfWriter = (content: SimContent, listed: readonly SimContent[]) => {
  const writer = /^audit\/audit\.log\.(\d+)\./.exec(content.name)?.[1];
  const newest = listed
    .filter((c) => /^audit\/audit\.log\.(\d+)\./.exec(c.name)?.[1] === writer)
    .reduce((a, b) => (b.lastWritten > a.lastWritten ? b : a));
  return newest.name !== content.name;
};

const plugin = {
  standaloneInstances: 1,
  // A few minutes of history at 64 B/s with 4000 B rotations: a handful of rotated files, far
  // from the 20 the stream keeps, so no content falls off while the trials run.
  historyHours: 0.06,
  writerBytesPerSecond: 64,
  auditRotateBytes: 4000,
  auditRotations: 20,
  logKinds: ['audit' as const],
};

const CASES: EngineCase[] = [
  { engine: 'mysql', workload: { engines: ['mysql'], ...plugin }, isFinal: rotatedAuditPlugin },
  { engine: 'mariadb', workload: { engines: ['mariadb'], ...plugin }, isFinal: rotatedAuditPlugin },
  {
    engine: 'aurora-mysql',
    workload: {
      engines: ['aurora-mysql'],
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 0.06,
      writerBytesPerSecond: 64,
      rotateBytes: 6000,
      logKinds: ['audit'],
    },
    isFinal: notNewestOfWriter,
  },
];

/** What the simulator served and what the bucket held, checked after every step. */
class Truth {
  /** Every content seen, at the largest size it was listed with. */
  readonly contents = new Map<string, SimContent>();
  /** Contents seen at a final (rotated) name. */
  readonly final = new Set<string>();
  /** Each object's bytes when last read. */
  readonly objects = new Map<string, Buffer>();
  /** Content id -> the object holding it. */
  readonly holders = new Map<string, string>();

  constructor(
    private readonly h: PipelineHarness,
    private readonly instance: string,
    private readonly isFinal: EngineCase['isFinal'],
  ) {}

  /** Records what every listed name holds now. */
  observe(): SimContent[] {
    const listed = contentsNow(this.h.sim.world, this.instance);
    for (const content of listed) {
      const known = this.contents.get(content.id);
      if (!known || known.size < content.size) this.contents.set(content.id, content);
      if (this.isFinal(content, listed)) this.final.add(content.id);
    }
    return listed;
  }

  /** Every object starts with what it held, is a prefix of one content, and holds a content alone. */
  async check(step: string): Promise<void> {
    this.observe();
    const now = await objectsOf(this.h.res.clients.s3, this.h.res.bucket);
    for (const [key, before] of this.objects) {
      const bytes = now.get(key);
      expect(bytes, `${step}: ${key} disappeared`).toBeDefined();
      expect(
        bytes!.subarray(0, before.length).equals(before),
        `${step}: ${key} was replaced by bytes that are not a superset of what it held`,
      ).toBe(true);
    }
    for (const [key, bytes] of now) {
      this.objects.set(key, bytes);
      // An empty generation (a live file archived right after it rotated) names no content yet.
      if (bytes.length === 0) continue;
      const content = identify(bytes, this.contents.values());
      expect(content, `${step}: ${key} holds bytes of no content the simulator served`).toBeDefined();
      const holder = this.holders.get(content!.id) ?? key;
      expect(holder, `${step}: content ${content!.id} (${content!.name}) is in two objects`).toBe(key);
      this.holders.set(content!.id, key);
    }
  }

  /** Whether a content is in its object whole, byte for byte. */
  whole(content: SimContent): boolean {
    const key = this.holders.get(content.id);
    return key !== undefined && this.objects.get(key)!.equals(bytesOf(content, content.size));
  }
}

/**
 * The real downloader with `hook` run around its first `times` opens of a name `races` accepts:
 * just before the download opens, or just after.
 */
function racing(
  real: LogFileDownloader,
  hook: (name: string) => void,
  when: 'before' | 'after',
  times: number,
  races: (name: string) => boolean,
) {
  let left = times;
  return {
    get pathVersion() {
      return real.pathVersion;
    },
    close: () => real.close(),
    async open(request: Parameters<LogFileDownloader['open']>[0]) {
      const race = left > 0 && races(request.logFileName);
      if (race) left -= 1;
      if (race && when === 'before') hook(request.logFileName);
      const download = await real.open(request);
      if (race && when === 'after') hook(request.logFileName);
      return download;
    },
  } satisfies LogFileDownloader;
}

/**
 * The real downloader whose first body stops after a few bytes and never ends on its own: the
 * record is mid-upload until the invocation's timeout aborts it (as a Lambda cut off, or killed,
 * mid-upload). `stalled` names the file it held up, `aborted` says the abort reached it.
 */
function stalling(real: LogFileDownloader) {
  const state: { stalled?: string; aborted: boolean } = { aborted: false };
  const downloader: LogFileDownloader = {
    get pathVersion() {
      return real.pathVersion;
    },
    close: () => real.close(),
    async open(request) {
      const download = await real.open(request);
      if (state.stalled !== undefined) return download;
      state.stalled = request.logFileName;
      const body = download.body;
      const held = new PassThrough();
      let sent = 0;
      // The downloader fails the real body when the signal aborts; the held one reports it.
      body.on('error', () => undefined);
      body.on('data', (chunk: Buffer) => {
        if (sent >= 100) return;
        held.write(chunk.subarray(0, 100 - sent));
        sent += Math.min(chunk.length, 100 - sent);
        if (sent >= 100) body.pause();
      });
      request.signal?.addEventListener('abort', () => {
        state.aborted = true;
        body.destroy();
        held.destroy(request.signal?.reason as Error);
      });
      return { ...download, body: held };
    },
  };
  return { downloader, state };
}

describe.each(CASES)('Content identity on the local stack: $engine', ({ engine, workload, isFinal }) => {
  let h: PipelineHarness;
  let instance: string;
  let truth: Truth;
  let real: LogFileDownloader;

  /** Lists, then drains the queue; returns how many messages the listing sent. */
  async function pass(options: { concurrency?: number } = {}): Promise<number> {
    truth.observe();
    const { enqueued } = await h.discover();
    await h.drain(options);
    return enqueued;
  }

  async function records(): Promise<FileRecord[]> {
    return (await h.pipeline.clients.ledger.instanceState(instance)).files;
  }

  beforeAll(async () => {
    // The generated ids: `aurora-audit-1-instance-1` in cluster `aurora-audit-1`; a standalone
    // instance `<engine>-1`, selected by name (it is in no cluster).
    instance = engine === 'aurora-mysql' ? 'aurora-audit-1-instance-1' : `${engine}-1`;
    h = await startPipelineHarness(`identity-${engine}`, {
      workload: { seed: 11, ...workload },
      env: {
        // Live files are archived as generations at every pass: objects are overwritten often,
        // which is what the superset check is about.
        ARCHIVER_SETTLE_SECONDS: '0',
        ...(engine === 'aurora-mysql' ? {} : { ARCHIVER_INSTANCES: instance }),
      },
    });
    expect(h.sim.world.instances().map((i) => i.id)).toContain(instance);
    real = h.pipeline.clients.downloader;
    truth = new Truth(h, instance, isFinal);
  }, LONG);

  afterAll(() => h?.cleanup());

  it(
    'archives each content once while its name shifts in the queue, delivered twice',
    async () => {
      truth.observe();
      const first = await h.discover();
      expect(first.enqueued).toBeGreaterThan(0);
      // Many rotations while the messages wait: every queued name now names another content.
      for (let i = 0; i < 4; i++) {
        h.clock.advance(15 * SECOND);
        h.sim.world.rotate(instance);
        truth.observe();
      }
      // Every message twice: take them all and send each body back two times.
      const queued = await h.peekMessages(h.res.queueUrl);
      for (const message of queued) {
        for (let copy = 0; copy < 2; copy++)
          await h.res.clients.sqs.send(
            new SendMessageCommand({ QueueUrl: h.res.queueUrl, MessageBody: message.Body! }),
          );
        await h.res.clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: h.res.queueUrl, ReceiptHandle: message.ReceiptHandle! }),
        );
      }
      await h.drain({ concurrency: 2 });
      await truth.check('queued rotations');
      await pass();
      await truth.check('after the next pass');
      expect(truth.objects.size).toBeGreaterThan(0);
    },
    LONG,
  );

  for (const when of ['before', 'after'] as const) {
    it(
      `never archives the wrong bytes when a rotation races a download (${when} it opens)`,
      async () => {
        h.clock.advance(30 * SECOND);
        truth.observe();
        let races = 0;
        const size = (name: string) =>
          h.sim.world.listFiles(instance).find((file) => file.name === name)?.size ?? 0;
        const race = (name: string) => {
          races += 1;
          truth.observe();
          const listed = size(name);
          h.clock.advance(SECOND);
          h.sim.world.rotate(instance);
          truth.observe();
          // Before it opens: let the name's new content grow to the size the archiver listed, so
          // the byte count alone cannot tell (only listing the stream again can).
          for (let s = 0; when === 'before' && size(name) < listed && s < 300; s++) {
            h.clock.advance(SECOND);
            truth.observe();
          }
        };
        // A renaming stream's live name is where a rotation changes what a name holds; Aurora's
        // names never move, so any of its files will do.
        const live = (name: string) => engine === 'aurora-mysql' || name === 'audit/server_audit.log';
        h.pipeline.clients.downloader = racing(real, race, when, 3, live);
        try {
          await pass({ concurrency: 1 });
        } finally {
          h.pipeline.clients.downloader = real;
        }
        expect(races, 'downloads raced by a rotation').toBeGreaterThan(0);
        await truth.check(`racing ${when}`);
        await pass();
        await truth.check(`after racing ${when}`);
      },
      LONG,
    );
  }

  it(
    'publishes nothing when aborted mid-upload, and archives the content on the next delivery',
    async () => {
      h.clock.advance(30 * SECOND);
      h.sim.world.rotate(instance);
      const { downloader, state } = stalling(real);
      h.pipeline.clients.downloader = downloader;
      try {
        truth.observe();
        expect((await h.discover()).enqueued).toBeGreaterThan(0);
        // A short invocation: the stalled record is aborted by the batch's early timeout, whenever
        // that comes; the others finish or are aborted too, and come back.
        await h.drain({ concurrency: 1, functionTimeoutMs: 3_000, timeoutMarginMs: 2_000 });
      } finally {
        h.pipeline.clients.downloader = real;
      }
      expect(state.stalled, 'a download was held mid-body').toBeDefined();
      expect(state.aborted, 'the abort reached the held download').toBe(true);
      await truth.check('aborted upload');
      expect(await h.peekMessages(h.res.dlqUrl)).toEqual([]);
      await pass();
      await truth.check('after the abort');
    },
    LONG,
  );

  it(
    'ends with every content in S3 exactly once, whole, byte for byte, nothing lost',
    async () => {
      // The clock stands still: passes until one finds nothing to do and nothing is in flight.
      for (let round = 0; ; round++) {
        const enqueued = await pass();
        const open = (await records()).filter((r) => ['seen', 'queued', 'archiving'].includes(r.state));
        if (enqueued === 0 && open.length === 0) break;
        expect(round, `still open: ${JSON.stringify(open)}`).toBeLessThan(5);
      }
      await truth.check('final');
      const listed = truth.observe();
      const live = listed.filter((content) => !isFinal(content, listed) && content.size > 0);
      const due = [...new Set([...truth.final, ...live.map((c) => c.id)])].map(
        (id) => truth.contents.get(id)!,
      );
      expect(due.length).toBeGreaterThan(5);
      const missing = due.filter((content) => content.size > 0 && !truth.whole(content));
      expect(missing.map((c) => `${c.name} (${c.id}, ${c.size} B)`)).toEqual([]);
      expect((await records()).filter((r) => r.state === 'lost' || r.state === 'failed')).toEqual([]);
      expect(await h.peekMessages(h.res.dlqUrl)).toEqual([]);
      const verify = await runVerify(
        { ledger: h.pipeline.clients.ledger, s3: h.res.clients.s3, bucket: h.res.bucket },
        { filter: {}, logType: 'audit' },
      );
      expect(verify.problems).toEqual([]);
      expect(verify.checked).toBe(truth.objects.size);
    },
    LONG,
  );
});
