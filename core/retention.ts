/**
 * How long RDS keeps an instance's log files, per log type: what coverage holes are computed from
 * (core/operations/completeness/report.ts). Pure.
 *
 * The rule (also in the README's Operations section):
 * - Each log type of an engine keeps its files as long as its families declare (`LOG_FAMILIES` in
 *   core/log-streams.ts, with the AWS sources): RDS and Aurora PostgreSQL 3 days
 *   (`rds.log_retention_period`'s default), Aurora MySQL's error log 30 days, the rest 24 hours.
 * - `ARCHIVER_RETENTION_HOURS`, when set, is an upper bound on every one of them: set it to the
 *   shortest retention configured on any selected instance (a lowered `rds.log_retention_period`).
 *   It is also the retention of an engine with no declared logs; without it, such an engine gets
 *   `FALLBACK_RETENTION_MS`.
 * - The discoverer records the result on each listing (the heartbeat it writes anyway, and any gap
 *   it records), so a report judges each listing by the retention it was made under, whatever the
 *   operator's own environment says. A record written before engines were known carries only
 *   `retentionMs`: that is then the retention of every log type, as it always was.
 *
 * Conservative: a retention taken too short reports holes that are not there, never the reverse;
 * so the shortest documented value is taken, and RDS's own deletion events (RDS-EVENT-0610/0611,
 * `rds-deleted` holes) cover what storage pressure removes sooner.
 */

import { LOG_FAMILIES, type RdsEngine } from './log-streams.js';
import { LOG_TYPES, type LogType } from './log-types.js';

/** The retention of an engine with no declared logs, without ARCHIVER_RETENTION_HOURS: 24 hours. */
export const FALLBACK_RETENTION_MS = 24 * 3_600_000;

/** The retention per log type an instance's listings were made under (the types its engine writes). */
export type RetentionByType = Partial<Record<LogType, number>>;

/**
 * The engine a DescribeDBInstances / DescribeDBClusters `Engine` names, when its logs are declared:
 * `aurora` (Aurora MySQL 1, MySQL 5.6-compatible) is Aurora MySQL. Undefined for any other engine
 * (Oracle, SQL Server, Db2, custom engines) or none.
 */
export function rdsEngineOf(engine: string | undefined): RdsEngine | undefined {
  const name = engine?.trim().toLowerCase();
  if (name === 'aurora') return 'aurora-mysql';
  return LOG_FAMILIES.some((family) => family.engines.some((e) => e === name))
    ? (name as RdsEngine)
    : undefined;
}

/**
 * The retention RDS documents for one log type of an engine: the shortest of its archived
 * families (staging copies are never archived). Undefined when the engine writes no such log.
 */
export function declaredRetentionMs(engine: RdsEngine, type: LogType): number | undefined {
  const spans = LOG_FAMILIES.filter(
    (family) => family.type === type && family.model !== 'staging' && family.engines.includes(engine),
  ).map((family) => family.retentionMs);
  return spans.length > 0 ? Math.min(...spans) : undefined;
}

/**
 * The retention per log type of an instance of `engine` (as RDS spells it), bounded by `capMs`
 * (ARCHIVER_RETENTION_HOURS); and `shortestMs`, the shortest of them: a listing gap longer than it
 * is recorded, and it is the instance's retention for a log type its engine does not write, for
 * `status`, and for records without `byType`.
 */
export function instanceRetention(
  engine: string | undefined,
  capMs: number | undefined,
): { byType: RetentionByType; shortestMs: number } {
  const known = rdsEngineOf(engine);
  const byType: RetentionByType = {};
  if (known !== undefined) {
    for (const type of LOG_TYPES) {
      const declared = declaredRetentionMs(known, type);
      if (declared !== undefined) byType[type] = capMs === undefined ? declared : Math.min(declared, capMs);
    }
  }
  const spans = Object.values(byType);
  const shortestMs = spans.length > 0 ? Math.min(...spans) : (capMs ?? FALLBACK_RETENTION_MS);
  return { byType, shortestMs };
}

/**
 * The retention a listing record was made under for one log type: its own value for that type,
 * else its `retentionMs` (the shortest; the only one records from before engines were known carry).
 */
export function retentionFor(
  record: { retentionMs: number; retention?: RetentionByType | undefined },
  logType: string,
): number {
  return (record.retention as Record<string, number> | undefined)?.[logType] ?? record.retentionMs;
}
