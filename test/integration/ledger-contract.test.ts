/**
 * The LedgerStore contract: the same cases against DynamoDB Local (the real thing) and the
 * in-memory store the fast use-case tests run on. Every transition is accepted where the state
 * machine says and refused (with the item as it is) everywhere else.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletionEventRecord } from '../../core/deletion-events.js';
import { eventKeys, genesisHead } from '../../core/ledger/archive-events.js';
import { DynamoLedgerStore } from '../../core/ledger/dynamodb-store.js';
import {
  DigestHeadMovedError,
  HourSealedError,
  InstanceBusyError,
  TransitionRefusedError,
} from '../../core/ledger/errors.js';
import { type FileRecord, keys, stateIndex } from '../../core/ledger/records.js';
import type { LedgerStore } from '../../core/ledger/store.js';
import {
  archivedRecord,
  auroraAuditName,
  CLUSTER,
  contentItem,
  fileRecord,
  HOUR,
  MINUTE,
  T0,
} from '../support/factories.js';
import { MemoryLedgerStore } from '../support/memory-store.js';
import { createTestResources, type TestResources } from '../support/stack.js';

let resources: TestResources | undefined;
beforeAll(async () => {
  resources = await createTestResources('ledger-contract');
});
afterAll(() => resources?.cleanup());

const STORES: Array<[string, () => LedgerStore]> = [
  ['DynamoDB Local', () => new DynamoLedgerStore(resources!.clients.doc, resources!.table)],
  ['memory', () => new MemoryLedgerStore()],
];

const NAME = auroraAuditName(0, T0 - HOUR);
const NOW = T0 + MINUTE;
let counter = 0;

/** A record of a file on an instance no other case uses (the DynamoDB table is shared). */
function fresh(overrides: Partial<FileRecord> = {}): FileRecord {
  counter += 1;
  return fileRecord(NAME, { instance: `contract-${counter}`, ...overrides });
}

/** An archived record of a file on an instance no other case uses. */
function freshArchived(overrides: Partial<FileRecord> = {}): FileRecord {
  counter += 1;
  return archivedRecord(NAME, { instance: `contract-${counter}`, ...overrides });
}

/** The refusal a write ends in (fails the test if it is accepted). */
async function refusal(write: Promise<unknown>): Promise<TransitionRefusedError> {
  try {
    await write;
  } catch (error) {
    expect(error).toBeInstanceOf(TransitionRefusedError);
    return error as TransitionRefusedError;
  }
  throw new Error('expected the ledger to refuse the write');
}

