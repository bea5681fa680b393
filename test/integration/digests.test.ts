/**
 * The digest chain end to end on the local stack (DynamoDB Local, fauxqs, the RDS simulator): the
 * archiver's events, the digester, then `verify --digests` through the real CLI with S3 settings
 * only, against every kind of tampering, each with its exact verdict, problem kinds and exit code.
 *
 * The scenario (simulated clock, from T0 = 2026-03-01T00:00Z), with only the files this test adds
 * archived (the generated fleet writes error logs, which are not archived):
 * - 23:00 (Feb 28): the chain's first digest (the hour before the digester's first run), empty;
 * - 00:00: A (generation 1) and B archived;
 * - 01:00: A grew: generation 2 to the same key (fauxqs keeps no versions), and C archived;
 * - 02:00: nothing archived: an empty digest;
 * - 03:00: nothing archived (the digest after the window: it vouches for 02:00's).
 * Every test leaves the bucket as it found it (restore() puts back what it changed).
 */

import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { type DigesterDeps, runDigester } from '../../core/digests/digester.js';
import { digestKey } from '../../core/digests/format.js';
import type { DigestProblemKind } from '../../core/digests/problems.js';
import { type DigestVerifyReport, verifyDigests } from '../../core/digests/verify-digests.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INSTANCE = 'aurora-audit-1-instance-1';
const A = 'audit/audit.log.0.2026-03-01-00-00.1';
const B = 'audit/audit.log.1.2026-02-28-23-00.1';
const C = 'audit/audit.log.2.2026-03-01-01-00.1';
const WINDOW = ['--from', '2026-02-28T23:00Z', '--to', '2026-03-01T03:00Z'];
const H23 = T0 - HOUR;

let h: PipelineHarness;
let dir: string;
/** Every object of the bucket as the scenario left it. */
const pristine = new Map<string, { body: Buffer; metadata: Record<string, string>; contentType?: string }>();

/** S3-only settings: what an auditor's read-only session has (no table, no queues). */
function auditorEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_ENDPOINT_URL_S3',
    'ARCHIVER_BUCKET',
  ]) {
    const value = h.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: auditorEnv(), cwd: dir });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

/** `verify --digests --json` over the window (plus options): the exit code and the report. */
async function verify(
  ...extra: string[]
): Promise<{ code: number; report: DigestVerifyReport; err: string }> {
  const run = await cli('verify', '--digests', ...WINDOW, '--json', ...extra);
  return { code: run.code, report: JSON.parse(run.out) as DigestVerifyReport, err: run.err };
}

const kinds = (report: DigestVerifyReport): DigestProblemKind[] => report.problems.map((p) => p.kind);

function digester(overrides: Partial<DigesterDeps> = {}): Promise<DigesterDeps> {
  return h.pipeline.digesterDeps(() => h.clock.now()).then((deps) => ({ ...deps, ...overrides }));
}

