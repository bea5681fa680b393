import { describe, expect, it } from 'vitest';
import type { InstanceMeta, PlaceDiscoveryRecord } from '../../core/ledger/records.js';
import { keys } from '../../core/ledger/records.js';
import { archiveMessageFor, formatArchiveMessage } from '../../core/messages.js';
import { failureRows } from '../../core/operations/failures/report.js';
import { decideRedrive, judgeByLedger } from '../../core/operations/redrive/decide.js';
import { isUnsupportedAction, nativeMoveRequest } from '../../core/operations/redrive/redrive.js';
import { buildStatusReport } from '../../core/operations/status/report.js';
import { checkObject, verifyTargets } from '../../core/operations/verify/check.js';
import { sampleOf, seededRandom } from '../../core/operations/verify/sample.js';
import { formatBytes, formatDuration, hoursOf, parseInstant } from '../../core/time.js';
import {
  archivedRecord,
  auroraAuditName,
  CLUSTER,
  fileRecord,
  HOUR,
  INSTANCE,
  MINUTE,
  T0,
} from '../support/factories.js';

const NAME = auroraAuditName(0, T0 - HOUR);

describe('parseInstant', () => {
  const now = Date.UTC(2026, 2, 1, 12, 0);
  it('reads ISO times as UTC unless they carry a zone', () => {
    expect(parseInstant('2026-03-01T10:00Z', now)).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseInstant('2026-03-01T10:00', now)).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseInstant('2026-03-01 10', now)).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseInstant('2026-03-01', now)).toBe(Date.UTC(2026, 2, 1));
    expect(parseInstant('2026-03-01T10:00+02:00', now)).toBe(Date.UTC(2026, 2, 1, 8));
  });
  it('reads now and relative times before now', () => {
    expect(parseInstant('now', now)).toBe(now);
    expect(parseInstant('-30m', now)).toBe(now - 30 * MINUTE);
    expect(parseInstant('-6h', now)).toBe(now - 6 * HOUR);
    expect(parseInstant('-2d', now)).toBe(now - 48 * HOUR);
  });
  it('refuses anything else', () => {
    for (const text of ['yesterday', '+6h', '2026-13-01', '10:00', ''])
      expect(parseInstant(text, now)).toBeUndefined();
  });
});

