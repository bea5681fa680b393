/**
 * Collecting RDS's evidence of deleted log files (core/rds/deletion-evidence.ts) during a
 * discovery pass: one paged DescribeEvents per instance since the instance's cursor (kept on its
 * heartbeat), the evidence recorded in the ledger before the heartbeat moves the cursor on.
 *
 * - Only instances of a DB cluster are asked: Aurora reports these deletions; RDS MySQL, MariaDB
 *   and PostgreSQL delete their logs without an event (Aurora User Guide, log storage).
 * - The window starts an hour before the cursor (RDS emits events "on a best effort basis" and
 *   may record one late; the same event read again writes the same item) and never further back
 *   than DescribeEvents keeps events, 14 days. A first pass reads those 14 days. A discoverer that
 *   ran no pass for longer than that cannot learn what happened in between; that period is already
 *   a listing gap longer than the retention, reported as a coverage hole.
 * - The cursor is the date of the newest event read (RDS's clock, not ours: the two need not agree),
 *   so a quiet instance is asked from the same point again; that costs the same one request.
 * - Every event category is read (the category of 0610/0611 is not documented); only events that
 *   speak of a deleted log file are recorded.
 */

import { createHash } from 'node:crypto';
import { paginateDescribeEvents, type RDSClient } from '@aws-sdk/client-rds';
import { type DeletionEventRecord, keys, type Where, whereOf } from './ledger/records.js';
import type { LedgerStore } from './ledger/store.js';
import { fileHour, logTypeOf } from './log-files.js';
import { type DeletionEvidence, deletionEvidence } from './rds/deletion-evidence.js';
import { HOUR_MS } from './time.js';

/** How long DescribeEvents keeps events (RDS API Reference: "the past 14 days"). */
export const EVENT_HISTORY_MS = 14 * 24 * HOUR_MS;
/** How far before the cursor each pass reads again, for events RDS records late. */
export const EVENT_OVERLAP_MS = HOUR_MS;
/** A minute inside the 14 days: a StartTime right at the edge may already be outside by the time RDS reads it. */
const EDGE_MS = 60_000;

/** Where a pass reads events from, given the instance's cursor and our clock. */
export function eventWindowStart(cursor: number | undefined, now: number): number {
  const oldest = now - EVENT_HISTORY_MS + EDGE_MS;
  return cursor === undefined ? oldest : Math.max(oldest, cursor - EVENT_OVERLAP_MS);
}

/**
 * The ledger item for one piece of evidence. Pure. Outside the home place the item carries the
 * instance's account and region, and its keys are qualified by them like the file records'.
 */
export function deletionEventRecord(
  cluster: string,
  evidence: DeletionEvidence,
  recordedAt: number,
  where: Where = {},
): DeletionEventRecord {
  const digest = createHash('sha256').update(evidence.message).digest('hex').slice(0, 16);
  const hour = fileHour(evidence.file ?? '', evidence.date);
  // A name without a timestamp gives no hour: the event's own hour stands in (fileHour falls back).
  return {
    pk: keys.eventsPk(evidence.instance, where),
    sk: keys.eventSk(evidence.date, digest),
    ...whereOf(where),
    cluster,
    instance: evidence.instance,
    date: evidence.date,
    message: evidence.message,
    categories: evidence.categories,
    ...(evidence.file !== undefined ? { file: evidence.file, logType: logTypeOf(evidence.file) } : {}),
    reason: evidence.reason,
    hour,
    recordedAt,
    gsi2pk: keys.clusterEventsPk(cluster, where),
    gsi2sk: keys.eventIndexSk(hour, evidence.instance, evidence.date, digest, where),
  };
}

/**
 * Reads the instance's events since its cursor, records the deletion evidence among them, and
 * returns the cursor for the heartbeat (unchanged when nothing newer was read). `deps.rds` must be
 * the client of the instance's own account and region: DescribeEvents answers for one of each.
 */
export async function collectDeletionEvents(
  deps: { rds: RDSClient; ledger: LedgerStore },
  target: { cluster: string; instance: string } & Where,
  cursor: number | undefined,
  now: number,
): Promise<{ cursor: number | undefined; recorded: number; read: number }> {
  const pages = paginateDescribeEvents(
    { client: deps.rds },
    {
      SourceType: 'db-instance',
      SourceIdentifier: target.instance,
      StartTime: new Date(eventWindowStart(cursor, now)),
      MaxRecords: 100,
    },
  );
  let next = cursor;
  let read = 0;
  const records: DeletionEventRecord[] = [];
  for await (const page of pages) {
    for (const event of page.Events ?? []) {
      read += 1;
      const date = event.Date?.getTime();
      if (date !== undefined) next = Math.max(next ?? date, date);
      const evidence = deletionEvidence({
        ...(event.SourceType !== undefined ? { sourceType: event.SourceType } : {}),
        ...(event.SourceIdentifier !== undefined ? { sourceIdentifier: event.SourceIdentifier } : {}),
        ...(event.Message !== undefined ? { message: event.Message } : {}),
        ...(event.EventCategories !== undefined ? { categories: event.EventCategories } : {}),
        ...(date !== undefined ? { date } : {}),
      });
      if (evidence && evidence.instance === target.instance)
        records.push(deletionEventRecord(target.cluster, evidence, now, target));
    }
  }
  await deps.ledger.recordDeletionEvents(records);
  return { cursor: next, recorded: records.length, read };
}
