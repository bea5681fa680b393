import { describe, expect, it } from 'vitest';
import {
  deletionEventRecord,
  EVENT_HISTORY_MS,
  EVENT_OVERLAP_MS,
  eventWindowStart,
} from '../../core/deletion-events.js';
import { buildCompletenessReport, deletionHoles } from '../../core/operations/completeness/report.js';
import { deletionEvidence } from '../../core/rds/deletion-evidence.js';
import { EVENT_KINDS } from '../../local/rds-sim/index.js';
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

const NAME = auroraAuditName(1, T0 - 2 * HOUR);
const event = (message: string, overrides: object = {}) => ({
  sourceType: 'db-instance',
  sourceIdentifier: INSTANCE,
  message,
  categories: ['notification'],
  date: T0,
  ...overrides,
});

describe('deletion evidence in RDS events (pure)', () => {
  it("reads the simulator's 0610 and 0611 messages: the file and the reason", () => {
    expect(deletionEvidence(event(EVENT_KINDS.logDeletedRetention.message({ file: NAME })))).toMatchObject({
      instance: INSTANCE,
      date: T0,
      file: NAME,
      reason: 'retention',
    });
    expect(deletionEvidence(event(EVENT_KINDS.logDeletedStorage.message({ file: NAME })))).toMatchObject({
      file: NAME,
      reason: 'storage',
    });
  });

  it('keeps a message about a deleted log file that names none, or in other words, as evidence', () => {
    expect(deletionEvidence(event('Some log files were deleted to free local storage.'))).toEqual({
      instance: INSTANCE,
      date: T0,
      message: 'Some log files were deleted to free local storage.',
      categories: ['notification'],
      reason: 'storage',
    });
    expect(deletionEvidence(event(`Deleting log file '${NAME}'`))).toMatchObject({
      file: NAME,
      reason: 'unknown',
    });
  });

  it('ignores events that are not about a deleted log file of a DB instance', () => {
    expect(deletionEvidence(event(EVENT_KINDS.backupStarted.message()))).toBeUndefined();
    expect(deletionEvidence(event('Finished DB Instance backup'))).toBeUndefined();
    expect(
      deletionEvidence(
        event(EVENT_KINDS.logDeletedStorage.message({ file: NAME }), { sourceType: 'db-cluster' }),
      ),
    ).toBeUndefined();
    expect(
      deletionEvidence(event(EVENT_KINDS.logDeletedStorage.message({ file: NAME }), { date: undefined })),
    ).toBeUndefined();
  });

  it('reads from an hour before the cursor, never further back than 14 days; a first pass reads 14 days', () => {
    expect(eventWindowStart(T0, T0 + MINUTE)).toBe(T0 - EVENT_OVERLAP_MS);
    expect(eventWindowStart(undefined, T0)).toBe(T0 - EVENT_HISTORY_MS + MINUTE);
    expect(eventWindowStart(T0 - 30 * 24 * HOUR, T0)).toBe(T0 - EVENT_HISTORY_MS + MINUTE);
  });

  it('keys an event by its date and message, in the hour of the file it names (else of the event)', () => {
    const evidence = deletionEvidence(event(EVENT_KINDS.logDeletedStorage.message({ file: NAME })))!;
    const record = deletionEventRecord(CLUSTER, evidence, T0 + MINUTE);
    expect(record).toMatchObject({
      pk: `E#${INSTANCE}`,
      hour: T0 - 2 * HOUR - ((T0 - 2 * HOUR) % HOUR),
      logType: 'audit',
    });
    expect(deletionEventRecord(CLUSTER, evidence, T0 + 2 * MINUTE).sk).toBe(record.sk);
    const anonymous = deletionEventRecord(CLUSTER, deletionEvidence(event('A log file was deleted.'))!, T0);
    expect(anonymous.hour).toBe(T0 - (T0 % HOUR));
    expect(anonymous.logType).toBeUndefined();
    expect(anonymous.sk).not.toBe(record.sk);
  });
});

describe('rds-deleted coverage holes (pure)', () => {
  const storage = (file: string | undefined, date = T0) =>
    deletionEventRecord(
      CLUSTER,
      deletionEvidence(
        event(file ? EVENT_KINDS.logDeletedStorage.message({ file }) : 'A log file was deleted.', { date }),
      )!,
      T0,
    );
  const hourOf = (ms: number) => ms - (ms % HOUR);
  const window = { from: hourOf(T0) - 3 * HOUR, to: hourOf(T0) + HOUR, logType: 'audit' };

  it('is a hole for a file the ledger never saw or did not archive, with the event as evidence', () => {
    const lost = fileRecord(NAME, { state: 'lost' });
    const [hole] = deletionHoles(INSTANCE, [storage(NAME)], [lost], window);
    expect(hole).toMatchObject({
      kind: 'rds-deleted',
      from: hourOf(T0 - 2 * HOUR),
      to: hourOf(T0 - 2 * HOUR) + HOUR,
      evidence: { date: T0, file: NAME, reason: 'storage' },
    });
    expect(hole?.detail).toMatch(
      /^RDS deleted audit\/audit\.log\.1\.\S+ before it was archived \(storage\): RDS event of /,
    );
  });

  it('is no hole for a file archived (RDS says unpublished: not sent to CloudWatch), nor another type, nor outside the window', () => {
    const archived = archivedRecord(NAME);
    expect(deletionHoles(INSTANCE, [storage(NAME)], [archived], window)).toEqual([]);
    expect(
      deletionHoles(INSTANCE, [storage('error/mysql-error-running.log.2024-10-01.11')], [], window),
    ).toEqual([]);
    expect(deletionHoles(INSTANCE, [storage(NAME)], [], { ...window, from: hourOf(T0) })).toEqual([]);
    expect(deletionHoles('other-instance', [storage(NAME)], [], window)).toEqual([]);
  });

  it('an event naming no file is a hole of its own hour, for every log type', () => {
    expect(deletionHoles(INSTANCE, [storage(undefined)], [], window)).toMatchObject([
      { kind: 'rds-deleted', from: hourOf(T0), evidence: { reason: 'unknown' } },
    ]);
  });

  it('makes the report INCOMPLETE, distinct from a listing gap', () => {
    const report = buildCompletenessReport({
      cluster: CLUSTER,
      logType: 'audit',
      from: window.from,
      to: window.to,
      now: T0 + HOUR,
      instances: [
        {
          pk: `I#${INSTANCE}`,
          sk: '#META',
          cluster: CLUSTER,
          instance: INSTANCE,
          firstListedAt: T0 - 48 * HOUR,
          lastListedAt: T0 + HOUR,
          lastListedCount: 1,
          retentionMs: 24 * HOUR,
          gsi1pk: 'INSTANCES',
          gsi1sk: `${CLUSTER}#${INSTANCE}`,
        },
      ],
      files: [],
      gaps: [],
      deletions: [storage(NAME)],
    });
    expect(report.holes.map((h) => h.kind)).toEqual(['rds-deleted']);
    expect(report.verdict.reasons).toEqual([
      `1 log file deleted by RDS before archived (RDS events): ${INSTANCE} ${NAME}`,
    ]);
    expect(report.instances[0]?.hours.map((h) => h.cell)).toEqual(['empty', 'hole', 'empty', 'empty']);
  });
});