async function listKeys(): Promise<string[]> {
  const out = await h.res.clients.s3.send(new ListObjectsV2Command({ Bucket: h.res.bucket }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function getObject(key: string) {
  const out = await h.res.clients.s3.send(new GetObjectCommand({ Bucket: h.res.bucket, Key: key }));
  return {
    body: Buffer.from(await out.Body!.transformToByteArray()),
    metadata: out.Metadata ?? {},
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
  };
}

async function putObject(
  key: string,
  object: { body: Buffer; metadata?: Record<string, string>; contentType?: string },
) {
  await h.res.clients.s3.send(
    new PutObjectCommand({
      Bucket: h.res.bucket,
      Key: key,
      Body: object.body,
      ...(object.metadata ? { Metadata: object.metadata } : {}),
      ...(object.contentType ? { ContentType: object.contentType } : {}),
    }),
  );
}

async function deleteObject(key: string) {
  await h.res.clients.s3.send(new DeleteObjectCommand({ Bucket: h.res.bucket, Key: key }));
}

/** Puts the bucket back as the scenario left it. */
async function restore(): Promise<void> {
  for (const key of await listKeys()) if (!pristine.has(key)) await deleteObject(key);
  for (const [key, object] of pristine) await putObject(key, object);
}

const objectKey = async (name: string) => (await h.ledgerFile(INSTANCE, name))!.s3Key;

describe('digest chain and verify --digests on the local stack', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'digests-'));
    h = await startPipelineHarness('digests', { workload: { logKinds: ['error'] } });
    const deps = await digester();
    // 00:10: the digester's first run starts the chain at 23:00 (due: it ended over 5 minutes ago).
    h.clock.advance(10 * MINUTE);
    expect((await runDigester(deps)).written.map((d) => d.hour)).toEqual([H23]);
    h.sim.world.addFile(INSTANCE, A, { size: 40_000, lastWritten: T0 + 2 * MINUTE });
    h.sim.world.addFile(INSTANCE, B, { size: 30_000, lastWritten: T0 - 10 * MINUTE });
    await h.discover();
    await h.drain();
    // 01:10: A grew (generation 2 waits the settle period), C is new.
    h.clock.advance(HOUR);
    h.sim.world.setSize(INSTANCE, A, 90_000, h.clock.now() - 5 * MINUTE);
    h.sim.world.addFile(INSTANCE, C, { size: 20_000, lastWritten: h.clock.now() - 8 * MINUTE });
    await h.discover();
    h.clock.advance(6 * MINUTE);
    await h.discover();
    await h.drain();
    expect(await h.ledgerFile(INSTANCE, A)).toMatchObject({ state: 'archived', archivedGeneration: 2 });
    // 04:10: the digests of 00:00 to 03:00.
    h.clock.advance(3 * HOUR - 6 * MINUTE);
    const written = await runDigester(deps);
    expect(written.written.map((d) => [d.hour, d.objects])).toEqual([
      [T0, 2],
      [T0 + HOUR, 2],
      [T0 + 2 * HOUR, 0],
      [T0 + 3 * HOUR, 0],
    ]);
    for (const key of await listKeys()) pristine.set(key, await getObject(key));
  }, 240_000);

  afterAll(async () => {
    await h?.cleanup();
  });

  it('VERIFIED (exit 0) with S3 settings only: every hour linked, each object as listed, the superseded generation accepted', async () => {
    const { code, report } = await verify();
    expect(report.problems).toEqual([]);
    expect(report.verdict).toBe('verified');
    expect(code).toBe(0);
    expect(report.hours.map((x) => [x.hour, x.state, x.objects])).toEqual([
      [H23, 'intact', 0],
      [T0, 'intact', 2],
      [T0 + HOUR, 'intact', 2],
      [T0 + 2 * HOUR, 'intact', 0],
    ]);
    expect(report.chainStart).toBe(H23);
    // A's generation 1 (00:00) is now generation 2's object: a superset that 01:00's digest lists.
    expect(report.objects).toEqual({ checked: true, listed: 4, ok: 3, superseded: 1, unlisted: 0 });
    const text = await cli('verify', '--digests', ...WINDOW);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^VERIFIED: 4 hour\(s\) of digests intact and linked, 4 listed object\(s\)/m);
    expect(text.out).toContain('The chain starts at 2026-02-28 23:00Z');
  });

  it('an hour with no files has a digest with no objects: VERIFIED on its own', async () => {
    const run = await cli(
      'verify',
      '--digests',
      '--from',
      '2026-03-01T02:00Z',
      '--to',
      '2026-03-01T03:00Z',
      '--json',
    );
    const report = JSON.parse(run.out) as DigestVerifyReport;
    expect(report.hours).toEqual([
      expect.objectContaining({ hour: T0 + 2 * HOUR, state: 'intact', objects: 0, startsChain: false }),
    ]);
    expect(report.objects).toMatchObject({ listed: 0, unlisted: 0 });
    expect([report.verdict, run.code]).toEqual(['verified', 0]);
    const digest = JSON.parse((await getObject(digestKey('', T0 + 2 * HOUR))).body.toString());
    expect(digest).toMatchObject({ hour: '2026-03-01T02:00:00.000Z', objects: [] });
  });

  it('a window that starts before the chain: one before-chain-start problem for those hours, exit 1', async () => {
    const run = await cli(
      'verify',
      '--digests',
      '--from',
      '2026-02-28T20:00Z',
      '--to',
      '2026-03-01T01:00Z',
      '--json',
    );
    const report = JSON.parse(run.out) as DigestVerifyReport;
    expect(kinds(report)).toEqual(['before-chain-start']);
    expect(report.problems[0]).toMatchObject({ hour: T0 - 4 * HOUR });
    expect(report.problems[0]!.detail).toBe(
      'no digest for 2026-02-28 20:00Z to 2026-02-28 22:00Z: the chain starts at 2026-02-28 23:00Z (its first digest has previous: null); nothing before it can be verified',
    );
    expect(report.chainStart).toBe(H23);
    expect([report.verdict, run.code]).toEqual(['problems', 1]);
  });

  it('a window with no digest in it or next to it: NOTHING VERIFIED, exit 1', async () => {
    const run = await cli('verify', '--digests', '--from', '2026-01-10T00:00Z', '--to', '2026-01-10T05:00Z');
    expect(run.code).toBe(1);
    expect(run.out.trimEnd().split('\n').at(-1)).toMatch(
      /^NOTHING VERIFIED: no digest for this window or the hours next to it under s3:\/\//,
    );
  });

  it('recent hours without a digest yet are pending, not problems', async () => {
    // At 04:10 the digests of 04:00 and 05:00 are not due yet.
    const report = await verifyDigests(
      {
        s3: h.res.clients.s3,
        bucket: h.res.bucket,
        keyPrefix: '',
        keyLayout: 'seed',
        now: () => h.clock.now(),
      },
      { from: T0 + 3 * HOUR, to: T0 + 6 * HOUR },
    );
    expect(report.hours.map((x) => x.state)).toEqual(['intact', 'pending', 'pending']);
    expect(report.pending).toEqual([T0 + 4 * HOUR, T0 + 5 * HOUR]);
    expect(report.problems).toEqual([]);
    expect(report.verdict).toBe('verified');
  });

  it('completeness shows the chain of its window: INTACT, then BROKEN (and INCOMPLETE for it) once a digest is gone', async () => {
    const completeness = async () => {
      const { io, out } = bufferIo({ env: h.env, cwd: dir });
      const code = await main(['completeness', '--cluster', 'aurora-audit-1', ...WINDOW, '--json'], io);
      return { code, report: JSON.parse(out()) as CompletenessReport };
    };
    const intact = (await completeness()).report;
    expect(intact.digestChain).toMatchObject({ status: 'intact', hoursChecked: 4, problems: [] });
    expect(intact.verdict.reasons.join()).not.toContain('digest chain');
    await deleteObject(digestKey('', T0 + HOUR));
    try {
      const { code, report } = await completeness();
      expect(report.digestChain).toMatchObject({
        status: 'broken',
        hoursChecked: 3,
        problems: [
          {
            hour: T0 + HOUR,
            detail: expect.stringMatching(/^digest-missing: _digests\/2026\/03\/01\/01.json /),
          },
        ],
      });
      expect(report.verdict.reasons).toContain('digest chain broken in 1 hour (run verify --digests)');
      expect(code).toBe(1);
    } finally {
      await restore();
    }
  });

  describe('tampering with one thing is caught', () => {
    afterEach(async () => {
      await restore();
      expect((await verify()).code).toBe(0);
    });

    it('a deleted object: PROBLEMS FOUND, object-missing naming it and its digest, exit 1', async () => {
      const key = await objectKey(C);
      await deleteObject(key);
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['object-missing']);
      expect(report.problems[0]).toMatchObject({
        hour: T0 + HOUR,
        digest: digestKey('', T0 + HOUR),
        object: key,
      });
      expect([report.verdict, code]).toEqual(['problems', 1]);
      const text = await cli('verify', '--digests', ...WINDOW);
      expect(text.code).toBe(1);
      expect(text.out).toContain(`OBJECT-MISSING  2026-03-01 01:00Z  ${key}`);
      expect(text.out.trimEnd().split('\n').at(-1)).toBe('PROBLEMS FOUND');
    });

    it('an overwritten object: object-mismatch (its ETag, size and SHA-256 differ), exit 1', async () => {
      const key = await objectKey(B);
      await putObject(key, { body: gzipSync('forged audit log\n') });
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['object-mismatch']);
      expect(report.problems[0]).toMatchObject({ hour: T0, object: key });
      expect(report.problems[0]!.detail).toMatch(/source SHA-256 .* != listed/);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('an object replaced by a longer one that begins with the listed bytes, unlisted: object-replaced, exit 1', async () => {
      const key = await objectKey(A);
      const { gunzipSync } = await import('node:zlib');
      const longer = Buffer.concat([gunzipSync(pristine.get(key)!.body), Buffer.from('appended later\n')]);
      await putObject(key, { body: gzipSync(longer) });
      const { code, report } = await verify();
      // Both generations' entries: the object still begins with each, but no digest lists it.
      expect(kinds(report)).toEqual(['object-replaced', 'object-replaced']);
      expect(report.problems.map((p) => p.hour)).toEqual([T0, T0 + HOUR]);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('a back-dated object planted in an old hour folder: unlisted-object in that hour, exit 1', async () => {
      const listed = await objectKey(B);
      const planted = listed.replace('audit.log.1.', 'audit.log.3.');
      expect(planted).not.toBe(listed);
      await putObject(planted, { body: gzipSync('a log nobody archived\n') });
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['unlisted-object']);
      expect(report.problems[0]).toMatchObject({ hour: H23, object: planted });
      expect(report.objects.unlisted).toBe(1);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('a deleted digest of an empty hour: digest-missing for that hour, exit 1', async () => {
      await deleteObject(digestKey('', T0 + 2 * HOUR));
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['digest-missing']);
      expect(report.problems[0]).toMatchObject({ hour: T0 + 2 * HOUR, digest: digestKey('', T0 + 2 * HOUR) });
      expect(report.hours.find((x) => x.hour === T0 + 2 * HOUR)?.state).toBe('missing');
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('a deleted digest that listed objects: digest-missing, and the object only it listed is unlisted', async () => {
      await deleteObject(digestKey('', T0));
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['digest-missing', 'unlisted-object']);
      expect(report.problems[1]).toMatchObject({ hour: H23, object: await objectKey(B) });
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('an edited digest (an entry removed): the next digest no longer links to it, and the object is unlisted', async () => {
      const key = digestKey('', T0);
      const digest = JSON.parse(pristine.get(key)!.body.toString());
      const hidden = await objectKey(B);
      digest.objects = digest.objects.filter((o: { key: string }) => o.key !== hidden);
      await putObject(key, { body: Buffer.from(`${JSON.stringify(digest, null, 2)}\n`) });
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['chain-broken', 'unlisted-object']);
      expect(report.problems[0]).toMatchObject({ hour: T0 + HOUR, digest: digestKey('', T0 + HOUR) });
      expect(report.problems[0]!.detail).toContain(`for ${key}`);
      expect(report.problems[1]).toMatchObject({ object: hidden });
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('an edited last digest of the window: the digest after the window catches it', async () => {
      const key = digestKey('', T0 + 2 * HOUR);
      await putObject(key, { body: Buffer.from(`${pristine.get(key)!.body.toString().trimEnd()} \n`) });
      const { code, report } = await verify();
      expect(kinds(report)).toEqual(['chain-broken']);
      expect(report.problems[0]).toMatchObject({ hour: T0 + 3 * HOUR });
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });

    it('a reordered chain (two hours swapped): both digests out of place, three links broken', async () => {
      const [k0, k1] = [digestKey('', T0), digestKey('', T0 + HOUR)];
      await putObject(k0, pristine.get(k1)!);
      await putObject(k1, pristine.get(k0)!);
      const { code, report } = await verify();
      expect(report.problems.map((p) => [p.kind, p.hour])).toEqual([
        ['digest-misplaced', T0],
        ['chain-broken', T0],
        ['digest-misplaced', T0 + HOUR],
        ['chain-broken', T0 + HOUR],
        ['chain-broken', T0 + 2 * HOUR],
      ]);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    });
  });
});

describe('signed digests, and digesters that race or crash', () => {
  let s: PipelineHarness;
  const D = 'audit/audit.log.0.2026-03-01-00-00.1';
  const PUBLIC = 'digest.pub.pem';
  const keyFiles = async () => {
    const pair = () => generateKeyPairSync('ed25519');
    const mine = pair();
    await writeFile(join(dir, 'digest.pem'), mine.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(join(dir, PUBLIC), mine.publicKey.export({ format: 'pem', type: 'spki' }));
    await writeFile(join(dir, 'other.pub.pem'), pair().publicKey.export({ format: 'pem', type: 'spki' }));
  };
  const signedCli = async (...argv: string[]) => {
    const env: Record<string, string> = {};
    for (const name of [
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ENDPOINT_URL_S3',
      'ARCHIVER_BUCKET',
    ])
      env[name] = s.env[name]!;
    const { io, out, err } = bufferIo({ env, cwd: dir });
    const code = await main(argv, io);
    return { code, out: out(), err: err() };
  };
  const signedVerify = async (...extra: string[]) => {
    const run = await signedCli('verify', '--digests', ...WINDOW, '--json', ...extra);
    return { code: run.code, report: JSON.parse(run.out) as DigestVerifyReport };
  };
  const get = async (key: string) => {
    const out = await s.res.clients.s3.send(new GetObjectCommand({ Bucket: s.res.bucket, Key: key }));
    return { body: Buffer.from(await out.Body!.transformToByteArray()), metadata: out.Metadata ?? {} };
  };
  const put = async (key: string, body: Buffer, metadata: Record<string, string>) => {
    await s.res.clients.s3.send(
      new PutObjectCommand({ Bucket: s.res.bucket, Key: key, Body: body, Metadata: metadata }),
    );
  };

  beforeAll(async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'digests-'));
    await keyFiles();
    s = await startPipelineHarness('digests-signed', {
      workload: { logKinds: ['error'] },
      env: { ARCHIVER_DIGEST_SIGNING_KEY: join(dir, 'digest.pem') },
    });
    s.clock.advance(10 * MINUTE);
    // The first run starts the chain at 23:00 and writes that hour's digest.
    expect((await runDigester(await s.pipeline.digesterDeps(() => s.clock.now()))).written).toHaveLength(1);
    s.sim.world.addFile(INSTANCE, D, { size: 25_000, lastWritten: T0 + MINUTE });
    await s.discover();
    await s.drain();
    // 04:10: the digests of 23:00 (the chain's start) to 03:00 are due.
    s.clock.advance(4 * HOUR);
  }, 240_000);

  afterAll(async () => {
    await s?.cleanup();
  });

  it('two digesters at once commit one chain: each hour once, every digest signed', async () => {
    const now = () => s.clock.now();
    const [one, two] = await Promise.all([
      s.pipeline.digesterDeps(now).then(runDigester),
      s.pipeline.digesterDeps(now).then(runDigester),
    ]);
    expect((await s.pipeline.clients.ledger.digestHead())?.nextHour).toBe(T0 + 4 * HOUR);
    expect([one.stopped, two.stopped].filter((x) => x === 'head-moved').length).toBeLessThanOrEqual(1);
    // Whoever lost a race for an hour stopped there; the chain has every hour once.
    const hours = [...one.written, ...two.written].map((d) => d.hour);
    expect(new Set(hours)).toEqual(new Set([T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]));
    const { code, report } = await signedVerify('--public-key', PUBLIC);
    expect(report.problems).toEqual([]);
    expect(report.hours.map((x) => x.signature)).toEqual(['valid', 'valid', 'valid', 'valid']);
    expect(report.signatures).toMatchObject({ checked: true, algorithm: 'ED25519' });
    expect([report.verdict, code]).toEqual(['verified', 0]);
  });

  it('without --public-key the signatures are not checked, and the report says so', async () => {
    const run = await signedCli('verify', '--digests', ...WINDOW);
    expect(run.code).toBe(0);
    expect(run.out).toContain('Signatures: not checked (no --public-key); the digests carry signatures.');
  });

  it('an edited signed digest: its signature no longer verifies, and the next digest no longer links to it', async () => {
    const key = digestKey('', T0);
    const original = await get(key);
    try {
      const edited = Buffer.from(original.body.toString().replace(/"generation": 1/, '"generation": 2'));
      expect(edited.equals(original.body)).toBe(false);
      await put(key, edited, original.metadata);
      const { code, report } = await signedVerify('--public-key', PUBLIC);
      expect(report.problems.map((p) => [p.kind, p.hour])).toEqual([
        ['signature-invalid', T0],
        ['chain-broken', T0 + HOUR],
      ]);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    } finally {
      await put(key, original.body, original.metadata);
    }
  });

  it('with another public key every signature is invalid; a digest stripped of its signature is signature-missing', async () => {
    const other = await signedVerify('--public-key', 'other.pub.pem');
    expect(new Set(kinds(other.report))).toEqual(new Set(['signature-invalid']));
    expect(other.report.problems).toHaveLength(4 + 1); // the window's four and the one after it
    expect(other.code).toBe(1);

    const key = digestKey('', T0 + 2 * HOUR);
    const original = await get(key);
    try {
      await put(key, original.body, {});
      const { code, report } = await signedVerify('--public-key', PUBLIC);
      expect(report.problems.map((p) => [p.kind, p.hour])).toEqual([['signature-missing', T0 + 2 * HOUR]]);
      expect([report.verdict, code]).toEqual(['problems', 1]);
    } finally {
      await put(key, original.body, original.metadata);
    }
  });

  it('a crash between writing a digest and moving the head: the next run writes the same bytes and goes on', async () => {
    s.clock.advance(HOUR); // 05:10: 04:00 is due
    const deps = await s.pipeline.digesterDeps(() => s.clock.now());
    const crashing: DigesterDeps = {
      ...deps,
      ledger: {
        ...deps.ledger,
        sealHour: (hour, now) => deps.ledger.sealHour(hour, now),
        archiveEvents: (hour) => deps.ledger.archiveEvents(hour),
        digestHead: () => deps.ledger.digestHead(),
        advanceDigestHead: async () => {
          throw new Error('the digester died here');
        },
      },
    };
    await expect(runDigester(crashing)).rejects.toThrow('the digester died here');
    const key = digestKey('', T0 + 4 * HOUR);
    const written = await get(key);
    expect((await deps.ledger.digestHead())?.nextHour).toBe(T0 + 4 * HOUR);
    const rerun = await runDigester(deps);
    expect(rerun.written.map((d) => d.hour)).toEqual([T0 + 4 * HOUR]);
    expect((await get(key)).body.equals(written.body)).toBe(true);
    const run = await signedCli(
      'verify',
      '--digests',
      '--from',
      '2026-03-01T00:00Z',
      '--to',
      '2026-03-01T04:00Z',
      '--public-key',
      PUBLIC,
    );
    expect(run.code).toBe(0);
  });
});
