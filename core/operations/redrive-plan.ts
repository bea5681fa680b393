/**
 * What a redrive does with one DLQ message, decided without I/O: move it (it names a file the
 * filter selects), leave it (another file), or report it and leave it (malformed, or parked by
 * the archiver with a reason: moving it back would only park it again).
 */

import { type ArchiveMessage, MalformedMessageError, parseArchiveMessage } from '../messages.js';
import { type FileFilter, matchesFilter } from './filters.js';

/** The parts of a received DLQ message the decision reads. */
export interface DlqMessage {
  messageId: string;
  body: string;
  /** The `reason` message attribute the archiver sets when it parks a message. */
  reason?: string;
}

export type RedriveDecision =
  | { action: 'move'; message: ArchiveMessage }
  | { action: 'keep'; message: ArchiveMessage }
  | { action: 'report'; reason: string; message?: ArchiveMessage };

/** Decides what to do with one DLQ message. */
export function decideRedrive(dlqMessage: DlqMessage, filter: FileFilter): RedriveDecision {
  let message: ArchiveMessage;
  try {
    message = parseArchiveMessage(dlqMessage.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    return { action: 'report', reason: dlqMessage.reason ?? `malformed message: ${error.message}` };
  }
  if (dlqMessage.reason !== undefined) return { action: 'report', reason: dlqMessage.reason, message };
  return matchesFilter(message, filter) ? { action: 'move', message } : { action: 'keep', message };
}