describe('time formatting', () => {
  it('formats durations with their two largest units and bytes in binary units', () => {
    expect([45_000, 12 * MINUTE, 3 * HOUR + 5 * MINUTE, 50 * HOUR].map(formatDuration)).toEqual([
      '45s',
      '12m',
      '3h05m',
      '2d02h',
    ]);
    expect([512, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
  });
  it('lists the hours a window touches', () => {
    // T0 is 13:30: the window 13:40-15:30 touches the hours from 13:00, 14:00 and 15:00.
    expect(hoursOf(T0 + 10 * MINUTE, T0 + 2 * HOUR)).toEqual([
      T0 - 30 * MINUTE,
      T0 + 30 * MINUTE,
      T0 + 90 * MINUTE,
    ]);
    expect(hoursOf(T0, T0)).toEqual([]);
  });
});

describe('decideRedrive', () => {
  const body = (instance: string, cluster = CLUSTER) =>
    formatArchiveMessage({ cluster, instance, logFileName: NAME, generation: 1 });
  it('looks up messages the filter selects and keeps the others', () => {
    expect(decideRedrive({ messageId: 'm', body: body(INSTANCE) }, { instance: INSTANCE }).action).toBe(
      'lookup',
    );
    expect(decideRedrive({ messageId: 'm', body: body('other-1') }, { instance: INSTANCE }).action).toBe(
      'keep',
    );
    expect(decideRedrive({ messageId: 'm', body: body('other-1', 'c2') }, { cluster: CLUSTER }).action).toBe(
      'keep',
    );
    expect(decideRedrive({ messageId: 'm', body: body('other-1') }, {}).action).toBe('lookup');
  });
  it('reports malformed bodies with the reason they were parked with, or their own', () => {
    expect(decideRedrive({ messageId: 'm', body: 'not json' }, {})).toEqual({
      action: 'report',
      reason: expect.stringMatching(/^malformed message: body is not JSON/),
    });
    expect(decideRedrive({ messageId: 'm', body: 'x', reason: 'malformed message: x' }, {})).toEqual({
      action: 'report',
      reason: 'malformed message: x',
    });
  });
  it('asks the ledger about a parked message that names a file: the reason may no longer hold', () => {
    expect(
      decideRedrive({ messageId: 'm', body: body(INSTANCE), reason: 'the ledger has no such file' }, {})
        .action,
    ).toBe('lookup');
  });
});

describe('judgeByLedger', () => {
  const message = archiveMessageFor({
    cluster: CLUSTER,
    instance: INSTANCE,
    logFileName: NAME,
    generation: 2,
  });
  const at = (overrides: Parameters<typeof fileRecord>[1]) =>
    fileRecord(NAME, { generation: 2, ...overrides });

  it('moves a failed file back in a message rebuilt from the ledger, and resets it', () => {
    expect(judgeByLedger(message, at({ state: 'failed' }))).toEqual({
      action: 'move',
      message,
      reset: true,
      state: 'failed',
    });
    // A message for an older generation carries the ledger's current one.
    const old = { ...message, generation: 1 };
    expect(judgeByLedger(old, at({ state: 'failed' }))).toMatchObject({ action: 'move', message });
  });

  it('moves queued or archiving work back without a reset', () => {
    for (const state of ['queued', 'archiving'] as const) {
      expect(judgeByLedger(message, at({ state }))).toEqual({ action: 'move', message, reset: false, state });
    }
  });

  it('removes messages for archived or lost files, active or retired, saying which', () => {
    expect(judgeByLedger(message, archivedRecord(NAME, { generation: 2 }))).toEqual({
      action: 'remove',
      outcome: 'archived',
      detail: 'already archived',
    });
    const retired = archivedRecord(NAME, { generation: 2, pk: keys.retiredPk(INSTANCE) });
    expect(judgeByLedger(message, retired)).toMatchObject({
      outcome: 'archived',
      detail: 'already archived, retired to history',
    });
    expect(judgeByLedger(message, at({ state: 'lost', lostReason: 'gone' }))).toEqual({
      action: 'remove',
      outcome: 'lost',
      detail: 'recorded lost: gone',
    });
  });

  it('removes a message whose generation the ledger has replaced', () => {
    const old = { ...message, generation: 1 };
    for (const state of ['archived', 'lost', 'seen'] as const) {
      expect(judgeByLedger(old, at({ state }))).toMatchObject({ action: 'remove', outcome: 'stale' });
    }
  });

  it('reports what the ledger does not know as due', () => {
    expect(judgeByLedger(message, undefined)).toEqual({
      action: 'report',
      reason: 'the ledger has no such file: message not produced by the discoverer',
    });
    expect(judgeByLedger(message, at({ generation: 1, state: 'failed' }))).toMatchObject({
      action: 'report',
      reason: expect.stringMatching(/has generation 1, the message names 2/),
    });
    expect(judgeByLedger(message, at({ state: 'seen' }))).toMatchObject({
      action: 'report',
      reason: expect.stringMatching(/waiting to settle/),
    });
  });
});

describe('sampleOf', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  it('picks n distinct items in their original order, the same for the same seed', () => {
    const a = sampleOf(items, 7, seededRandom(42));
    expect(a).toHaveLength(7);
    expect(new Set(a).size).toBe(7);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(sampleOf(items, 7, seededRandom(42))).toEqual(a);
    expect(sampleOf(items, 7, seededRandom(43))).not.toEqual(a);
  });
  it('returns everything when n is not smaller', () => {
    expect(sampleOf([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });
  it('reaches every item over many seeds', () => {
    const hit = new Set<number>();
    for (let seed = 0; seed < 200; seed++) for (const x of sampleOf(items, 3, seededRandom(seed))) hit.add(x);
    expect(hit.size).toBe(50);
  });
});

describe('verify decisions', () => {
  const sha = 'b'.repeat(64);
  const record = archivedRecord(NAME, { archivedSha256: sha, archivedBytes: 1000 });
  const [target] = verifyTargets([record], {}).targets;

  it('checks archived records (also those grown since), skips those being re-archived', () => {
    const grown = archivedRecord(auroraAuditName(1, T0 - HOUR), {
      state: 'queued',
      generation: 2,
      archivedGeneration: 1,
    });
    const busy = archivedRecord(auroraAuditName(2, T0 - HOUR), { state: 'archiving', generation: 2 });
    const never = fileRecord(auroraAuditName(3, T0 - HOUR), { state: 'failed' });
    const { targets, skipped } = verifyTargets([record, grown, busy, never], {});
    expect(targets.map((t) => [t.logFileName, t.generation])).toEqual([
      [NAME, 1],
      [grown.logFileName, 1],
    ]);
    expect(skipped.map((s) => s.logFileName)).toEqual([busy.logFileName]);
    expect(verifyTargets([record], { instance: 'other' }).targets).toEqual([]);
  });

  it('passes an object matching the ledger and its own stamp', () => {
    const finding = checkObject(target!, {
      kind: 'read',
      sha256: sha,
      bytes: 1000,
      recorded: { sha256: sha, bytes: 1000 },
    });
    expect(finding).toMatchObject({ status: 'ok', problems: [] });
    expect(checkObject(target!, { kind: 'read', sha256: sha, bytes: 1000, recorded: {} }).status).toBe('ok');
  });

  it('names every disagreement', () => {
    const finding = checkObject(target!, {
      kind: 'read',
      sha256: 'c'.repeat(64),
      bytes: 9,
      recorded: { sha256: 'd'.repeat(64), bytes: 1000 },
    });
    expect(finding.status).toBe('mismatch');
    expect(finding.problems).toEqual([
      'content is 9 bytes, ledger says 1000',
      'content sha256 cccccccccccc != ledger bbbbbbbbbbbb',
      'object metadata sha256 dddddddddddd != ledger bbbbbbbbbbbb',
    ]);
    expect(checkObject(target!, { kind: 'missing' })).toMatchObject({ status: 'missing' });
    expect(checkObject(target!, { kind: 'unreadable', error: 'incorrect header check' }).problems).toEqual([
      'cannot read as gzip: incorrect header check',
    ]);
  });
});

describe('failureRows', () => {
  it('lists failed and lost files that pass the filter, oldest first, with their last error', () => {
    const rows = failureRows(
      [
        fileRecord('audit/a', { state: 'failed', lastError: 'HTTP 500', attempts: 5, stateSince: T0 }),
        fileRecord('audit/b', { state: 'lost', lostReason: 'gone', stateSince: T0 - HOUR }),
        fileRecord('audit/c', { state: 'failed', instance: 'other-1', stateSince: T0 - 2 * HOUR }),
        fileRecord('audit/d', { state: 'queued' }),
      ],
      { instance: INSTANCE },
    );
    expect(rows.map((r) => [r.state, r.logFileName, r.attempts, r.lastError])).toEqual([
      ['lost', 'audit/b', 0, 'gone'],
      ['failed', 'audit/a', 5, 'HTTP 500'],
    ]);
  });
});

describe('buildStatusReport', () => {
  const meta = (instance: string, overrides: Partial<InstanceMeta> = {}): InstanceMeta => ({
    pk: keys.activePk(instance),
    sk: '#META',
    cluster: CLUSTER,
    instance,
    firstListedAt: T0 - 48 * HOUR,
    lastListedAt: T0 - 2 * MINUTE,
    lastListedCount: 3,
    retentionMs: 24 * HOUR,
    gsi1pk: 'INSTANCES',
    gsi1sk: keys.instanceSk(CLUSTER, instance),
    ...overrides,
  });

  it('counts states, finds the oldest pending work, and needs no attention when all is well', () => {
    const report = buildStatusReport({
      now: T0,
      filter: {},
      instances: [meta(INSTANCE)],
      files: new Map([
        [
          INSTANCE,
          [
            archivedRecord('audit/a'),
            fileRecord('audit/b', { state: 'queued', stateSince: T0 - 10 * MINUTE }),
            fileRecord('audit/c', { state: 'seen', stateSince: T0 - 3 * MINUTE }),
          ],
        ],
      ]),
      queue: { url: 'q', visible: 1, inFlight: 0, delayed: 0 },
      dlq: { url: 'd', visible: 0, inFlight: 0, delayed: 0 },
    });
    expect(report.instances[0]).toMatchObject({
      states: { seen: 1, queued: 1, archiving: 0, archived: 1, failed: 0, lost: 0 },
      oldestPending: { logFileName: 'audit/b', state: 'queued', ageMs: 10 * MINUTE },
      listingAgeMs: 2 * MINUTE,
      listingStale: false,
    });
    expect(report.attention).toEqual([]);
  });

  it('asks for attention on failed files, a non-empty DLQ and a stale listing, not on lost ones', () => {
    const report = buildStatusReport({
      now: T0,
      filter: { cluster: CLUSTER },
      instances: [meta(INSTANCE, { lastListedAt: T0 - 25 * HOUR }), { ...meta('x-1'), cluster: 'x' }],
      files: new Map([
        [INSTANCE, [fileRecord('audit/a', { state: 'failed' }), fileRecord('audit/b', { state: 'lost' })]],
      ]),
      dlq: { url: 'd', visible: 1, inFlight: 1, delayed: 0 },
    });
    expect(report.instances.map((i) => i.instance)).toEqual([INSTANCE]);
    expect(report.attention).toEqual([
      `${INSTANCE} not listed for 1d01h (> 1d00h retention)`,
      "1 failed file(s): see 'failures', then 'redrive'",
      '2 message(s) in the DLQ',
    ]);
    const onRecord = buildStatusReport({
      now: T0,
      filter: {},
      instances: [meta(INSTANCE)],
      files: new Map(),
      onRecord: { failed: 2, lost: 3 },
    });
    expect(onRecord.attention).toEqual(["2 failed file(s): see 'failures', then 'redrive'"]);
    expect(onRecord.onRecord).toEqual({ failed: 2, lost: 3 });
    expect(buildStatusReport({ now: T0, filter: {}, instances: [], files: new Map() }).attention).toEqual([
      'no instance has been listed yet (is the discoverer running?)',
    ]);
  });

  it('names a place whose last discovery failed, and only places of the filtered account and region', () => {
    const place = (label: string, overrides: Partial<PlaceDiscoveryRecord> = {}): PlaceDiscoveryRecord => ({
      pk: 'PLACES',
      sk: label,
      place: label,
      attemptedAt: T0 - MINUTE,
      succeededAt: T0 - MINUTE,
      instances: 1,
      enqueued: 0,
      ...overrides,
    });
    const places = [
      place('home'),
      place('210987654321/eu-west-1', {
        account: '210987654321',
        region: 'eu-west-1',
        succeededAt: T0 - 2 * HOUR,
        error: 'account 210987654321: cannot assume arn:aws:iam::210987654321:role/m (AccessDenied)',
      }),
      place('310987654321/eu-west-1', {
        account: '310987654321',
        region: 'eu-west-1',
        error: 'boom',
      }),
    ];
    delete places[2]!.succeededAt;
    const report = buildStatusReport({
      now: T0,
      filter: {},
      instances: [meta(INSTANCE)],
      files: new Map(),
      places,
    });
    expect(report.places?.map((p) => p.place)).toEqual(places.map((p) => p.place));
    expect(report.attention).toEqual([
      'discovery of 210987654321/eu-west-1 failed (last read 2h00m ago): account 210987654321: cannot assume arn:aws:iam::210987654321:role/m (AccessDenied)',
      'discovery of 310987654321/eu-west-1 failed (never read): boom',
    ]);
    const home = buildStatusReport({
      now: T0,
      filter: { account: 'home' },
      instances: [meta(INSTANCE)],
      files: new Map(),
      places,
    });
    expect(home.places?.map((p) => p.place)).toEqual(['home']);
    expect(home.attention).toEqual([]);
  });
});

describe('native redrive', () => {
  it('asks SQS to move back to the source queue, optionally at a rate', () => {
    expect(nativeMoveRequest('arn:dlq')).toEqual({ SourceArn: 'arn:dlq' });
    expect(nativeMoveRequest('arn:dlq', { maxPerSecond: 50 })).toEqual({
      SourceArn: 'arn:dlq',
      MaxNumberOfMessagesPerSecond: 50,
    });
  });
  it('recognises an endpoint that lacks the action', () => {
    expect(isUnsupportedAction({ name: 'UnsupportedOperation', message: 'x' })).toBe(true);
    expect(isUnsupportedAction({ name: 'InvalidAction', message: 'x' })).toBe(true);
    expect(isUnsupportedAction({ name: 'X', message: 'y', $metadata: { httpStatusCode: 501 } })).toBe(true);
    expect(isUnsupportedAction({ name: 'AccessDenied', message: 'not authorized' })).toBe(false);
  });
});
