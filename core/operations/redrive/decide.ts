/**
 * What a redrive does with one DLQ message, decided without I/O in two steps. First from the
 * message alone: report it (malformed: no file to ask about), leave it (another file than the
 * filter selects), or look the file up. Then from the ledger's record of that file, active or
 * retired, never from the message: a message is only a pointer, and the ledger says what is due.
 * - failed: move it back, rebuilt from the ledger, and reset the file (failed -> queued);
 * - queued or archiving: move it back, rebuilt (harmless: the archiver acknowledges a duplicate);
 * - archived or lost (often retired to history once RDS dropped it), or a generation the ledger
 *   has since replaced: nothing is due, so remove it from the DLQ and say so;
 * - no record, or a generation the ledger never recorded: report it and leave it for a person.
 * A message the archiver parked with a reason goes through the same steps: the reason says why
 * it was parked, the ledger says whether that still holds.
 */

import { type FileRecord, keys } from '../../ledger/records.js';
import {
  type ArchiveMessage,
  archiveMessageFor,
  MalformedMessageError,
  parseArchiveMessage,
} from '../../messages.js';
import { type FileFilter, matchesFilter } from '../filters.js';

/** The parts of a received DLQ message the decision reads. */
export interface DlqMessage {
  messageId: string;
  body: string;
  /** The `reason` message attribute the archiver sets when it parks a message. */
  reason?: string;
}

export type RedriveDecision =
  | { action: 'lookup'; message: ArchiveMessage }
  | { action: 'keep'; message: ArchiveMessage }
  | { action: 'report'; reason: string };

/** Decides from the message alone. */
export function decideRedrive(dlqMessage: DlqMessage, filter: FileFilter): RedriveDecision {
  let message: ArchiveMessage;
  try {
    message = parseArchiveMessage(dlqMessage.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    return { action: 'report', reason: dlqMessage.reason ?? `malformed message: ${error.message}` };
  }
  return matchesFilter(message, filter) ? { action: 'lookup', message } : { action: 'keep', message };
}

export type LedgerVerdict =
  /** Send `message` (rebuilt from the ledger) to the archive queue; reset the file when it failed. */
  | { action: 'move'; message: ArchiveMessage; reset: boolean; state: FileRecord['state'] }
  /** Nothing is due for this message: delete it from the DLQ. */
  | { action: 'remove'; outcome: 'archived' | 'lost' | 'stale'; detail: string }
  /** Leave it in the DLQ for a person. */
  | { action: 'report'; reason: string };

/** Decides from the ledger's record of the file the message names (active, else retired). */
export function judgeByLedger(message: ArchiveMessage, record: FileRecord | undefined): LedgerVerdict {
  if (!record)
    return {
      action: 'report',
      reason: 'the ledger has no such file: message not produced by the discoverer',
    };
  if (record.generation < message.generation) {
    return {
      action: 'report',
      reason: `the ledger has generation ${record.generation}, the message names ${message.generation}: message not produced by the discoverer`,
    };
  }
  const where = keys.isRetired(record) ? ', retired to history' : '';
  const newer = record.generation > message.generation;
  const stale = `generation ${message.generation} was replaced by generation ${record.generation} (${record.state}${where})`;
  switch (record.state) {
    case 'failed':
    case 'queued':
    case 'archiving':
      return {
        action: 'move',
        message: archiveMessageFor(record),
        reset: record.state === 'failed',
        state: record.state,
      };
    case 'archived':
      return newer
        ? { action: 'remove', outcome: 'stale', detail: stale }
        : { action: 'remove', outcome: 'archived', detail: `already archived${where}` };
    case 'lost':
      return newer
        ? { action: 'remove', outcome: 'stale', detail: stale }
        : {
            action: 'remove',
            outcome: 'lost',
            detail: `recorded lost${where}: ${record.lostReason ?? 'no reason'}`,
          };
    case 'seen':
      return newer
        ? { action: 'remove', outcome: 'stale', detail: stale }
        : {
            action: 'report',
            reason: `the ledger has generation ${record.generation} waiting to settle, not queued: message not produced by the discoverer`,
          };
  }
}
