import { describe, expect, it } from 'vitest';
import { renderCompleteness, retentionLines } from '../../cli/commands/completeness.js';
import { type InstanceMeta, keys, type ListingGap } from '../../core/ledger/records.js';
import { listingItems } from '../../core/ledger/store.js';
import { LOG_FAMILIES } from '../../core/log-streams.js';
import { LOG_TYPES } from '../../core/log-types.js';
import { buildCompletenessReport, coverageHoles } from '../../core/operations/completeness/report.js';
import {
  declaredRetentionMs,
  FALLBACK_RETENTION_MS,
  instanceRetention,
  rdsEngineOf,
  retentionFor,
} from '../../core/retention.js';
import { HOUR } from '../support/factories.js';

const DAY = 24 * HOUR;
/** 2024-10-10T00:00Z. */
const T = Date.UTC(2024, 9, 10);

describe('declared retention per engine and log type', () => {
  it('gives PostgreSQL the rds.log_retention_period default and Aurora MySQL its 30-day error log', () => {
    expect(declaredRetentionMs('postgres', 'postgresql')).toBe(3 * DAY);
    expect(declaredRetentionMs('aurora-postgresql', 'postgresql')).toBe(3 * DAY);
    expect(declaredRetentionMs('aurora-mysql', 'error')).toBe(30 * DAY);
    expect(declaredRetentionMs('aurora-mysql', 'audit')).toBe(DAY);
    expect(declaredRetentionMs('aurora-mysql', 'slowquery')).toBe(DAY);
  });

  it('holds a daily-reused name to a day, and ignores the never-archived staging copy', () => {
    // RDS MySQL documents two weeks for its error log, but `.<H>` comes back every day; the
    // 5-minute staging copy (error/mysql-error.log) must not shorten the error log's retention.
    expect(declaredRetentionMs('mysql', 'error')).toBe(DAY);
    expect(declaredRetentionMs('mariadb', 'general')).toBe(DAY);
  });

  it('knows no retention for a log an engine does not write', () => {
    expect(declaredRetentionMs('postgres', 'audit')).toBeUndefined();
    expect(declaredRetentionMs('mysql', 'postgresql')).toBeUndefined();
  });

  it('declares a positive retention with its source for every family', () => {
    for (const family of LOG_FAMILIES) {
      expect(family.retentionMs, family.names).toBeGreaterThan(0);
      expect(family.retention.length, family.names).toBeGreaterThan(10);
    }
  });

  it('reads engines as RDS spells them, Aurora MySQL 1 (`aurora`) included', () => {
    expect(rdsEngineOf('aurora')).toBe('aurora-mysql');
    expect(rdsEngineOf('aurora-postgresql')).toBe('aurora-postgresql');
    expect(rdsEngineOf('postgres')).toBe('postgres');
    expect(rdsEngineOf('oracle-ee')).toBeUndefined();
    expect(rdsEngineOf(undefined)).toBeUndefined();
  });
});

describe('instanceRetention', () => {
  it('takes each log type the engine writes, and the shortest of them for gaps and status', () => {
    expect(instanceRetention('postgres', undefined)).toEqual({
      byType: { postgresql: 3 * DAY },
      shortestMs: 3 * DAY,
    });
    expect(instanceRetention('aurora-mysql', undefined)).toEqual({
      byType: { audit: DAY, error: 30 * DAY, slowquery: DAY, general: DAY },
      shortestMs: DAY,
    });
  });

  it('bounds every one by ARCHIVER_RETENTION_HOURS, never lengthens one', () => {
    expect(instanceRetention('postgres', 12 * HOUR)).toEqual({
      byType: { postgresql: 12 * HOUR },
      shortestMs: 12 * HOUR,
    });
    expect(instanceRetention('aurora-mysql', 14 * DAY).byType).toEqual({
      audit: DAY,
      error: 14 * DAY,
      slowquery: DAY,
      general: DAY,
    });
  });

  it('gives an engine with no declared logs the bound, else 24 hours', () => {
    expect(instanceRetention('sqlserver-ee', undefined)).toEqual({
      byType: {},
      shortestMs: FALLBACK_RETENTION_MS,
    });
    expect(instanceRetention(undefined, 6 * HOUR)).toEqual({ byType: {}, shortestMs: 6 * HOUR });
  });

  it('never exceeds the bound for any engine and log type', () => {
    for (const engine of ['aurora-mysql', 'mysql', 'mariadb', 'postgres', 'aurora-postgresql']) {
      const { byType, shortestMs } = instanceRetention(engine, 5 * HOUR);
      for (const type of LOG_TYPES) expect(byType[type] ?? shortestMs).toBeLessThanOrEqual(5 * HOUR);
    }
  });
});

describe('retentionFor', () => {
  it("reads a record's retention for a log type, and the one retention of records from before engines", () => {
    expect(retentionFor({ retentionMs: DAY, retention: { error: 30 * DAY } }, 'error')).toBe(30 * DAY);
    expect(retentionFor({ retentionMs: DAY, retention: { error: 30 * DAY } }, 'audit')).toBe(DAY);
    expect(retentionFor({ retentionMs: 48 * HOUR }, 'postgresql')).toBe(48 * HOUR);
  });
});

