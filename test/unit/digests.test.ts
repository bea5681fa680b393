/**
 * The digest chain's pure parts: the digest's bytes, the chain and object checks, the key hours
 * verify lists, the digester's schedule, signing and the completeness status.
 */

import { sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import type { SignCommand, SignCommandOutput } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import {
  checkChain,
  collapseBeforeStart,
  DIGEST_GRACE_MS,
  type HourReading,
} from '../../core/digests/chain-check.js';
import { chainStatusOf } from '../../core/digests/chain-status.js';
import { dueHours } from '../../core/digests/digester.js';
import {
  buildDigest,
  type DigestObject,
  digestKey,
  parseDigest,
  sha256Hex,
  signingText,
} from '../../core/digests/format.js';
import { hourSegment, isGroupPrefix } from '../../core/digests/key-hours.js';
import { checkEntry, type ListedEntry, unlistedObjects } from '../../core/digests/object-check.js';
import type { ObjectReading } from '../../core/digests/s3-reads.js';
import {
  digestVerifier,
  kmsDigestSigner,
  pemDigestSigner,
  SIGNATURE_METADATA,
  SigningKeyError,
  signatureMetadata,
} from '../../core/digests/signing.js';
import type { DigestVerifyReport } from '../../core/digests/verify-digests.js';
import { type ArchiveEvent, archiveEventItem, eventKeys } from '../../core/ledger/archive-events.js';
import { withDigestChain } from '../../core/operations/completeness/report.js';
import { objectKey } from '../../core/s3-keys.js';
import { HOUR, MINUTE, T0 } from '../support/factories.js';

const H = Date.UTC(2024, 9, 1, 13); // the hour of T0
const BUCKET = 'audit-archive';

function event(overrides: Partial<ArchiveEvent> = {}): ArchiveEvent {
  const file = {
    instance: 'orders-db-1',
    logFileName: overrides.logFileName ?? 'audit/audit.log.0.2024-10-01-13-00.1',
  };
  const archivedAt = overrides.archivedAt ?? H + 10 * MINUTE;
  const generation = overrides.generation ?? 1;
  return {
    pk: eventKeys.hourPk(archivedAt),
    sk: eventKeys.eventSk(file, generation, archivedAt),
    key: `orders-db/audit/2024/10/01/13/orders-db-1/${file.logFileName.slice(6)}.gz`,
    etag: '"e1"',
    gzipBytes: 100,
    sourceBytes: 1000,
    sourceSha256: 'a'.repeat(64),
    archivedAt,
    group: 'orders-db',
    instance: file.instance,
    logType: 'audit',
    logFileName: file.logFileName,
    generation,
    ...overrides,
  };
}

const digestOf = (
  hour: number,
  previous: { key: string; sha256: string } | null,
  events: ArchiveEvent[] = [],
) => buildDigest({ bucket: BUCKET, keyPrefix: '', keyLayout: 'seed', hour, previous, events });

/** A chain of empty digests for consecutive hours, each linked to the one before. */
function chainOf(hours: number[]) {
  const built = [];
  let previous: { key: string; sha256: string } | null = null;
  for (const hour of hours) {
    const digest = digestOf(hour, previous);
    built.push(digest);
    previous = { key: digest.key, sha256: digest.sha256 };
  }
  return built;
}

const found = (bytes: Buffer, metadata: Record<string, string> = {}) =>
  ({ kind: 'found', bytes, metadata }) as const;

describe('the digest', () => {
  it('lives at _digests/YYYY/MM/DD/HH.json under the key prefix', () => {
    expect(digestKey('', T0)).toBe('_digests/2024/10/01/13.json');
    expect(digestKey('rds-logs/', H + 59 * MINUTE)).toBe('rds-logs/_digests/2024/10/01/13.json');
  });

  it('has the same bytes for the same events in any order, objects sorted by key then generation', () => {
    const a = event({ logFileName: 'audit/audit.log.1.2024-10-01-13-00.1' });
    const b1 = event({ generation: 1, archivedAt: H + 5 * MINUTE });
    const b2 = event({ generation: 2, archivedAt: H + 50 * MINUTE, etag: '"e2"', sourceBytes: 2000 });
    const one = digestOf(H, { key: digestKey('', H - HOUR), sha256: 'b'.repeat(64) }, [a, b2, b1]);
    const two = digestOf(H, { key: digestKey('', H - HOUR), sha256: 'b'.repeat(64) }, [b1, a, b2]);
    expect(one.bytes.equals(two.bytes)).toBe(true);
    expect(one.sha256).toBe(sha256Hex(one.bytes));
    expect(one.body.objects.map((o) => [o.logFile, o.generation])).toEqual([
      [b1.logFileName, 1],
      [b2.logFileName, 2],
      [a.logFileName, 1],
    ]);
    expect(one.body).toMatchObject({
      format: 'rds-log-archiver/digest',
      version: 1,
      bucket: BUCKET,
      hour: '2024-10-01T13:00:00.000Z',
      previous: { key: '_digests/2024/10/01/12.json', sha256: 'b'.repeat(64) },
    });
    expect(one.body.objects[0]).toEqual({
      key: b1.key,
      etag: '"e1"',
      gzipBytes: 100,
      sourceBytes: 1000,
      sourceSha256: 'a'.repeat(64),
      archivedAt: '2024-10-01T13:05:00.000Z',
      group: 'orders-db',
      instance: 'orders-db-1',
      logType: 'audit',
      logFile: b1.logFileName,
      generation: 1,
    });
    expect(parseDigest(one.bytes)).toEqual({ body: one.body });
  });

  it('lists a content of a rotating family by the key it was archived under, with its stream and content id', () => {
    // What `complete` writes for a content item (C#<stream>#<contentId>), downloaded from `.2`.
    const content = { instance: 'mysql-1', logFileName: 'audit/server_audit.log' };
    const stream = 'audit/server_audit.log';
    const contentId = '20241001T124500000Z';
    const key = objectKey({
      layout: 'seed',
      prefix: '',
      cluster: 'mysql-1',
      instance: 'mysql-1',
      logFileName: content.logFileName,
      hour: H - HOUR,
      content: { stream, contentId },
    });
    const item = archiveEventItem(
      { ...content, stream, contentId },
      {
        key,
        etag: '"c1"',
        gzipBytes: 50,
        sourceBytes: 500,
        sourceSha256: 'c'.repeat(64),
        archivedAt: H + 20 * MINUTE,
        archivedName: 'audit/server_audit.log.2',
        group: 'mysql-1',
        logType: 'audit',
        generation: 1,
      },
    );
    expect(item.sk).toBe(`mysql-1#C#${stream}#${contentId}#g1#2024-10-01T13:20:00.000Z`);
    const digest = digestOf(H, null, [item, event()]);
    const listed = digest.body.objects.find((o) => o.instance === 'mysql-1');
    expect(listed).toEqual({
      key: 'mysql-1/audit/2024/10/01/12/mysql-1/server_audit.log!20241001T124500000Z.gz',
      etag: '"c1"',
      gzipBytes: 50,
      sourceBytes: 500,
      sourceSha256: 'c'.repeat(64),
      archivedAt: '2024-10-01T13:20:00.000Z',
      group: 'mysql-1',
      instance: 'mysql-1',
      logType: 'audit',
      logFile: 'audit/server_audit.log.2',
      stream,
      contentId,
      generation: 1,
    });
    // A unique name's entry carries neither.
    expect(digest.body.objects.find((o) => o.instance === 'orders-db-1')).not.toHaveProperty('stream');
    expect(parseDigest(digest.bytes)).toEqual({ body: digest.body });
    const half = digest.bytes.toString().replace(`"contentId": "${contentId}",\n`, '');
    expect(parseDigest(Buffer.from(half))).toEqual({
      problem: 'objects[0] has one of stream and contentId without the other',
    });
  });

  it('lists nothing for an hour with nothing archived, and refuses an event of another hour', () => {
    expect(digestOf(H, null).body.objects).toEqual([]);
    expect(() => digestOf(H, null, [event({ archivedAt: H + HOUR })])).toThrow(RangeError);
  });

  it.each([
    ['not JSON', Buffer.from('{'), 'is not JSON'],
    ['another format', Buffer.from('{"format":"x"}'), 'format is not'],
    [
      'a bad hash',
      Buffer.from(digestOf(H, null).bytes.toString().replace('"objects": []', '"objects": [{}]')),
      'objects[0].key',
    ],
    [
      'a half hour',
      Buffer.from(digestOf(H, null).bytes.toString().replace('13:00:00.000Z', '13:30:00.000Z')),
      'hour is not',
    ],
  ])('parsing finds %s', (_what, bytes, problem) => {
    const parsed = parseDigest(bytes);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });
});

describe('checkChain', () => {
  const hours = [H - 2 * HOUR, H - HOUR, H, H + HOUR];
  const now = H + 10 * HOUR;
  const check = (readings: HourReading[], verifier?: ReturnType<typeof digestVerifier>) =>
    checkChain({ bucket: BUCKET, keyPrefix: '', readings, now, verifier });
  const readingsOf = (digests: ReturnType<typeof chainOf>): HourReading[] =>
    digests.map((d) => ({ hour: Date.parse(d.body.hour), reading: found(d.bytes) }));

  it('finds an intact chain intact, its first digest the start', () => {
    const result = check(readingsOf(chainOf(hours)));
    expect(result.map((c) => [c.intact, c.startsChain])).toEqual([
      [true, true],
      [true, false],
      [true, false],
      [true, false],
    ]);
  });

  it('reports a missing digest once, at its own hour (the next link is not reported again)', () => {
    const readings = readingsOf(chainOf(hours));
    readings[2] = { hour: H, reading: { kind: 'missing' } };
    expect(check(readings).flatMap((c) => c.problems.map((p) => [p.kind, p.hour]))).toEqual([
      ['digest-missing', H],
    ]);
  });

  it('reports an edited digest at the next one, which records other bytes for it', () => {
    const readings = readingsOf(chainOf(hours));
    const edited = Buffer.concat([(readings[1]!.reading as { bytes: Buffer }).bytes, Buffer.from(' ')]);
    readings[1] = { hour: H - HOUR, reading: found(edited) };
    const problems = check(readings).flatMap((c) => c.problems);
    expect(problems.map((p) => [p.kind, p.hour])).toEqual([['chain-broken', H]]);
    expect(problems[0]!.detail).toMatch(/whose bytes hash to .*: that digest was changed/);
  });

  it('reports a digest moved to another hour, and one that restarts the chain', () => {
    const digests = chainOf(hours);
    const readings = readingsOf(digests);
    readings[1] = { hour: H - HOUR, reading: found(digests[2]!.bytes) };
    readings[3] = { hour: H + HOUR, reading: found(digestOf(H + HOUR, null).bytes) };
    expect(check(readings).flatMap((c) => c.problems.map((p) => [p.kind, p.hour]))).toEqual([
      ['digest-misplaced', H - HOUR],
      ['chain-broken', H - HOUR],
      ['chain-broken', H],
      ['chain-restarted', H + HOUR],
    ]);
  });

  it('calls missing hours before the first digest before-chain-start, and recent ones after the last pending', () => {
    const digests = chainOf([H, H + HOUR]);
    const readings: HourReading[] = [
      { hour: H - 2 * HOUR, reading: { kind: 'missing' } },
      { hour: H - HOUR, reading: { kind: 'missing' } },
      ...readingsOf(digests),
      { hour: H + 2 * HOUR, reading: { kind: 'missing' } },
    ];
    const atEnd = checkChain({
      bucket: BUCKET,
      keyPrefix: '',
      readings,
      now: H + 3 * HOUR + DIGEST_GRACE_MS - 1,
    });
    expect(atEnd.map((c) => [c.pending, c.problems.map((p) => p.kind)])).toEqual([
      [false, ['before-chain-start']],
      [false, ['before-chain-start']],
      [false, []],
      [false, []],
      [true, []],
    ]);
    const later = checkChain({
      bucket: BUCKET,
      keyPrefix: '',
      readings,
      now: H + 3 * HOUR + DIGEST_GRACE_MS,
    });
    expect(later.at(-1)!.problems.map((p) => p.kind)).toEqual(['digest-missing']);
    const merged = collapseBeforeStart(
      atEnd.flatMap((c) => c.problems),
      H,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.detail).toMatch(
      /^no digest for 2024-10-01 11:00Z to 2024-10-01 12:00Z: the chain starts at 2024-10-01 13:00Z/,
    );
  });

  it('checks signatures only with a public key: valid, missing or invalid', () => {
    const pair = generateKeyPairSync('ed25519');
    const signer = pemDigestSigner(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const verifier = digestVerifier(Buffer.from(pair.publicKey.export({ format: 'pem', type: 'spki' })));
    const [a, b, c] = chainOf(hours.slice(0, 3));
    const signed = (d: typeof a) =>
      signatureMetadata(
        signer,
        cryptoSign(null, signingText({ bucket: BUCKET, key: d!.key, sha256: d!.sha256 }), pair.privateKey),
      );
    const readings: HourReading[] = [
      { hour: hours[0]!, reading: found(a!.bytes, signed(a)) },
      { hour: hours[1]!, reading: found(b!.bytes, {}) },
      // c's signature is a's: signatures are bound to their digest's key and bytes.
      { hour: hours[2]!, reading: found(c!.bytes, signed(a)) },
    ];
    expect(check(readings).map((x) => x.signature)).toEqual(['not-checked', 'unsigned', 'not-checked']);
    const checked = check(readings, verifier);
    expect(checked.map((x) => x.signature)).toEqual(['valid', 'missing', 'invalid']);
    expect(checked.flatMap((x) => x.problems.map((p) => p.kind))).toEqual([
      'signature-missing',
      'signature-invalid',
    ]);
  });
});

describe('checkEntry and unlistedObjects', () => {
  const listed: DigestObject = {
    key: 'k.gz',
    etag: '"g1"',
    gzipBytes: 10,
    sourceBytes: 100,
    sourceSha256: 'a'.repeat(64),
    archivedAt: '2024-10-01T13:10:00.000Z',
    group: 'g',
    instance: 'i',
    logType: 'audit',
    logFile: 'audit/f',
    generation: 1,
  };
  const entry: ListedEntry = { hour: H, digest: digestKey('', H), object: listed };
  const later: ListedEntry = {
    hour: H + HOUR,
    digest: digestKey('', H + HOUR),
    object: {
      ...listed,
      etag: '"g2"',
      sourceBytes: 150,
      generation: 2,
      archivedAt: '2024-10-01T14:10:00.000Z',
    },
  };
  const reading = (overrides: Partial<Extract<ObjectReading, { kind: 'found' }>> = {}): ObjectReading => ({
    kind: 'found',
    etag: '"g1"',
    gzipBytes: 10,
    sourceBytes: 100,
    sourceSha256: 'a'.repeat(64),
    prefixSha256: { 100: 'a'.repeat(64) },
    ...overrides,
  });
  const none = () => undefined;

  it('accepts the object as listed; reports it missing, unreadable or different', () => {
    expect(checkEntry(entry, reading(), none)).toEqual({ outcome: 'ok' });
    const kind = (r: ObjectReading) => {
      const outcome = checkEntry(entry, r, none);
      return outcome.outcome === 'problem' ? outcome.problem.kind : outcome.outcome;
    };
    expect(kind({ kind: 'missing' })).toBe('object-missing');
    expect(kind({ kind: 'unreadable', error: 'not a whole gzip stream' })).toBe('object-unreadable');
    expect(kind(reading({ sourceSha256: 'b'.repeat(64) }))).toBe('object-mismatch');
    expect(
      kind(reading({ etag: '"x"', sourceSha256: 'b'.repeat(64), prefixSha256: { 100: 'b'.repeat(64) } })),
    ).toBe('object-mismatch');
  });

  it('accepts a later generation at the key only when it begins with the listed bytes and a later digest lists it', () => {
    const grown = reading({ etag: '"g2"', sourceBytes: 150, sourceSha256: 'c'.repeat(64) });
    const newer = (e: ListedEntry, etag: string) =>
      later.object.etag === etag && later.object.archivedAt > e.object.archivedAt ? later : undefined;
    expect(checkEntry(entry, grown, newer)).toEqual({ outcome: 'superseded', by: later });
    const unlisted = checkEntry(entry, grown, none);
    expect(unlisted.outcome === 'problem' && unlisted.problem.kind).toBe('object-replaced');
    // A listed version is compared as it is: no superset rule.
    const versioned = checkEntry({ ...entry, object: { ...listed, versionId: 'v1' } }, grown, newer);
    expect(versioned.outcome === 'problem' && versioned.problem.kind).toBe('object-mismatch');
  });

  it('on a versioned bucket, accepts a listed version that expired when a later generation a later digest lists is current', () => {
    const versioned: ListedEntry = { ...entry, object: { ...listed, versionId: 'v1' } };
    const grown = reading({ etag: '"g2"', sourceBytes: 150, sourceSha256: 'c'.repeat(64) });
    const newer = (e: ListedEntry, etag: string) =>
      later.object.etag === etag && later.object.archivedAt > e.object.archivedAt ? later : undefined;
    expect(checkEntry(versioned, { kind: 'missing' }, newer, grown)).toEqual({
      outcome: 'superseded',
      by: later,
    });
    const gone = checkEntry(versioned, { kind: 'missing' }, none, grown);
    expect(gone.outcome === 'problem' && gone.problem.kind).toBe('object-missing');
    const other = checkEntry(
      versioned,
      { kind: 'missing' },
      newer,
      reading({ etag: '"g2"', prefixSha256: {} }),
    );
    expect(other.outcome === 'problem' && other.problem.kind).toBe('object-missing');
  });

  it('finds objects of the key hours that no digest lists by key and ETag', () => {
    const listings = new Map([['k.gz', [entry]]]);
    const problems = unlistedObjects({
      objects: [
        { key: 'k.gz', etag: '"g1"', hour: H },
        { key: 'k.gz', etag: '"forged"', hour: H },
        { key: 'planted.gz', etag: '"p"', hour: H },
      ],
      listings,
      reported: new Set(),
      searched: { from: H - HOUR, to: H + HOUR },
    });
    expect(problems.map((p) => [p.kind, p.object])).toEqual([
      ['unlisted-object', 'k.gz'],
      ['unlisted-object', 'planted.gz'],
    ]);
    expect(problems[1]!.detail).toMatch(/no digest from .* lists it: planted, or back-dated/);
  });
});

describe('key hours', () => {
  it.each(['seed', 'hive'] as const)(
    'the %s layout: an object key is below its group, type and hour prefix',
    (layout) => {
      const key = objectKey({
        layout,
        prefix: 'p/',
        cluster: 'orders-db',
        instance: 'orders-db-1',
        logFileName: 'audit/audit.log.0.2024-10-01-13-00.1',
        hour: H,
      });
      const [group, type] = key.slice('p/'.length).split('/');
      expect(key.startsWith(`p/${group}/${type}/${hourSegment(layout, H)}`)).toBe(true);
      expect(isGroupPrefix(layout, 'p/', `p/${group}/`)).toBe(true);
      expect(isGroupPrefix(layout, 'p/', 'p/_digests/')).toBe(false);
      // Entries objects (derived from archived ones, core/entries) are no group of the archive.
      expect(isGroupPrefix(layout, 'p/', 'p/_entries/')).toBe(false);
      // A content item's key (a standalone instance is its own group) lies below the same levels.
      const contentKey = objectKey({
        layout,
        prefix: 'p/',
        cluster: 'mysql-1',
        instance: 'mysql-1',
        logFileName: 'audit/server_audit.log.3',
        hour: H,
        content: { stream: 'audit/server_audit.log', contentId: '20241001T130000000Z' },
      });
      const [cGroup, cType] = contentKey.slice('p/'.length).split('/');
      expect(contentKey.startsWith(`p/${cGroup}/${cType}/${hourSegment(layout, H)}`)).toBe(true);
      expect(isGroupPrefix(layout, 'p/', `p/${cGroup}/`)).toBe(true);
    },
  );
});

describe('dueHours', () => {
  it('lists each hour after the head that ended at least the delay ago', () => {
    expect(dueHours({ nextHour: H }, H + HOUR + 5 * MINUTE - 1, 5 * MINUTE)).toEqual([]);
    expect(dueHours({ nextHour: H }, H + HOUR + 5 * MINUTE, 5 * MINUTE)).toEqual([H]);
    expect(dueHours({ nextHour: H }, H + 3 * HOUR + 4 * MINUTE, 5 * MINUTE)).toEqual([H, H + HOUR]);
  });
});

describe('signing', () => {
  const message = signingText({ bucket: BUCKET, key: '_digests/2024/10/01/13.json', sha256: 'a'.repeat(64) });

  it.each([
    ['Ed25519', () => generateKeyPairSync('ed25519'), 'ED25519'],
    ['ECDSA P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), 'ECDSA_SHA_256'],
  ] as const)(
    '%s: a PEM private key signs, its public key (PEM or DER) verifies',
    async (_name, pair, algorithm) => {
      const keys = pair();
      const signer = pemDigestSigner(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      expect(signer.algorithm).toBe(algorithm);
      const signature = await signer.sign(message);
      for (const publicKey of [
        Buffer.from(keys.publicKey.export({ format: 'pem', type: 'spki' })),
        keys.publicKey.export({ format: 'der', type: 'spki' }),
      ]) {
        const verifier = digestVerifier(publicKey);
        expect(verifier.fingerprint).toBe(signer.keyId);
        expect(verifier.verify(message, signature)).toBe(true);
        expect(verifier.verify(Buffer.concat([message, Buffer.from('x')]), signature)).toBe(false);
        expect(verifier.verify(message, Buffer.from('not a signature'))).toBe(false);
      }
      expect(signatureMetadata(signer, signature)).toEqual({
        [SIGNATURE_METADATA.signature]: signature.toString('hex'),
        [SIGNATURE_METADATA.algorithm]: algorithm,
        [SIGNATURE_METADATA.key]: signer.keyId,
      });
    },
  );

  it('refuses keys that cannot sign digests', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => pemDigestSigner(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }))).toThrow(
      SigningKeyError,
    );
    expect(() =>
      digestVerifier(Buffer.from('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n')),
    ).toThrow(SigningKeyError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => digestVerifier(p384.publicKey.export({ format: 'der', type: 'spki' }))).toThrow(/P-256/);
  });

  it('KMS: one Sign call per digest (ECDSA_SHA_256 over the raw message), verified by the same verifier', async () => {
    // A stand-in for KMS's Sign as its API reference documents it: ECDSA_SHA_256 over a RAW
    // message, the signature DER-encoded. Real KMS cannot be reached here.
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const calls: SignCommand['input'][] = [];
    const kms = {
      async send(command: SignCommand): Promise<SignCommandOutput> {
        calls.push(command.input);
        const der = cryptoSign('sha256', Buffer.from(command.input.Message!), key.privateKey);
        return { Signature: new Uint8Array(der), KeyId: command.input.KeyId, $metadata: {} };
      },
    };
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const signer = kmsDigestSigner(kms, arn);
    const signature = await signer.sign(message);
    expect(calls).toEqual([
      { KeyId: arn, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' },
    ]);
    expect(signer).toMatchObject({ algorithm: 'ECDSA_SHA_256', keyId: arn });
    // What `aws kms get-public-key` returns: DER SubjectPublicKeyInfo.
    const verifier = digestVerifier(key.publicKey.export({ format: 'der', type: 'spki' }));
    expect(verifier.verify(message, signature)).toBe(true);
  });
});

describe('the completeness report', () => {
  const base: DigestVerifyReport = {
    bucket: BUCKET,
    keyPrefix: '',
    from: H,
    to: H + 2 * HOUR,
    checkedAt: T0,
    hours: [
      {
        hour: H,
        key: digestKey('', H),
        state: 'intact',
        objects: 1,
        signature: 'unsigned',
        startsChain: false,
      },
      {
        hour: H + HOUR,
        key: digestKey('', H + HOUR),
        state: 'pending',
        objects: 0,
        signature: 'unsigned',
        startsChain: false,
      },
    ],
    signatures: { checked: false },
    objects: { checked: false, listed: 1, ok: 0, superseded: 0, unlisted: 0 },
    pending: [H + HOUR],
    problems: [],
    verdict: 'verified',
  };

  it('maps a chain check to intact, incomplete, broken or absent', () => {
    expect(chainStatusOf({ ...base, pending: [] }).status).toBe('intact');
    expect(chainStatusOf(base)).toEqual({
      status: 'incomplete',
      checkedAt: T0,
      hoursChecked: 1,
      problems: [],
    });
    const broken = chainStatusOf({
      ...base,
      verdict: 'problems',
      problems: [{ kind: 'digest-missing', hour: H, digest: digestKey('', H), detail: 'gone' }],
    });
    expect(broken).toMatchObject({
      status: 'broken',
      problems: [{ hour: H, detail: 'digest-missing: _digests/2024/10/01/13.json gone' }],
    });
    expect(chainStatusOf({ ...base, verdict: 'nothing-verified', pending: [] }).status).toBe('absent');
  });

  it('a broken chain makes the report INCOMPLETE; any other status leaves the verdict', () => {
    const report = { verdict: { complete: true, reasons: [] } } as unknown as Parameters<
      typeof withDigestChain
    >[0];
    const chain = {
      status: 'broken' as const,
      checkedAt: T0,
      hoursChecked: 2,
      problems: [{ hour: H, detail: 'x' }],
    };
    expect(withDigestChain(report, chain).verdict).toEqual({
      complete: false,
      reasons: ['digest chain broken in 1 hour (run verify --digests)'],
    });
    expect(withDigestChain(report, { ...chain, status: 'incomplete' }).verdict.complete).toBe(true);
  });
});
