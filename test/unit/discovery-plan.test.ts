import { describe, expect, it } from 'vitest';
import {
  LOST_AFTER_MISSING_LISTINGS,
  needsLease,
  observeLiveFiles,
  type PlannedAction,
  type PlannedStep,
  planInstance,
} from '../../core/discovery-plan.js';
import { keys } from '../../core/ledger/records.js';
import type { ArgsOf } from '../../core/ledger/transitions.js';
import {
  archivedRecord,
  auroraAuditName,
  CLUSTER,
  contentItem,
  fileRecord,
  HOUR,
  INSTANCE,
  listedFile,
  MINUTE,
  planInput,
  SECOND,
  T0,
} from '../support/factories.js';

const SETTLE = 5 * MINUTE;
const SWEEP = 30 * MINUTE;

// Writer 0: OLD rotated at 12:00 into NEW, which is being written now.
const OLD = auroraAuditName(0, Date.UTC(2024, 9, 1, 11, 0));
const NEW = auroraAuditName(0, Date.UTC(2024, 9, 1, 12, 0));

/** Kinds (or transitions) of the planned actions with their file names, for compact assertions. */
function summary(actions: PlannedAction[]): string[] {
  const label = (r: { logFileName: string; contentId?: string }) =>
    r.contentId === undefined ? r.logFileName : `${r.logFileName}#${r.contentId}`;
  return actions.map((a) => {
    if (a.kind === 'create') return `create ${label(a.record)}`;
    if (a.kind === 'reject') return `reject ${a.logFileName}`;
    return `${a.kind === 'transition' ? a.transition : a.kind} ${label(a.file)}`;
  });
}

function only<K extends PlannedAction['kind']>(
  actions: PlannedAction[],
  kind: K,
): Extract<PlannedAction, { kind: K }> {
  expect(actions).toHaveLength(1);
  const [action] = actions;
  expect(action?.kind).toBe(kind);
  return action as Extract<PlannedAction, { kind: K }>;
}

/** The only action, a transition by this name. */
function onlyStep<N extends PlannedStep['transition']>(actions: PlannedAction[], name: N) {
  const action = only(actions, 'transition');
  expect(action.transition).toBe(name);
  return action as Extract<PlannedAction, { kind: 'transition' }> & { transition: N; args: ArgsOf<N> };
}