describe('listingItems', () => {
  it('records the engine and retention on the heartbeat, and a gap beyond the shortest retention with them', () => {
    const previous = listingItems({
      cluster: 'pg-1',
      instance: 'pg-1',
      previous: undefined,
      now: T,
      count: 1,
      retentionMs: 3 * DAY,
      engine: 'postgres',
      retention: { postgresql: 3 * DAY },
    }).meta;
    expect(previous).toMatchObject({
      engine: 'postgres',
      retention: { postgresql: 3 * DAY },
      retentionMs: 3 * DAY,
    });
    const input = {
      cluster: 'pg-1',
      instance: 'pg-1',
      previous,
      count: 1,
      retentionMs: 3 * DAY,
      engine: 'postgres',
      retention: { postgresql: 3 * DAY },
    };
    expect(listingItems({ ...input, now: T + 3 * DAY }).gap).toBeUndefined();
    expect(listingItems({ ...input, now: T + 4 * DAY }).gap).toMatchObject({
      from: T,
      to: T + 4 * DAY,
      retentionMs: 3 * DAY,
      retention: { postgresql: 3 * DAY },
    });
  });
});

const CLUSTER = 'aurora-1';
const INSTANCE = 'aurora-1-instance-1';

function meta(overrides: Partial<InstanceMeta> = {}): InstanceMeta {
  return {
    pk: keys.activePk(INSTANCE),
    sk: '#META',
    cluster: CLUSTER,
    instance: INSTANCE,
    firstListedAt: T - 40 * DAY,
    lastListedAt: T + 10 * DAY,
    lastListedCount: 4,
    retentionMs: DAY,
    engine: 'aurora-mysql',
    retention: { audit: DAY, error: 30 * DAY, slowquery: DAY, general: DAY },
    gsi1pk: 'INSTANCES',
    gsi1sk: keys.instanceSk(CLUSTER, INSTANCE),
    ...overrides,
  };
}

function gap(from: number, to: number, overrides: Partial<ListingGap> = {}): ListingGap {
  return {
    pk: keys.activePk(INSTANCE),
    sk: keys.gapSk(from),
    cluster: CLUSTER,
    instance: INSTANCE,
    from,
    to,
    retentionMs: DAY,
    retention: { audit: DAY, error: 30 * DAY, slowquery: DAY, general: DAY },
    gsi2pk: keys.clusterGapsPk(CLUSTER),
    gsi2sk: keys.gapIndexSk(from, INSTANCE),
    ...overrides,
  };
}

describe('coverage holes per log type', () => {
  const window = { from: T, to: T + 3 * DAY, now: T + 10 * DAY + HOUR };
  const twoDays = gap(T, T + 2 * DAY);

  it('makes a two-day listing gap a hole for the 24-hour audit log, not for the 30-day error log', () => {
    expect(coverageHoles(INSTANCE, meta(), [twoDays], { ...window, logType: 'audit' })).toEqual([
      expect.objectContaining({ kind: 'gap', from: T, to: T + DAY, retentionMs: DAY }),
    ]);
    expect(coverageHoles(INSTANCE, meta(), [twoDays], { ...window, logType: 'error' })).toEqual([]);
  });

  it('keeps the verdict of a gap recorded before engines were: its one retention for every log type', () => {
    const old = gap(T, T + 2 * DAY, { retention: undefined });
    const oldMeta = meta({ retention: undefined, engine: undefined });
    for (const logType of ['audit', 'error']) {
      expect(coverageHoles(INSTANCE, oldMeta, [old], { ...window, logType })).toEqual([
        expect.objectContaining({ kind: 'gap', from: T, to: T + DAY, retentionMs: DAY }),
      ]);
    }
  });

  it('judges the first listing and an ongoing gap by the log type too', () => {
    const late = meta({ firstListedAt: T + 2 * DAY, lastListedAt: T + 2 * DAY });
    const at = { from: T, to: T + 3 * DAY, now: T + 4 * DAY };
    expect(coverageHoles(INSTANCE, late, [], { ...at, logType: 'audit' }).map((h) => h.kind)).toEqual([
      'never-listed',
      'ongoing-gap',
    ]);
    // 30 days of error logs: the first listing saw the whole window, and two days without a
    // listing are not a hole yet (only the part after the last listing is not known yet).
    expect(coverageHoles(INSTANCE, late, [], { ...at, logType: 'error' })).toEqual([
      expect.objectContaining({ kind: 'not-yet-listed', from: T + 2 * DAY }),
    ]);
  });

  it('says in the report which retention it assumed, and where it came from', () => {
    const report = (logType: string, instances: InstanceMeta[]) =>
      buildCompletenessReport({
        cluster: CLUSTER,
        logType,
        from: T,
        to: T + 3 * HOUR,
        now: T + 10 * DAY + HOUR,
        instances,
        files: [],
        gaps: [],
      });
    const error = report('error', [meta()]);
    expect(error.instances[0]).toMatchObject({
      retentionMs: 30 * DAY,
      retentionBasis: 'log-type',
      engine: 'aurora-mysql',
    });
    expect(retentionLines(error)).toEqual([
      `Retention assumed: 30d00h, error logs on aurora-mysql: ${INSTANCE}`,
    ]);
    expect(renderCompleteness(error, { grid: false, colour: false })).toContain('Retention assumed: 30d00h');
    const old = report('error', [meta({ retention: undefined, engine: undefined })]);
    expect(old.instances[0]).toMatchObject({ retentionMs: DAY, retentionBasis: 'instance' });
    expect(retentionLines(old)).toEqual([`Retention assumed: 1d00h, the instance's retention: ${INSTANCE}`]);
  });
});
