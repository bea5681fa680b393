/**
 * What the archiver does with one message, decided without I/O from what happened (a malformed
 * body, the ledger's answer to the claim, a cluster outside the selection, the archive's result or
 * error), the attempt and the attempt limit. archive.ts then carries the decision out in one step.
 *
 * The decisions:
 * - acknowledge: the work is done or was never ours to do (archived, a duplicate, a stale
 *   generation, a file already recorded lost); the message is deleted;
 * - retry: return the message to the queue (giving the claim back when we hold it);
 * - fail: record FAILED with the reason, park the message in the DLQ with it, acknowledge. On the
 *   last attempt, or at once when no retry can help: a permanent failure burns no more receives;
 * - lose: the file left RDS before it was archived; record it LOST (an audit gap), acknowledge;
 * - diverge: the downloaded bytes do not start with those archived before: the name holds other
 *   content. Record the content LOST as diverged (its object stays as it was), acknowledge; the
 *   discoverer takes the name's content as new;
 * - park: the message names no work the ledger knows as due; park it with the reason, leave the
 *   ledger alone, acknowledge. `redrive` later decides from the ledger, not from the message.
 */

import { classifyFailure } from './failure-kind.js';
import { type FileRecord, keys } from './ledger/records.js';

export type ArchiveEvent =
  /** The body is not an archive message. */
  | { kind: 'malformed'; reason: string }
  /** The ledger refused the claim; `current` is the file's active record, else its retired one. */
  | { kind: 'refused'; current: FileRecord | undefined }
  /** The claim could not be asked (the ledger failed to answer). */
  | { kind: 'ledger-unavailable'; error: unknown }
  /** Claimed, but the file's cluster or instance (as the ledger records it) is not selected. */
  | { kind: 'not-selected'; cluster: string; instance?: string; standalone?: boolean; selection: string }
  /** Claimed, but its content is located nowhere in its family's listing (rotated out, replaced). */
  | { kind: 'gone'; reason: string }
  /** Claimed and archived: the object is in S3 and the ledger says archived. */
  | { kind: 'archived'; key: string; bytes: number; gzipBytes: number }
  /** Claimed, then this went wrong (download, upload, or the ledger's last write). */
  | { kind: 'failed'; error: unknown };

export interface DecisionInput {
  event: ArchiveEvent;
  /** The generation the message names. */
  generation: number;
  /** This delivery's number (SQS `ApproximateReceiveCount`). */
  attempt: number;
  maxAttempts: number;
}

export type ArchiveDecision =
  | {
      action: 'acknowledge';
      outcome: 'archived' | 'duplicate' | 'stale' | 'lost';
      note: string;
      /** What to log with the note. */
      details?: Record<string, unknown>;
    }
  | { action: 'retry'; reason: string; release: boolean }
  | { action: 'fail'; reason: string; why: 'last attempt' | 'permanent' }
  | { action: 'lose'; reason: string }
  /** The name held other content than the claimed one: record it lost as diverged, acknowledge. */
  | { action: 'diverge'; reason: string }
  | { action: 'park'; reason: string };

const NOT_OURS = 'message not produced by the discoverer';

/** Decides what to do with one message. Pure. */
export function decideArchive(input: DecisionInput): ArchiveDecision {
  const { event } = input;
  const last = input.attempt >= input.maxAttempts;
  switch (event.kind) {
    case 'malformed':
      return { action: 'park', reason: `malformed message: ${event.reason}` };
    case 'refused':
      return refused(event.current, input.generation, last);
    case 'ledger-unavailable': {
      const reason = `could not claim in the ledger: ${classifyFailure(event.error).reason}`;
      return last ? { action: 'park', reason } : { action: 'retry', reason, release: false };
    }
    case 'not-selected': {
      const what = event.standalone
        ? `instance ${event.instance ?? event.cluster}`
        : `cluster ${event.cluster}`;
      return {
        action: 'fail',
        why: 'permanent',
        reason: `${what} is not selected for archiving (${event.selection}): refused`,
      };
    }
    case 'gone':
      return { action: 'lose', reason: `not found in RDS's listing: ${event.reason}` };
    case 'archived':
      return {
        action: 'acknowledge',
        outcome: 'archived',
        note: 'Archived',
        details: { key: event.key, bytes: event.bytes, gzipBytes: event.gzipBytes },
      };
    case 'failed': {
      const failure = classifyFailure(event.error);
      if (failure.kind === 'gone') {
        return {
          action: 'lose',
          reason: `RDS answered not found on download (${failure.code ?? 'no code'}): the file left RDS before it was archived`,
        };
      }
      if (failure.kind === 'diverged') return { action: 'diverge', reason: failure.reason };
      if (failure.kind === 'permanent') return { action: 'fail', why: 'permanent', reason: failure.reason };
      return last
        ? { action: 'fail', why: 'last attempt', reason: failure.reason }
        : { action: 'retry', reason: failure.reason, release: true };
    }
  }
}

/** A refused claim: the ledger's record says whether the message is done, early, or not ours. */
function refused(current: FileRecord | undefined, generation: number, last: boolean): ArchiveDecision {
  if (!current) return { action: 'park', reason: `the ledger has no such file: ${NOT_OURS}` };
  const where = keys.isRetired(current) ? ' (retired to history: RDS no longer lists it)' : '';
  if (current.generation > generation) {
    return {
      action: 'acknowledge',
      outcome: 'stale',
      note: `Stale generation: the ledger has generation ${current.generation}${where}`,
    };
  }
  if (current.generation < generation) {
    return {
      action: 'park',
      reason: `the ledger has generation ${current.generation}, the message names ${generation}: ${NOT_OURS}`,
    };
  }
  switch (current.state) {
    case 'archived':
      return {
        action: 'acknowledge',
        outcome: 'duplicate',
        note: `Duplicate delivery: already archived${where}`,
      };
    case 'lost':
      return { action: 'acknowledge', outcome: 'lost', note: `Already recorded as lost${where}` };
    case 'seen':
      return {
        action: 'park',
        reason: `the ledger has generation ${generation} waiting to settle, not queued: ${NOT_OURS}`,
      };
    default: {
      // Another worker holds a live lease (or the record moved between reads): come back later, in
      // case it gives the claim back. On the last attempt, acknowledge: the holder got the claim
      // through a message of its own, which it deletes, or which comes back when it fails; if the
      // holder dies, its lease runs out and the sweep sends the work again. Parking this copy would
      // only put work that is being done in the DLQ.
      const reason =
        `cannot claim: the ledger has generation ${current.generation} ${current.state}` +
        (current.leaseUntil ? ` (lease until ${new Date(current.leaseUntil).toISOString()})` : '');
      return last
        ? { action: 'acknowledge', outcome: 'duplicate', note: `Duplicate of work in progress: ${reason}` }
        : { action: 'retry', reason, release: false };
    }
  }
}
