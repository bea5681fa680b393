/**
 * RDS's own evidence that a log file was deleted before it was published: Aurora reports it with
 * RDS-EVENT-0610 (retention) or RDS-EVENT-0611 (storage) (Aurora User Guide, "Planning storage for
 * Aurora database log files"). Pure: DescribeEvents answers in, evidence out.
 *
 * DescribeEvents answers carry no event id, only the message, and the wording and category of these
 * two events are not in any copy of AWS's event catalogue found (see local/rds-sim/events.ts). So
 * the match is deliberately loose: any event of a DB instance whose message speaks of a deleted log
 * file is evidence; the file is taken from the message when it names one (`type/name`), the
 * reason from "retention" or "storage". An event about a log file that names none is still kept
 * (as a possible gap of the instance at that time), never dropped.
 */

/** An event as DescribeEvents returns it (the fields used here). */
export interface RdsEvent {
  sourceType?: string;
  sourceIdentifier?: string;
  message?: string;
  categories?: string[];
  date?: number;
}

export type DeletionReason = 'retention' | 'storage' | 'unknown';

/** What one event says about a deleted log file. */
export interface DeletionEvidence {
  instance: string;
  /** When RDS dated the event (epoch ms). */
  date: number;
  message: string;
  categories: string[];
  /** The log file named by the message, when it names one. */
  file?: string;
  reason: DeletionReason;
}

const DELETED = /\bdelet(?:e|ed|es|ing|ion)\b/i;
const LOG_FILE = /\blog\s*files?\b/i;
/** A log file name as RDS writes them: a type directory and a name (`audit/audit.log.0.2026-...`). */
const FILE_NAME = /(?:^|[\s'"`(])([A-Za-z][A-Za-z0-9_-]*\/[^\s'"`()]+)/;

/** The evidence in one event, or undefined when it is not about a deleted log file. */
export function deletionEvidence(event: RdsEvent): DeletionEvidence | undefined {
  const message = event.message ?? '';
  if (event.sourceType !== 'db-instance' || !event.sourceIdentifier || event.date === undefined)
    return undefined;
  if (!LOG_FILE.test(message) || !DELETED.test(message)) return undefined;
  // A sentence may end right after the name: drop trailing punctuation (no RDS log name ends in it).
  const file = FILE_NAME.exec(message)?.[1]?.replace(/[.,;:]+$/, '');
  const reason: DeletionReason = /retention/i.test(message)
    ? 'retention'
    : /storage/i.test(message)
      ? 'storage'
      : 'unknown';
  return {
    instance: event.sourceIdentifier,
    date: event.date,
    message,
    categories: [...(event.categories ?? [])],
    ...(file ? { file } : {}),
    reason,
  };
}