describe.each(STORES)('LedgerStore on %s', (_name, open) => {
  let store: LedgerStore;
  beforeAll(() => {
    store = open();
  });

  /** Creates a record and returns it as stored. */
  async function seed(record: FileRecord): Promise<FileRecord> {
    await store.create(record);
    return (await store.getFile(record))!;
  }

  describe('create', () => {
    it('writes a record once and refuses a second, carrying the first', async () => {
      const record = fresh({ state: 'seen' });
      expect(await seed(record)).toEqual(record);
      const refused = await refusal(store.create({ ...record, listedSize: 1 }));
      expect(refused.transition).toBe('create');
      expect(refused.current).toEqual(record);
    });
  });

  describe('transitions', () => {
    it('refuses any transition on a file that has no record, carrying nothing', async () => {
      const refused = await refusal(
        store.apply('claim', fresh(), { generation: 1, now: NOW, owner: 'w', leaseUntil: NOW + MINUTE }),
      );
      expect(refused.current).toBeUndefined();
    });

    it('settle: seen -> queued with the listing, into the by-state index', async () => {
      const record = await seed(fresh({ state: 'seen', missingListings: 1 }));
      const args = { generation: 1, now: NOW, listedSize: 4096, lastWritten: NOW - MINUTE };
      const written = await store.apply('settle', record, args);
      expect(written).toEqual({
        ...record,
        state: 'queued',
        listedSize: 4096,
        lastWritten: NOW - MINUTE,
        missingListings: 0,
        stateSince: NOW,
        updatedAt: NOW,
        ...stateIndex('queued', NOW, record),
      });
      expect(await store.getFile(record)).toEqual(written);
      expect((await refusal(store.apply('settle', record, args))).current).toEqual(written);
      const other = await seed(fresh({ state: 'seen', generation: 2 }));
      expect((await refusal(store.apply('settle', other, args))).current?.generation).toBe(2);
    });

    it('grow: archived -> the next generation, afresh, waiting (seen) or queued', async () => {
      const record = await seed(freshArchived({ attempts: 3, lastError: 'old' }));
      const written = await store.apply('grow', record, {
        generation: 1,
        now: NOW,
        to: 'seen',
        listedSize: 9000,
        lastWritten: NOW,
      });
      expect(written).toMatchObject({
        state: 'seen',
        generation: 2,
        attempts: 0,
        listedSize: 9000,
        archivedBytes: 1024,
      });
      expect(written.lastError).toBeUndefined();
      expect(written.gsi1pk).toBe(keys.statePk('seen'));
      const queued = await seed(fresh({ state: 'queued' }));
      await refusal(
        store.apply('grow', queued, { generation: 1, now: NOW, to: 'queued', listedSize: 1, lastWritten: 1 }),
      );
    });

    it('revive: lost -> next generation, only when the lost mark predates the listing', async () => {
      const lostAt = NOW - MINUTE;
      const record = await seed(
        fresh({ state: 'lost', lostReason: 'gone', lastError: 'gone', stateSince: lostAt }),
      );
      const args = { generation: 1, now: NOW, to: 'queued' as const, listedSize: 10, lastWritten: 5 };
      // The listing was taken at or before the mark: the archiver's "not found" is the newer news.
      for (const listedAt of [lostAt - 1, lostAt]) {
        expect((await refusal(store.apply('revive', record, { ...args, listedAt }))).current?.state).toBe(
          'lost',
        );
      }
      const written = await store.apply('revive', record, { ...args, listedAt: lostAt + 1 });
      expect(written).toMatchObject({ state: 'queued', generation: 2, attempts: 0 });
      expect(written.lostReason).toBeUndefined();
      expect(written.lastError).toBeUndefined();
    });

    it('rearm: queued or abandoned archiving -> queued, once per stateSince read', async () => {
      const queued = await seed(fresh({ state: 'queued', stateSince: NOW - HOUR }));
      await refusal(store.apply('rearm', queued, { generation: 1, now: NOW, since: NOW - HOUR + 1 }));
      const written = await store.apply('rearm', queued, { generation: 1, now: NOW, since: NOW - HOUR });
      expect(written).toMatchObject({ state: 'queued', stateSince: NOW });
      await refusal(store.apply('rearm', queued, { generation: 1, now: NOW + 1, since: NOW - HOUR }));

      const abandoned = await seed(
        fresh({ state: 'archiving', stateSince: NOW - HOUR, leaseOwner: 'dead', leaseUntil: NOW - 1 }),
      );
      const rearmed = await store.apply('rearm', abandoned, { generation: 1, now: NOW, since: NOW - HOUR });
      expect(rearmed.leaseOwner).toBeUndefined();
      expect(rearmed.leaseUntil).toBeUndefined();
      const held = await seed(
        fresh({ state: 'archiving', stateSince: NOW - HOUR, leaseOwner: 'w', leaseUntil: NOW }),
      );
      await refusal(store.apply('rearm', held, { generation: 1, now: NOW, since: NOW - HOUR }));
    });

    it('markMissing and markPresent count listings without the file, keeping its state', async () => {
      const record = await seed(fresh({ state: 'queued' }));
      const missing = await store.apply('markMissing', record, {
        generation: 1,
        now: NOW,
        missingListings: 0,
      });
      expect(missing).toMatchObject({
        state: 'queued',
        missingListings: 1,
        stateSince: record.stateSince,
        updatedAt: NOW,
      });
      await refusal(store.apply('markMissing', record, { generation: 1, now: NOW, missingListings: 0 }));
      expect(await store.apply('markPresent', record, { generation: 1, now: NOW })).toMatchObject({
        missingListings: 0,
      });
      const archived = await seed(freshArchived());
      await refusal(store.apply('markMissing', archived, { generation: 1, now: NOW, missingListings: 0 }));
      const held = await seed(fresh({ state: 'archiving', leaseOwner: 'w', leaseUntil: NOW }));
      await refusal(store.apply('markMissing', held, { generation: 1, now: NOW, missingListings: 0 }));
    });

    it('markGone: a file absent from listings -> lost with the reason', async () => {
      const record = await seed(fresh({ state: 'failed', missingListings: 1 }));
      const args = { generation: 1, now: NOW, missingListings: 1, reason: 'gone from 2 listings' };
      await refusal(store.apply('markGone', record, { ...args, missingListings: 0 }));
      const written = await store.apply('markGone', record, args);
      expect(written).toMatchObject({ state: 'lost', lostReason: args.reason, lastError: args.reason });
      expect(written.gsi1pk).toBe(keys.statePk('lost'));
    });

    it('claim: queued, failed or abandoned -> archiving with a lease and one more attempt', async () => {
      for (const overrides of [
        { state: 'queued' as const },
        { state: 'failed' as const, attempts: 5 },
        { state: 'archiving' as const, leaseOwner: 'dead', leaseUntil: NOW - 1 },
      ]) {
        const record = await seed(fresh(overrides));
        const claimed = await store.apply('claim', record, {
          generation: 1,
          now: NOW,
          owner: 'w1',
          leaseUntil: NOW + MINUTE,
        });
        expect(claimed).toMatchObject({
          state: 'archiving',
          leaseOwner: 'w1',
          leaseUntil: NOW + MINUTE,
          attempts: record.attempts + 1,
          gsi1pk: keys.statePk('archiving'),
        });
        const second = await refusal(
          store.apply('claim', record, { generation: 1, now: NOW, owner: 'w2', leaseUntil: NOW + MINUTE }),
        );
        expect(second.current).toEqual(claimed);
      }
      for (const state of ['seen', 'archived', 'lost'] as const) {
        const record = await seed(fresh({ state }));
        await refusal(
          store.apply('claim', record, { generation: 1, now: NOW, owner: 'w', leaseUntil: NOW + 1 }),
        );
      }
    });

    describe('by the lease holder only', () => {
      async function claimed(): Promise<FileRecord> {
        const record = await seed(fresh({ state: 'queued', lastError: 'earlier' }));
        return await store.apply('claim', record, {
          generation: 1,
          now: NOW,
          owner: 'w1',
          leaseUntil: NOW + MINUTE,
        });
      }
      const archived = {
        archivedBytes: 1024,
        archivedGzipBytes: 200,
        archivedSha256: 'a'.repeat(64),
        archivedEtag: '"e"',
        archivedName: NAME,
        archivedListedSize: 1024,
        archivedLastWritten: NOW - HOUR,
        archivedKey: 'orders-db/audit/2024/10/01/12/x/audit.log.gz',
        cluster: CLUSTER,
        logType: 'audit',
      };
      const { archivedKey: _key, cluster: _cluster, logType: _type, ...recorded } = archived;

      it('complete: -> archived, out of the by-state index, lease and error gone', async () => {
        const record = await claimed();
        await refusal(store.apply('complete', record, { generation: 1, now: NOW, owner: 'w2', ...archived }));
        const written = await store.apply('complete', record, {
          generation: 1,
          now: NOW,
          owner: 'w1',
          ...archived,
        });
        expect(written).toMatchObject({
          state: 'archived',
          archivedGeneration: 1,
          archivedAt: NOW,
          ...recorded,
        });
        for (const attr of [
          'leaseOwner',
          'leaseUntil',
          'lastError',
          'gsi1pk',
          'gsi1sk',
          'archivedVersionId',
        ] as const) {
          expect(written[attr], attr).toBeUndefined();
        }
        expect((await store.filesInState('archiving')).some((f) => f.instance === record.instance)).toBe(
          false,
        );
      });

      it('complete records the object version when there is one', async () => {
        const record = await claimed();
        const args = { generation: 1, now: NOW, owner: 'w1', ...archived, archivedVersionId: 'v1' };
        expect((await store.apply('complete', record, args)).archivedVersionId).toBe('v1');
        const event = (await store.archiveEvents(NOW)).find((e) => e.instance === record.instance);
        expect(event?.versionId).toBe('v1');
      });

      it('complete also writes an immutable archive event into the hour it archived in', async () => {
        const record = await claimed();
        const at = NOW + 3 * HOUR + 5 * MINUTE;
        await refusal(store.apply('complete', record, { generation: 1, now: at, owner: 'w2', ...archived }));
        expect((await store.archiveEvents(at)).filter((e) => e.instance === record.instance)).toEqual([]);
        await store.apply('complete', record, { generation: 1, now: at, owner: 'w1', ...archived });
        const events = (await store.archiveEvents(at - 5 * MINUTE)).filter(
          (e) => e.instance === record.instance,
        );
        expect(events).toEqual([
          {
            pk: eventKeys.hourPk(at),
            sk: eventKeys.eventSk(record, 1, at),
            key: archived.archivedKey,
            etag: archived.archivedEtag,
            gzipBytes: archived.archivedGzipBytes,
            sourceBytes: archived.archivedBytes,
            sourceSha256: archived.archivedSha256,
            archivedAt: at,
            group: CLUSTER,
            instance: record.instance,
            logType: 'audit',
            logFileName: record.logFileName,
            generation: 1,
          },
        ]);
        expect(await store.archiveEvents(at - HOUR)).not.toContainEqual(events[0]);
      });

      it('refuses complete into a sealed hour, writing neither the record nor the event', async () => {
        const record = await claimed();
        // An hour no other case archives in: the DynamoDB table is shared by every case.
        const at = NOW + 7 * HOUR + 30 * MINUTE;
        await store.sealHour(at - 20 * MINUTE, at);
        await store.sealHour(at, at + 1); // idempotent
        const refused = await store
          .apply('complete', record, { generation: 1, now: at, owner: 'w1', ...archived })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refused).toBeInstanceOf(HourSealedError);
        expect(await store.getFile(record)).toMatchObject({ state: 'archiving', leaseOwner: 'w1' });
        expect(await store.archiveEvents(at)).toEqual([]);
        // The next hour is open.
        const later = at + HOUR;
        await store.apply('complete', record, { generation: 1, now: later, owner: 'w1', ...archived });
        expect((await store.archiveEvents(later)).map((e) => e.instance)).toContain(record.instance);
      });

      it.each([
        ['release', 'queued'],
        ['fail', 'failed'],
      ] as const)('%s: -> %s with the error, lease gone', async (transition, state) => {
        const record = await claimed();
        await refusal(store.apply(transition, record, { generation: 1, now: NOW, owner: 'w2', error: 'e' }));
        const written = await store.apply(transition, record, {
          generation: 1,
          now: NOW,
          owner: 'w1',
          error: 'HTTP 500',
        });
        expect(written).toMatchObject({
          state,
          lastError: 'HTTP 500',
          attempts: 1,
          gsi1pk: keys.statePk(state),
        });
        expect(written.leaseOwner).toBeUndefined();
      });

      it('markDiverged: -> lost with the reason and when, the archived generation kept', async () => {
        const record = await seed(
          fresh({
            state: 'queued',
            generation: 2,
            archivedGeneration: 1,
            archivedBytes: 900,
            archivedSha256: 'b'.repeat(64),
          }),
        );
        const claimedRecord = await store.apply('claim', record, {
          generation: 2,
          now: NOW,
          owner: 'w1',
          leaseUntil: NOW + MINUTE,
        });
        await refusal(
          store.apply('markDiverged', claimedRecord, { generation: 2, now: NOW, owner: 'w2', reason: 'r' }),
        );
        const written = await store.apply('markDiverged', claimedRecord, {
          generation: 2,
          now: NOW,
          owner: 'w1',
          reason: 'first 900 bytes differ',
        });
        expect(written).toMatchObject({
          state: 'lost',
          divergedAt: NOW,
          lostReason: 'first 900 bytes differ',
          archivedGeneration: 1,
          archivedBytes: 900,
          gsi1pk: keys.statePk('lost'),
        });
        expect(written.leaseOwner).toBeUndefined();
      });

      it('markLost: -> lost with the reason', async () => {
        const record = await claimed();
        await refusal(store.apply('markLost', record, { generation: 1, now: NOW, owner: 'w2', reason: 'r' }));
        const written = await store.apply('markLost', record, {
          generation: 1,
          now: NOW,
          owner: 'w1',
          reason: '404',
        });
        expect(written).toMatchObject({ state: 'lost', lostReason: '404', lastError: '404' });
      });
    });

    it('reset: failed -> queued with no attempts (redrive); nothing else', async () => {
      const record = await seed(fresh({ state: 'failed', attempts: 5 }));
      expect(await store.apply('reset', record, { generation: 1, now: NOW })).toMatchObject({
        state: 'queued',
        attempts: 0,
      });
      await refusal(store.apply('reset', record, { generation: 1, now: NOW }));
    });
  });

  describe('content items', () => {
    const FAMILY = 'audit/server_audit.log';

    it('keeps a content item under C#<stream>#<contentId> beside the F# items, through transitions and retirement', async () => {
      const instance = `contract-${++counter}`;
      const named = fileRecord(NAME, { instance });
      const first = contentItem(FAMILY, '20241001T120000000Z', { instance, logFileName: `${FAMILY}.3` });
      const second = contentItem(FAMILY, '20241001T120000000Z-2', { instance, logFileName: FAMILY });
      for (const record of [named, first, second]) await store.create(record);
      expect(first.sk).toBe(`C#${FAMILY}#20241001T120000000Z`);
      const { files } = await store.instanceState(instance);
      expect(files.map((f) => f.sk).sort()).toEqual([first.sk, second.sk, named.sk].sort());
      // Found by its key, whatever name it had at first sight.
      const key = { instance, logFileName: 'any', stream: FAMILY, contentId: first.contentId! };
      expect(await store.getFile(key)).toEqual(first);
      const claimedRecord = await store.apply('claim', key, {
        generation: 1,
        now: NOW,
        owner: 'w',
        leaseUntil: NOW + MINUTE,
      });
      expect(claimedRecord).toMatchObject({
        sk: first.sk,
        state: 'archiving',
        gsi1sk: `${new Date(NOW).toISOString()}#${instance}#${FAMILY}#20241001T120000000Z`,
      });
      const archived = await store.apply('complete', key, {
        generation: 1,
        now: NOW,
        owner: 'w',
        archivedBytes: 100,
        archivedGzipBytes: 20,
        archivedSha256: 'c'.repeat(64),
        archivedEtag: '"e"',
        archivedName: `${FAMILY}.5`,
        archivedListedSize: 100,
        archivedLastWritten: NOW - HOUR,
        archivedKey: first.s3Key,
        cluster: CLUSTER,
        logType: 'audit',
      });
      expect(archived).toMatchObject({ archivedName: `${FAMILY}.5`, archivedListedSize: 100 });
      // Its archive event names the content and the key it was archived under, not only a name.
      expect((await store.archiveEvents(NOW)).filter((e) => e.instance === instance)).toEqual([
        {
          pk: eventKeys.hourPk(NOW),
          sk: `${instance}#${first.sk}#g1#${new Date(NOW).toISOString()}`,
          key: first.s3Key,
          etag: '"e"',
          gzipBytes: 20,
          sourceBytes: 100,
          sourceSha256: 'c'.repeat(64),
          archivedAt: NOW,
          group: CLUSTER,
          instance,
          logType: 'audit',
          logFileName: `${FAMILY}.5`,
          stream: FAMILY,
          contentId: first.contentId,
          generation: 1,
        },
      ]);
      await store.retire(archived);
      expect(keys.isRetired((await store.getFile(key))!)).toBe(true);
      expect(await store.getFile({ ...key, contentId: second.contentId! })).toEqual(second);
      expect(await store.getFile({ instance, logFileName: NAME })).toEqual(named);
      const byHour = await store.clusterFiles(CLUSTER, 'audit', first.hour, first.hour);
      expect(
        byHour
          .filter((f) => f.instance === instance)
          .map((f) => f.contentId ?? f.logFileName)
          .sort(),
      ).toEqual([second.contentId, first.contentId, NAME].sort());
    });
  });

  describe('discovery lease', () => {
    it('is taken on the heartbeat, refused to another discoverer while it holds, and released by the heartbeat', async () => {
      const instance = `contract-${++counter}`;
      const base = { cluster: CLUSTER, instance, count: 1, retentionMs: 24 * HOUR };
      // Never listed: the lease alone is no heartbeat.
      expect(
        await store.takeDiscoveryLease({ instance, owner: 'a', now: T0, until: T0 + MINUTE }),
      ).toBeUndefined();
      expect((await store.instanceState(instance)).meta).toBeUndefined();
      expect((await store.instances()).some((m) => m.instance === instance)).toBe(false);
      const busy = await store.takeDiscoveryLease({ instance, owner: 'b', now: T0, until: T0 + MINUTE }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(busy).toBeInstanceOf(InstanceBusyError);
      expect(busy).toMatchObject({ holder: 'a', until: T0 + MINUTE });
      // Another discoverer's heartbeat does not overwrite a lease that holds...
      await store.recordListing({ ...base, previous: undefined, now: T0, owner: 'b' });
      expect((await store.instanceState(instance)).meta).toBeUndefined();
      // ...the holder's does, and releases it, with the rotated files it listed.
      await store.recordListing({ ...base, previous: undefined, now: T0, owner: 'a', rotated: { f: 3 } });
      const meta = (await store.instanceState(instance)).meta!;
      expect(meta).toMatchObject({ lastListedAt: T0, families: { f: 3 } });
      expect(meta.leaseOwner).toBeUndefined();
      const taken = await store.takeDiscoveryLease({ instance, owner: 'b', now: T0 + 1, until: T0 + MINUTE });
      expect(taken).toMatchObject({ lastListedAt: T0, leaseOwner: 'b' });
      // An expired lease is anyone's; the most rotated files seen stays the largest.
      await store.takeDiscoveryLease({ instance, owner: 'c', now: T0 + MINUTE + 1, until: T0 + 2 * MINUTE });
      await store.recordListing({
        ...base,
        previous: meta,
        now: T0 + MINUTE + 2,
        owner: 'c',
        rotated: { f: 1 },
      });
      expect((await store.instanceState(instance)).meta).toMatchObject({ families: { f: 3 } });
    });
  });

  describe('retire and history', () => {
    it('moves an archived or lost file to history, where reads still find it', async () => {
      const archived = await seed(freshArchived());
      await store.retire(archived);
      const found = await store.getFile(archived);
      expect(found).toEqual({ ...archived, pk: keys.retiredPk(archived.instance) });
      expect(keys.isRetired(found!)).toBe(true);
      expect((await store.instanceState(archived.instance)).files).toEqual([]);
      expect(await store.retiredCount(archived.instance)).toBe(1);

      const lost = await seed(fresh({ state: 'lost', lostReason: 'gone', stateSince: T0 - 3 * HOUR }));
      await store.retire(lost);
      // Lost files stay in the by-state index once retired (failures lists them).
      const onRecord = await store.filesInState('lost');
      expect(onRecord.find((f) => f.instance === lost.instance)?.pk).toBe(keys.retiredPk(lost.instance));
    });

    it('refuses to retire a file that is not archived or lost, or has moved on', async () => {
      const queued = await seed(fresh({ state: 'queued' }));
      expect((await refusal(store.retire(queued))).current).toEqual(queued);
      const archived = await seed(freshArchived());
      const refused = await refusal(store.retire({ ...archived, generation: 2 }));
      expect(refused.current).toEqual(archived);
      expect(await store.retiredCount(archived.instance)).toBe(0);
    });
  });

  describe('listings', () => {
    it('records the heartbeat with its observations, never rewinds it, and records gaps', async () => {
      const instance = `contract-${++counter}`;
      const cluster = `${CLUSTER}-${counter}`;
      const base = { cluster, instance, count: 3, retentionMs: 24 * HOUR };
      const observed = { [NAME]: { size: 10, lastWritten: 5, since: T0 } };
      expect(await store.recordListing({ ...base, previous: undefined, now: T0, observed })).toBeUndefined();
      const first = (await store.instanceState(instance)).meta!;
      expect(first).toMatchObject({ firstListedAt: T0, lastListedAt: T0, lastListedCount: 3, observed });
      expect((await store.instances()).filter((m) => m.instance === instance)).toEqual([first]);

      await store.recordListing({ ...base, previous: first, now: T0 - MINUTE });
      expect((await store.instanceState(instance)).meta?.lastListedAt).toBe(T0);

      const later = T0 + 25 * HOUR;
      const gap = await store.recordListing({ ...base, previous: first, now: later });
      expect(gap).toMatchObject({ from: T0, to: later, instance, cluster });
      expect(await store.clusterGaps(cluster)).toEqual([gap]);
      const meta = (await store.instanceState(instance)).meta!;
      expect(meta).toMatchObject({ firstListedAt: T0, lastListedAt: later });
      expect(meta.observed).toBeUndefined();
    });
  });

  describe('the digest chain head', () => {
    it('is created once, then moves only from where the caller read it', async () => {
      // The head is one item per table; on the shared DynamoDB table only this case touches it.
      expect(await store.digestHead()).toBeUndefined();
      const genesis = genesisHead(T0, NOW);
      await store.advanceDigestHead(genesis, undefined);
      expect(await store.digestHead()).toEqual(genesis);
      const again = await store.advanceDigestHead(genesisHead(T0 + HOUR, NOW), undefined).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(again).toBeInstanceOf(DigestHeadMovedError);
      expect((again as DigestHeadMovedError).current).toEqual(genesis);

      const next = {
        ...genesis,
        nextHour: genesis.nextHour + HOUR,
        previous: { key: '_digests/2024/10/01/13.json', sha256: 'f'.repeat(64) },
      };
      await store.advanceDigestHead(next, genesis);
      expect(await store.digestHead()).toEqual(next);
      // A second digester that read the genesis head cannot fork the chain.
      const fork = await store
        .advanceDigestHead({ ...next, previous: { key: 'x', sha256: '0'.repeat(64) } }, genesis)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(fork).toBeInstanceOf(DigestHeadMovedError);
      expect((fork as DigestHeadMovedError).current).toEqual(next);
      expect(await store.digestHead()).toEqual(next);
    });
  });

  describe('index reads', () => {
    it('lists files in a state oldest first, before a time, up to a limit', async () => {
      const instance = `contract-${++counter}`;
      const names = [0, 1, 2].map((w) => auroraAuditName(w, T0 - HOUR));
      for (const [i, name] of names.entries()) {
        await store.create(
          fileRecord(name, { instance, state: 'failed', stateSince: T0 + 100 * HOUR - i * MINUTE }),
        );
      }
      const mine = async (options?: { before?: number; limit?: number }) =>
        (await store.filesInState('failed', options))
          .filter((f) => f.instance === instance)
          .map((f) => f.logFileName);
      expect(await mine()).toEqual([...names].reverse());
      expect(await mine({ before: T0 + 100 * HOUR })).toEqual([names[2], names[1]]);
      // Other cases' failed files sort before these (earlier stateSince): a limit counts them too.
      const all = await store.filesInState('failed');
      expect(await store.filesInState('failed', { limit: 2 })).toEqual(all.slice(0, 2));
    });

    it('lists a cluster files by hour', async () => {
      const instance = `contract-${++counter}`;
      const cluster = `${CLUSTER}-${counter}`;
      const names = [0, 1, 2].map((h) => auroraAuditName(0, T0 + h * HOUR));
      for (const name of names) await store.create(fileRecord(name, { instance, cluster, lastWritten: T0 }));
      const hour = (name: string) => fileRecord(name).hour;
      const found = await store.clusterFiles(cluster, 'audit', hour(names[0]!), hour(names[1]!));
      expect(found.map((f) => f.logFileName)).toEqual(names.slice(0, 2));
    });
  });

  describe('RDS deletion events', () => {
    it('records each event once (the same event again is the same item) and lists a cluster by hour', async () => {
      const instance = `contract-${++counter}`;
      const cluster = `${CLUSTER}-${counter}`;
      const evidence = (file: string, date: number) =>
        deletionEventRecord(
          cluster,
          {
            instance,
            date,
            message: `Log file ${file} was deleted.`,
            categories: ['notification'],
            file,
            reason: 'storage',
          },
          NOW,
        );
      const early = evidence(auroraAuditName(1, T0 - 2 * HOUR), T0);
      const late = evidence(auroraAuditName(2, T0), T0 + HOUR);
      await store.recordDeletionEvents([early, late]);
      await store.recordDeletionEvents([early]);
      expect(await store.clusterDeletionEvents(cluster, early.hour, late.hour)).toEqual([early, late]);
      expect(await store.clusterDeletionEvents(cluster, late.hour, late.hour)).toEqual([late]);
      // Their own partition: the discoverer's Query of the instance does not read them.
      expect(await store.instanceState(instance)).toEqual({ meta: undefined, files: [] });
    });

    it('keeps the events cursor on the heartbeat until a listing moves it', async () => {
      const instance = `contract-${++counter}`;
      const base = { cluster: CLUSTER, instance, count: 1, retentionMs: 24 * HOUR };
      await store.recordListing({ ...base, previous: undefined, now: T0, eventsCursor: T0 - MINUTE });
      const first = (await store.instanceState(instance)).meta!;
      expect(first.eventsCursor).toBe(T0 - MINUTE);
      await store.recordListing({ ...base, previous: first, now: T0 + MINUTE });
      const kept = (await store.instanceState(instance)).meta!;
      expect(kept.eventsCursor).toBe(T0 - MINUTE);
      await store.recordListing({ ...base, previous: kept, now: T0 + 2 * MINUTE, eventsCursor: T0 });
      expect((await store.instanceState(instance)).meta?.eventsCursor).toBe(T0);
    });
  });

  describe('place discoveries', () => {
    it('records how each place went, never rewound, a failure keeping the last success', async () => {
      const account = String(100_000_000_000 + ++counter);
      const place = `${account}/eu-west-1`;
      const mine = async () => (await store.placeDiscoveries()).filter((p) => p.place === place);
      const base = { account, region: 'eu-west-1', place, instances: 2, enqueued: 3 };
      await store.recordPlaceDiscovery({ ...base, attemptedAt: T0 });
      expect(await mine()).toEqual([{ pk: 'PLACES', sk: place, ...base, attemptedAt: T0, succeededAt: T0 }]);
      const refused = `account ${account}: cannot assume its role`;
      await store.recordPlaceDiscovery({
        ...base,
        instances: 0,
        enqueued: 0,
        attemptedAt: T0 + MINUTE,
        error: refused,
      });
      // An older run finishing late does not overwrite the newer one.
      await store.recordPlaceDiscovery({ ...base, attemptedAt: T0 + MINUTE / 2 });
      expect(await mine()).toEqual([
        {
          pk: 'PLACES',
          sk: place,
          ...base,
          instances: 0,
          enqueued: 0,
          attemptedAt: T0 + MINUTE,
          succeededAt: T0,
          error: refused,
        },
      ]);
      await store.recordPlaceDiscovery({ ...base, attemptedAt: T0 + 2 * MINUTE });
      expect(await mine()).toEqual([
        { pk: 'PLACES', sk: place, ...base, attemptedAt: T0 + 2 * MINUTE, succeededAt: T0 + 2 * MINUTE },
      ]);
      // The home place is a place too, with no account.
      await store.recordPlaceDiscovery({ place: 'home', instances: 1, enqueued: 0, attemptedAt: T0 });
      expect((await store.placeDiscoveries()).find((p) => p.place === 'home')).toMatchObject({
        sk: 'home',
        succeededAt: expect.any(Number),
      });
    });
  });
});