describe('planInstance', () => {
  describe('new files', () => {
    it('creates a rotated file as queued and enqueues it, even if it was written just now', () => {
      const actions = planInstance(
        planInput({
          listing: [
            listedFile(OLD, { lastWritten: T0 - SECOND }),
            listedFile(NEW, { lastWritten: T0 - SECOND }),
          ],
        }),
      );
      expect(actions).toHaveLength(2);
      const old = actions.find((a) => a.kind === 'create' && a.record.logFileName === OLD);
      expect(old).toMatchObject({ kind: 'create', enqueue: true, record: { state: 'queued' } });
    });

    it('creates a live file that has not settled as seen, without enqueueing', () => {
      const create = only(
        planInstance(planInput({ listing: [listedFile(NEW, { lastWritten: T0 - SETTLE + 1 })] })),
        'create',
      );
      expect(create.enqueue).toBe(false);
      expect(create.record.state).toBe('seen');
    });

    it('creates a live file quiet for exactly the settle period as queued', () => {
      const create = only(
        planInstance(planInput({ listing: [listedFile(NEW, { lastWritten: T0 - SETTLE })] })),
        'create',
      );
      expect(create.enqueue).toBe(true);
      expect(create.record.state).toBe('queued');
    });

    it('records everything the ledger and the archiver need', () => {
      const create = only(
        planInstance(planInput({ listing: [listedFile(NEW, { size: 4096, lastWritten: T0 - HOUR })] })),
        'create',
      );
      const hour = Date.UTC(2024, 9, 1, 12);
      expect(create.record).toEqual({
        pk: keys.activePk(INSTANCE),
        sk: keys.fileSk({ instance: INSTANCE, logFileName: NEW }),
        cluster: CLUSTER,
        instance: INSTANCE,
        logFileName: NEW,
        logType: 'audit',
        hour,
        s3Key: `${CLUSTER}/audit/2024/10/01/12/${INSTANCE}/audit.log.0.2024-10-01-12-00.1.gz`,
        generation: 1,
        state: 'queued',
        listedSize: 4096,
        lastWritten: T0 - HOUR,
        firstSeenAt: T0,
        stateSince: T0,
        updatedAt: T0,
        missingListings: 0,
        attempts: 0,
        gsi1pk: keys.statePk('queued'),
        gsi1sk: keys.stateSk(T0, { instance: INSTANCE, logFileName: NEW }),
        gsi2pk: keys.clusterTypePk(CLUSTER, 'audit'),
        gsi2sk: keys.clusterHourSk(hour, { instance: INSTANCE, logFileName: NEW }),
      });
    });

    it('builds the key with the configured layout and prefix', () => {
      const create = only(
        planInstance(planInput({ keyLayout: 'hive', keyPrefix: 'rds/', listing: [listedFile(NEW)] })),
        'create',
      );
      expect(create.record.s3Key).toBe(
        `rds/cluster=${CLUSTER}/log_type=audit/dt=2024-10-01-12/instance=${INSTANCE}/audit.log.0.2024-10-01-12-00.1.gz`,
      );
    });

    it('archives an unknown name under its LastWritten hour, after it settles', () => {
      const name = 'audit/mystery-file';
      const fresh = only(
        planInstance(planInput({ listing: [listedFile(name, { lastWritten: T0 - MINUTE })] })),
        'create',
      );
      expect(fresh.record.state).toBe('seen');
      expect(fresh.record.hour).toBe(Date.UTC(2024, 9, 1, 13));
      const settled = only(
        planInstance(planInput({ listing: [listedFile(name, { lastWritten: T0 - HOUR })] })),
        'create',
      );
      expect(settled.enqueue).toBe(true);
    });

    it('treats the four audit writers separately: four live files wait, the rest go', () => {
      const listing = [0, 1, 2, 3].flatMap((w) => [
        listedFile(auroraAuditName(w, Date.UTC(2024, 9, 1, 11)), { lastWritten: T0 - MINUTE }),
        listedFile(auroraAuditName(w, Date.UTC(2024, 9, 1, 12)), { lastWritten: T0 - MINUTE }),
      ]);
      const actions = planInstance(planInput({ listing }));
      const creates = actions.filter((a) => a.kind === 'create');
      expect(creates).toHaveLength(8);
      expect(creates.filter((a) => a.enqueue).map((a) => a.record.logFileName)).toEqual(
        [0, 1, 2, 3].map((w) => auroraAuditName(w, Date.UTC(2024, 9, 1, 11))),
      );
    });
  });

  describe('settling', () => {
    it('settles a seen file (to queued) once it has been quiet for the settle period', () => {
      const listed = listedFile(NEW, { size: 2048, lastWritten: T0 - SETTLE });
      const action = onlyStep(
        planInstance(planInput({ listing: [listed], ledger: [fileRecord(NEW, { state: 'seen' })] })),
        'settle',
      );
      expect(action.enqueue).toBe(true);
      expect(action.args).toEqual({ generation: 1, now: T0, listedSize: 2048, lastWritten: T0 - SETTLE });
    });

    it('advances the previous live file to queued when rotation makes it final', () => {
      const actions = planInstance(
        planInput({
          listing: [
            listedFile(OLD, { lastWritten: T0 - SECOND }),
            listedFile(NEW, { lastWritten: T0 - SECOND }),
          ],
          ledger: [fileRecord(OLD, { state: 'seen' })],
        }),
      );
      expect(summary(actions)).toEqual([`settle ${OLD}`, `create ${NEW}`]);
      expect(actions[0]).toMatchObject({ enqueue: true });
      expect(actions[1]).toMatchObject({ enqueue: false, record: { state: 'seen' } });
    });
  });

  describe('quietness when the clocks disagree', () => {
    // RDS's LastWritten and the discoverer's clock need not agree: the simulator's runs ahead with
    // `--speed`, and a host's clock can drift either way. Quiet means: seen unchanged, by our clock.
    const ahead = listedFile(NEW, { size: 5000, lastWritten: T0 + HOUR });

    it('waits at first sight when LastWritten is ahead of our clock, and records what it saw', () => {
      const input = planInput({ listing: [ahead], listedAt: T0 - SECOND });
      expect(only(planInstance(input), 'create').record.state).toBe('seen');
      expect(observeLiveFiles(input)).toEqual({
        [NEW]: { size: 5000, lastWritten: T0 + HOUR, since: T0 - SECOND },
      });
    });

    it('settles a file seen unchanged for the settle period by our clock, whatever LastWritten says', () => {
      const observed = { [NEW]: { size: 5000, lastWritten: T0 + HOUR, since: T0 - SETTLE } };
      const ledger = [fileRecord(NEW, { state: 'seen', listedSize: 5000, lastWritten: T0 + HOUR })];
      onlyStep(planInstance(planInput({ listing: [ahead], ledger, observed })), 'settle');
      const early = { [NEW]: { ...observed[NEW]!, since: T0 - SETTLE + 1 } };
      expect(planInstance(planInput({ listing: [ahead], ledger, observed: early }))).toEqual([]);
    });

    it('does not settle a file seen changing, even when LastWritten looks old by our clock', () => {
      const behind = listedFile(NEW, { size: 6000, lastWritten: T0 - HOUR });
      const observed = { [NEW]: { size: 5000, lastWritten: T0 - HOUR - MINUTE, since: T0 - 2 * HOUR } };
      const input = planInput({ listing: [behind], ledger: [fileRecord(NEW, { state: 'seen' })], observed });
      expect(planInstance(input)).toEqual([]);
      // It starts being quiet now.
      expect(observeLiveFiles(input)[NEW]).toEqual({ size: 6000, lastWritten: T0 - HOUR, since: T0 });
    });

    it('keeps waiting with a grown archived file until it is quiet, then queues its next generation', () => {
      const grown = listedFile(NEW, { size: 9000, lastWritten: T0 + HOUR });
      const changing = { [NEW]: { size: 8000, lastWritten: T0 + HOUR - MINUTE, since: T0 - HOUR } };
      const archived = archivedRecord(NEW, { listedSize: 5000 });
      expect(
        onlyStep(
          planInstance(planInput({ listing: [grown], ledger: [archived], observed: changing })),
          'grow',
        ).args.to,
      ).toBe('seen');
      const quiet = { [NEW]: { size: 9000, lastWritten: T0 + HOUR, since: T0 - SETTLE } };
      const waiting = fileRecord(NEW, { state: 'seen', generation: 2, listedSize: 9000 });
      onlyStep(planInstance(planInput({ listing: [grown], ledger: [waiting], observed: quiet })), 'settle');
    });

    it('with no settle period, archives a live file at once', () => {
      const create = only(planInstance(planInput({ listing: [ahead], settleMs: 0 })), 'create');
      expect(create.enqueue).toBe(true);
    });

    it('remembers only live files, keeping since for those unchanged', () => {
      const observed = {
        [NEW]: { size: 5000, lastWritten: T0 + HOUR, since: T0 - HOUR },
        [OLD]: { size: 1, lastWritten: 1, since: 1 },
        'audit/gone': { size: 1, lastWritten: 1, since: 1 },
      };
      expect(observeLiveFiles(planInput({ listing: [listedFile(OLD), ahead], observed }))).toEqual({
        [NEW]: { size: 5000, lastWritten: T0 + HOUR, since: T0 - HOUR },
      });
    });

    it('remembers live files whose readiness is still to decide, not queued or in-flight work', () => {
      const other = auroraAuditName(1, Date.UTC(2024, 9, 1, 12));
      const listing = [ahead, listedFile(other)];
      for (const state of ['queued', 'archiving', 'failed'] as const) {
        const ledger = [fileRecord(NEW, { state }), fileRecord(other, { state: 'seen' })];
        expect(Object.keys(observeLiveFiles(planInput({ listing, ledger })))).toEqual([other]);
      }
      for (const state of ['seen', 'archived', 'lost'] as const) {
        const ledger = [fileRecord(NEW, { state })];
        expect(Object.keys(observeLiveFiles(planInput({ listing, ledger }))).sort()).toEqual(
          [NEW, other].sort(),
        );
      }
    });
  });

  describe('steady state', () => {
    it('plans nothing for unchanged, recently queued, growing, in-flight and failed files', () => {
      const files = [0, 1, 2, 3, 4].map((w) => auroraAuditName(w, Date.UTC(2024, 9, 1, 12)));
      const [archived, queued, growing, archiving, failed] = files as [
        string,
        string,
        string,
        string,
        string,
      ];
      const actions = planInstance(
        planInput({
          listing: [
            listedFile(archived, { size: 1024, lastWritten: T0 - HOUR }),
            listedFile(queued, { size: 5000, lastWritten: T0 - MINUTE }),
            listedFile(growing, { size: 9000, lastWritten: T0 - SECOND }),
            listedFile(archiving, { size: 1024 }),
            listedFile(failed, { size: 1024 }),
          ],
          ledger: [
            archivedRecord(archived, { listedSize: 1024 }),
            fileRecord(queued, { state: 'queued', stateSince: T0 - SWEEP }),
            fileRecord(growing, { state: 'seen', listedSize: 10 }),
            fileRecord(archiving, { state: 'archiving', stateSince: T0 - 2 * SWEEP, leaseUntil: T0 }),
            fileRecord(failed, { state: 'failed', stateSince: T0 - 10 * SWEEP }),
          ],
        }),
      );
      expect(actions).toEqual([]);
    });

    it('does not re-archive an archived file whose archived bytes already cover the listing', () => {
      const actions = planInstance(
        planInput({
          listing: [listedFile(OLD, { size: 1500 })],
          ledger: [archivedRecord(OLD, { listedSize: 1000, archivedBytes: 1500 })],
        }),
      );
      expect(actions).toEqual([]);
    });
  });

  describe('growth after archiving', () => {
    it('grows a grown, settled file into its next generation, queued', () => {
      const listed = listedFile(NEW, { size: 2048, lastWritten: T0 - HOUR });
      const action = onlyStep(
        planInstance(planInput({ listing: [listed], ledger: [archivedRecord(NEW)] })),
        'grow',
      );
      expect(action.enqueue).toBe(true);
      expect(action.args).toEqual({
        generation: 1,
        now: T0,
        to: 'queued',
        listedSize: 2048,
        lastWritten: T0 - HOUR,
      });
    });

    it('grows a grown file still being written into its next generation, seen', () => {
      const listed = listedFile(NEW, { size: 2048, lastWritten: T0 - SECOND });
      const action = onlyStep(
        planInstance(planInput({ listing: [listed], ledger: [archivedRecord(NEW)] })),
        'grow',
      );
      expect(action.enqueue).toBe(false);
      expect(action.args.to).toBe('seen');
    });

    it('queues a grown file at once when it has rotated', () => {
      const actions = planInstance(
        planInput({
          listing: [
            listedFile(OLD, { size: 2048, lastWritten: T0 - SECOND }),
            listedFile(NEW, { lastWritten: T0 - SECOND }),
          ],
          ledger: [archivedRecord(OLD), fileRecord(NEW, { state: 'seen' })],
        }),
      );
      expect(actions).toEqual([
        expect.objectContaining({ kind: 'transition', transition: 'grow', enqueue: true }),
      ]);
      expect(actions[0]).toMatchObject({ args: { to: 'queued' } });
    });
  });

  describe('sweep', () => {
    it('rearms a file queued for longer than the sweep period', () => {
      const rearm = onlyStep(
        planInstance(
          planInput({
            listing: [listedFile(OLD)],
            ledger: [fileRecord(OLD, { state: 'queued', stateSince: T0 - SWEEP - 1 })],
          }),
        ),
        'rearm',
      );
      expect(rearm.reason).toBe('queued without progress');
      // Conditional on the stateSince read: two discoverers re-send it once between them.
      expect(rearm.args).toEqual({ generation: 1, now: T0, since: T0 - SWEEP - 1 });
    });

    it('rearms a file whose archiving lease has expired', () => {
      const record = fileRecord(OLD, { state: 'archiving', stateSince: T0 - SWEEP - 1, leaseUntil: T0 - 1 });
      const rearm = onlyStep(
        planInstance(planInput({ listing: [listedFile(OLD)], ledger: [record] })),
        'rearm',
      );
      expect(rearm.reason).toBe('archiving lease expired');
    });

    it('leaves a claim alone while its lease holds, however old it is', () => {
      const record = fileRecord(OLD, {
        state: 'archiving',
        stateSince: T0 - 10 * SWEEP,
        leaseUntil: T0 + MINUTE,
      });
      expect(planInstance(planInput({ listing: [listedFile(OLD)], ledger: [record] }))).toEqual([]);
    });
  });

  describe('unarchivable names', () => {
    it('reports a file no safe key can be made for, and still plans the others', () => {
      const long = `audit/${'x'.repeat(700)}\u00e9${'y'.repeat(700)}`;
      const actions = planInstance(planInput({ listing: [listedFile(long), listedFile(OLD)] }));
      expect(summary(actions)).toEqual([`reject ${long}`, `create ${OLD}`]);
      const reject = actions[0];
      expect(reject?.kind === 'reject' && reject.reason).toMatch(/longer than 1024 bytes/);
    });
  });

  describe('files gone from RDS', () => {
    const inFlight = [
      fileRecord(OLD, { state: 'queued' }),
      fileRecord(auroraAuditName(1, T0 - HOUR), { state: 'seen', missingListings: 1 }),
      archivedRecord(auroraAuditName(2, T0 - HOUR)),
    ];

    it('marks nothing missing, lost or retired on an empty listing', () => {
      expect(planInstance(planInput({ listing: [], ledger: inFlight }))).toEqual([]);
      expect(planInstance(planInput({ listing: [], listedTotal: 0, ledger: inFlight }))).toEqual([]);
    });

    it('does treat wanted files as gone when RDS still lists other log types', () => {
      const actions = planInstance(planInput({ listing: [], listedTotal: 3, ledger: inFlight }));
      expect(summary(actions)).toEqual([
        `markMissing ${OLD}`,
        `markGone ${auroraAuditName(1, T0 - HOUR)}`,
        `retire ${auroraAuditName(2, T0 - HOUR)}`,
      ]);
    });

    it('marks a file absent from one non-empty listing as missing', () => {
      const record = fileRecord(OLD, { state: 'queued' });
      const actions = planInstance(
        planInput({ listing: [listedFile(NEW, { lastWritten: T0 - SECOND })], ledger: [record] }),
      );
      expect(summary(actions)).toEqual([`create ${NEW}`, `markMissing ${OLD}`]);
    });

    it('declares a file absent from a second listing lost, with a reason', () => {
      expect(LOST_AFTER_MISSING_LISTINGS).toBe(2);
      const record = fileRecord(OLD, { state: 'seen', missingListings: 1, listedSize: 777 });
      const actions = planInstance(
        planInput({ listing: [listedFile(NEW)], ledger: [record, fileRecord(NEW)] }),
      );
      expect(summary(actions)).toEqual([`markGone ${OLD}`]);
      const gone = actions[0] as Extract<PlannedAction, { kind: 'transition' }> & { transition: 'markGone' };
      expect(gone.file).toBe(record);
      expect(gone.reason).toMatch(/2 consecutive RDS listings.*777 B/);
      // Conditional on the count read: a concurrent pass that saw the file again wins.
      expect(gone.args).toMatchObject({ missingListings: 1, reason: gone.reason });
    });

    it.each(['queued', 'failed'] as const)('treats a %s file the same way', (state) => {
      const actions = planInstance(
        planInput({ listing: [listedFile(NEW)], ledger: [fileRecord(NEW), fileRecord(OLD, { state })] }),
      );
      expect(summary(actions)).toEqual([`markMissing ${OLD}`]);
    });

    it.each([
      ['archived', archivedRecord(OLD)],
      ['lost', fileRecord(OLD, { state: 'lost', lostReason: 'gone' })],
    ])('retires an absent %s file', (_state, record) => {
      const actions = planInstance(
        planInput({ listing: [listedFile(NEW)], ledger: [record, fileRecord(NEW)] }),
      );
      expect(summary(actions)).toEqual([`retire ${OLD}`]);
    });

    it('leaves an absent file alone while its archiving lease holds', () => {
      const record = fileRecord(OLD, { state: 'archiving', leaseUntil: T0, missingListings: 1 });
      expect(
        planInstance(planInput({ listing: [listedFile(NEW)], ledger: [record, fileRecord(NEW)] })),
      ).toEqual([]);
    });

    it('counts an absent file whose archiving lease expired as missing', () => {
      const record = fileRecord(OLD, { state: 'archiving', leaseUntil: T0 - 1 });
      const actions = planInstance(
        planInput({ listing: [listedFile(NEW)], ledger: [record, fileRecord(NEW)] }),
      );
      expect(summary(actions)).toEqual([`markMissing ${OLD}`]);
    });

    it('reports a missing file that is listed again as present', () => {
      const record = fileRecord(OLD, { state: 'queued', missingListings: 1 });
      expect(summary(planInstance(planInput({ listing: [listedFile(OLD)], ledger: [record] })))).toEqual([
        `markPresent ${OLD}`,
      ]);
    });

    it('revives a lost file that is listed again, as its next generation', () => {
      const listed = listedFile(OLD, { lastWritten: T0 - HOUR });
      const record = fileRecord(OLD, { state: 'lost', lostReason: 'gone', missingListings: 2 });
      const action = onlyStep(
        planInstance(
          planInput({
            listing: [listed, listedFile(NEW)],
            ledger: [record, fileRecord(NEW)],
            listedAt: T0 - SECOND,
          }),
        ),
        'revive',
      );
      expect(action.enqueue).toBe(true);
      expect(action.args).toEqual({
        generation: 1,
        now: T0,
        to: 'queued',
        listedSize: 1024,
        lastWritten: T0 - HOUR,
        listedAt: T0 - SECOND,
      });
    });

    it('does not revive a file marked lost after the listing was taken: the listing is older news', () => {
      const record = fileRecord(OLD, { state: 'lost', lostReason: 'not found', stateSince: T0 - SECOND });
      const listing = [listedFile(OLD), listedFile(NEW)];
      const input = { listing, ledger: [record, fileRecord(NEW)] };
      expect(planInstance(planInput({ ...input, listedAt: T0 - 2 * SECOND }))).toEqual([]);
      expect(summary(planInstance(planInput({ ...input, listedAt: T0 - SECOND + 1 })))).toEqual([
        `revive ${OLD}`,
      ]);
    });
  });

  describe('a unique name that holds other content', () => {
    it('takes a smaller listing than what was archived as a new content, with its own key, and retires the old', () => {
      const archived = archivedRecord(OLD, { listedSize: 300_000 });
      const listed = listedFile(OLD, { size: 299_000, lastWritten: T0 - 10 * MINUTE });
      const actions = planInstance(
        planInput({ listing: [listed, listedFile(NEW)], ledger: [archived, fileRecord(NEW)] }),
      );
      const id = '20241001T132000000Z';
      expect(summary(actions)).toEqual([`create ${OLD}#${id}`, `retire ${OLD}`]);
      const create = actions[0] as Extract<PlannedAction, { kind: 'create' }>;
      expect(create.enqueue).toBe(true);
      expect(create.record).toMatchObject({
        sk: `C#${OLD}#${id}`,
        stream: OLD,
        contentId: id,
        logFileName: OLD,
        listedSize: 299_000,
        hour: Date.UTC(2024, 9, 1, 13),
        s3Key: `${CLUSTER}/audit/2024/10/01/13/${INSTANCE}/audit.log.0.2024-10-01-11-00.1!${id}.gz`,
      });
      expect(create.record.s3Key).not.toBe(archived.s3Key);
      // No lease: two discoverers compute the same content id, and the ledger keeps one create.
      expect(needsLease(actions)).toBe(false);
    });

    it('takes the content of a name whose bytes diverged as new, and leaves the diverged record to retire', () => {
      const diverged = fileRecord(OLD, {
        state: 'lost',
        generation: 2,
        divergedAt: T0 - MINUTE,
        archivedBytes: 300_000,
        listedSize: 310_000,
      });
      const listed = listedFile(OLD, { size: 310_000, lastWritten: T0 - 10 * MINUTE });
      const actions = planInstance(
        planInput({ listing: [listed, listedFile(NEW)], ledger: [diverged, fileRecord(NEW)] }),
      );
      expect(summary(actions)).toEqual([`create ${OLD}#20241001T132000000Z`, `retire ${OLD}`]);
    });

    it('follows the name with its newest content from then on', () => {
      const first = archivedRecord(OLD, { listedSize: 300_000 });
      const second = contentItem(OLD, '20241001T132000000Z', {
        state: 'archived',
        listedSize: 299_000,
        archivedBytes: 299_000,
      });
      const grown = listedFile(OLD, { size: 305_000, lastWritten: T0 - MINUTE });
      const actions = planInstance(
        planInput({ listing: [grown, listedFile(NEW)], ledger: [first, second, fileRecord(NEW)] }),
      );
      expect(summary(actions)).toEqual([`grow ${OLD}#20241001T132000000Z`, `retire ${OLD}`]);
    });
  });

  describe("Aurora MySQL's hourly logs: the live name and its dated hours are one family", () => {
    const LIVE = 'error/mysql-error-running.log';
    const dated = (hour: number) => `${LIVE}.2024-10-01.${String(hour).padStart(2, '0')}`;
    const ID = (m: number) => new Date(T0 - m * MINUTE).toISOString().replace(/[-:.]/g, '');

    it('finds the live hour, once rotated, in its dated file: no loss, no second copy', () => {
      // 13:30 now; the 12:00 hour was seen live at 12:50 and has rotated into `.2024-10-01.12`.
      const live = contentItem(LIVE, ID(40), {
        state: 'seen',
        listedSize: 10,
        lastWritten: T0 - 40 * MINUTE,
      });
      const listing = [
        listedFile(dated(12), { size: 30, lastWritten: T0 - 31 * MINUTE }),
        listedFile(LIVE, { size: 5, lastWritten: T0 - MINUTE }),
      ];
      const actions = planInstance(planInput({ listing, ledger: [live] }));
      expect(summary(actions)).toEqual([`settle ${LIVE}#${ID(40)}`, `create ${LIVE}#${ID(1)}`]);
      const settle = actions[0] as Extract<PlannedAction, { kind: 'transition' }>;
      expect(settle.args).toMatchObject({ listedSize: 30, lastWritten: T0 - 31 * MINUTE });
      expect((actions[1] as Extract<PlannedAction, { kind: 'create' }>).record.s3Key).toBe(
        `${CLUSTER}/error/2024/10/01/13/${INSTANCE}/mysql-error-running.log!${ID(1)}.gz`,
      );
    });

    it('keeps following a dated name the ledger already tracks by name (F#), written before it joined the family', () => {
      const legacy = archivedRecord(dated(11), {
        listedSize: 30,
        archivedBytes: 30,
        lastWritten: T0 - 91 * MINUTE,
      });
      const listing = [
        listedFile(dated(11), { size: 30, lastWritten: T0 - 91 * MINUTE }),
        listedFile(dated(12), { size: 20, lastWritten: T0 - 31 * MINUTE }),
      ];
      // The legacy name plans nothing (archived, unchanged); only the new dated hour is new content.
      expect(summary(planInstance(planInput({ listing, ledger: [legacy] })))).toEqual([
        `create ${dated(12)}#${ID(31)}`,
      ]);
    });
  });

  describe('a rotating family (server_audit.log)', () => {
    const LIVE = 'audit/server_audit.log';
    const at = (n: number) => `${LIVE}.${n}`;
    const ID = (m: number) => new Date(T0 - m * MINUTE).toISOString().replace(/[-:.]/g, '');

    it('creates a content item per file on first sight: rotated ones queued, the live one waiting', () => {
      const actions = planInstance(
        planInput({
          listing: [
            listedFile(LIVE, { size: 10, lastWritten: T0 - MINUTE }),
            listedFile(at(1), { size: 100, lastWritten: T0 - 20 * MINUTE }),
            listedFile(at(2), { size: 100, lastWritten: T0 - 40 * MINUTE }),
          ],
        }),
      );
      expect(summary(actions)).toEqual([
        `create ${at(2)}#${ID(40)}`,
        `create ${at(1)}#${ID(20)}`,
        `create ${LIVE}#${ID(1)}`,
      ]);
      const [oldest, , live] = actions as Array<Extract<PlannedAction, { kind: 'create' }>>;
      expect(oldest?.record).toMatchObject({ state: 'queued', stream: LIVE, sk: `C#${LIVE}#${ID(40)}` });
      expect(oldest?.record.s3Key).toBe(
        `${CLUSTER}/audit/2024/10/01/12/${INSTANCE}/server_audit.log!${ID(40)}.gz`,
      );
      expect(live?.record.state).toBe('seen');
      expect(needsLease(actions)).toBe(true);
    });

    it('writes nothing when only the names shifted: a rename costs no write', () => {
      const ledger = [
        contentItem(LIVE, ID(40), {
          state: 'archived',
          listedSize: 100,
          archivedBytes: 100,
          lastWritten: T0 - 40 * MINUTE,
        }),
        contentItem(LIVE, ID(20), {
          state: 'archived',
          listedSize: 100,
          archivedBytes: 100,
          lastWritten: T0 - 20 * MINUTE,
        }),
      ];
      const listing = [
        listedFile(at(3), { size: 100, lastWritten: T0 - 40 * MINUTE }),
        listedFile(at(2), { size: 100, lastWritten: T0 - 20 * MINUTE }),
      ];
      expect(planInstance(planInput({ listing, ledger }))).toEqual([]);
    });

    it('queues the live content once it rotated, from wherever it is now, and creates the new live one', () => {
      const live = contentItem(LIVE, ID(30), {
        state: 'seen',
        listedSize: 10,
        lastWritten: T0 - 30 * MINUTE,
      });
      const listing = [
        listedFile(LIVE, { size: 3, lastWritten: T0 - MINUTE }),
        listedFile(at(1), { size: 100, lastWritten: T0 - 5 * MINUTE }),
        listedFile(at(2), { size: 100, lastWritten: T0 - 15 * MINUTE }),
        listedFile(at(3), { size: 100, lastWritten: T0 - 60 * MINUTE }),
      ];
      const actions = planInstance(planInput({ listing, ledger: [live] }));
      expect(summary(actions)).toEqual([
        `settle ${LIVE}#${ID(30)}`,
        `create ${at(3)}#${ID(60)}`,
        `create ${at(1)}#${ID(5)}`,
        `create ${LIVE}#${ID(1)}`,
      ]);
      const settle = actions[0] as Extract<PlannedAction, { kind: 'transition' }>;
      expect(settle.args).toMatchObject({ listedSize: 100, lastWritten: T0 - 15 * MINUTE });
      expect(settle.enqueue).toBe(true);
    });

    it('grows an archived live content that grew, and leaves one still growing to settle', () => {
      const live = contentItem(LIVE, ID(30), {
        state: 'archived',
        listedSize: 10,
        archivedBytes: 10,
        lastWritten: T0 - 30 * MINUTE,
      });
      const grown = listedFile(LIVE, { size: 50, lastWritten: T0 - 10 * MINUTE });
      expect(summary(planInstance(planInput({ listing: [grown], ledger: [live] })))).toEqual([
        `grow ${LIVE}#${ID(30)}`,
      ]);
      const writing = listedFile(LIVE, { size: 50, lastWritten: T0 - SECOND });
      const step = onlyStep(planInstance(planInput({ listing: [writing], ledger: [live] })), 'grow');
      expect(step.args.to).toBe('seen');
    });

    it('counts a content that rotated out of the listing missing, then lost with the evidence', () => {
      const waiting = contentItem(LIVE, ID(60), {
        state: 'queued',
        listedSize: 100,
        lastWritten: T0 - 60 * MINUTE,
      });
      const later = contentItem(LIVE, ID(40), {
        state: 'archived',
        listedSize: 100,
        archivedBytes: 100,
        lastWritten: T0 - 40 * MINUTE,
      });
      const listing = [listedFile(at(1), { size: 100, lastWritten: T0 - 40 * MINUTE })];
      expect(summary(planInstance(planInput({ listing, ledger: [waiting, later] })))).toEqual([
        `markMissing ${LIVE}#${ID(60)}`,
      ]);
      const gone = onlyStep(
        planInstance(planInput({ listing, ledger: [{ ...waiting, missingListings: 1 }, later] })),
        'markGone',
      );
      expect(gone.args.reason).toMatch(
        /2 consecutive RDS listings.*nothing rotated between its last listing/,
      );
    });

    it('when it cannot tell, archives the candidate as its own content and records the waiting one lost naming it', () => {
      const waiting = contentItem(LIVE, ID(60), {
        state: 'seen',
        listedSize: 10,
        lastWritten: T0 - 60 * MINUTE,
      });
      const listing = [
        listedFile(LIVE, { size: 3, lastWritten: T0 - MINUTE }),
        listedFile(at(1), { size: 100, lastWritten: T0 - 10 * MINUTE }),
        listedFile(at(2), { size: 100, lastWritten: T0 - 20 * MINUTE }),
      ];
      const actions = planInstance(planInput({ listing, ledger: [waiting], families: { [LIVE]: 2 } }));
      expect(summary(actions)).toEqual([
        `create ${at(2)}#${ID(20)}`,
        `markGone ${LIVE}#${ID(60)}`,
        `create ${at(1)}#${ID(10)}`,
        `create ${LIVE}#${ID(1)}`,
      ]);
      const gone = actions[1] as Extract<PlannedAction, { kind: 'transition' }> & { transition: 'markGone' };
      expect(gone.args.reason).toContain(
        `archived as its own content (${CLUSTER}/audit/2024/10/01/13/${INSTANCE}/server_audit.log!${ID(20)}.gz)`,
      );
      // While an archiver holds it, nobody claims the candidate: the archiver decides the same way.
      const held = { ...waiting, state: 'archiving' as const, leaseOwner: 'w', leaseUntil: T0 + MINUTE };
      expect(summary(planInstance(planInput({ listing, ledger: [held], families: { [LIVE]: 2 } })))).toEqual([
        `create ${at(1)}#${ID(10)}`,
        `create ${LIVE}#${ID(1)}`,
      ]);
    });

    it('observes the live name of a family for the settle rule', () => {
      const listing = [listedFile(LIVE, { size: 10, lastWritten: T0 - MINUTE }), listedFile(at(1))];
      expect(Object.keys(observeLiveFiles({ listing, ledger: [], now: T0 }))).toEqual([LIVE]);
    });
  });
});
