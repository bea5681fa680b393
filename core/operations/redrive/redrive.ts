/**
 * The redrive use case: for each DLQ message naming a selected file, the ledger decides
 * (redrive-plan.ts). Work still due (failed, queued, archiving) goes back to the archive queue in
 * a message rebuilt from the ledger (never the DLQ body: it may be stale or forged) and a failed
 * file is reset; a message for work already done (archived or lost, often retired to history) is
 * removed from the DLQ and reported; anything the ledger does not know stays, listed.
 *
 * Order per moved message, so that an interrupt at ANY point loses and double-archives nothing:
 * ```
 * receive from DLQ (hidden for the visibility timeout)
 *   -> SendMessage (rebuilt) to the archive queue       crash here: message still in the DLQ, ledger failed
 *   -> ledger reset (failed -> queued, attempts 0)      crash here: a copy on both queues; rerun resends
 *   -> DeleteMessage from the DLQ                        crash here: same; the archiver acknowledges the
 *                                                        extra copy of an archived generation without work
 * ```
 * The ledger says `queued` only once a message for it is on the archive queue. Messages left in
 * the DLQ (other files, malformed, unknown to the ledger, or not reached) are made visible again
 * at the end; after a hard kill they reappear when the visibility timeout ends.
 */

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { TransitionRefusedError } from '../../ledger/errors.js';
import type { FileState } from '../../ledger/records.js';
import type { LedgerStore } from '../../ledger/store.js';
import { type ArchiveMessage, formatArchiveMessage } from '../../messages.js';
import { UnsupportedByEndpointError } from '../errors.js';
import type { FileFilter } from '../filters.js';
import { decideRedrive, judgeByLedger } from './decide.js';

export interface RedriveDeps {
  sqs: SQSClient;
  ledger: LedgerStore;
  queueUrl: string;
  dlqUrl: string;
  now?: () => number;
}

export interface RedriveOptions {
  filter: FileFilter;
  /** Only report what would move; change nothing. */
  dryRun?: boolean;
  /** How long received messages stay hidden while the redrive runs (default 120 s). */
  visibilityTimeoutSeconds?: number;
  /** Stops between messages; what is done stays done, the rest stays in the DLQ. */
  signal?: AbortSignal;
  /** Called after each message handled, with the DLQ depth at the start as total. */
  onProgress?: (handled: number, total: number) => void;
}

/**
 * What happened (or, in a dry run, would happen) to the ledger of a moved message: reset
 * (failed -> queued), or nothing to reset because the file is already in that state.
 */
export type LedgerOutcome = 'reset' | 'would-reset' | `already-${FileState}`;

export interface MovedMessage {
  messageId: string;
  /** The message sent (or to be sent): rebuilt from the ledger. */
  message: ArchiveMessage;
  ledger: LedgerOutcome;
}

/** A message for work already done: removed from the DLQ (in a dry run, it would be). */
export interface RemovedMessage {
  messageId: string;
  /** The message as it was in the DLQ. */
  message: ArchiveMessage;
  outcome: 'archived' | 'lost' | 'stale';
  detail: string;
  removed: boolean;
}

export interface ReportedMessage {
  messageId: string;
  reason: string;
  body: string;
}

export interface RedriveResult {
  dryRun: boolean;
  /** DLQ depth (visible) when the redrive started. */
  dlqDepthAtStart: number;
  /** Distinct messages looked at. */
  examined: number;
  /** Moved (or, in a dry run, to be moved). */
  moved: MovedMessage[];
  /** For files already archived or lost, or generations since replaced: removed from the DLQ. */
  removed: RemovedMessage[];
  /** Valid messages for other files: left in the DLQ. */
  kept: number;
  /** Malformed messages, or ones the ledger does not know: left in the DLQ and listed. */
  reported: ReportedMessage[];
  /** Stopped by the signal before the DLQ was exhausted. */
  interrupted: boolean;
}

const RECEIVE_BATCH = 10;

/** Runs a redrive (see the module comment for the order of writes). */
export async function redrive(deps: RedriveDeps, options: RedriveOptions): Promise<RedriveResult> {
  const { sqs, dlqUrl } = deps;
  const now = deps.now ?? Date.now;
  const dryRun = options.dryRun ?? false;
  const signal = options.signal;
  const depth = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const dlqDepthAtStart = Number(depth.Attributes?.ApproximateNumberOfMessages ?? 0) || 0;
  const result: RedriveResult = {
    dryRun,
    dlqDepthAtStart,
    examined: 0,
    moved: [],
    removed: [],
    kept: 0,
    reported: [],
    interrupted: false,
  };
  // Receipt handles of messages received and not deleted: made visible again at the end.
  const hidden = new Map<string, string>();
  // Messages already moved or removed: SQS delivers at least once, so a deleted one may come back.
  const movedIds = new Set<string>();
  try {
    for (;;) {
      if (signal?.aborted) {
        result.interrupted = true;
        break;
      }
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: RECEIVE_BATCH,
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 120,
          // Long polling asks every SQS server: a short poll may answer empty while messages remain.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      // Register every handle before working on any: whatever happens next, all are released.
      const seenBefore = new Set(messages.map((m) => m.MessageId ?? '').filter((id) => hidden.has(id)));
      for (const received of messages) hidden.set(received.MessageId ?? '', received.ReceiptHandle ?? '');
      let fresh = 0;
      for (const received of messages) {
        const id = received.MessageId ?? '';
        if (movedIds.has(id)) {
          // Already handled (moved and reset, or removed): only the delete is left to do.
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: received.ReceiptHandle ?? '' }),
          );
          hidden.delete(id);
          continue;
        }
        if (seenBefore.has(id)) continue; // reappeared after its visibility timeout: already decided
        fresh += 1;
        if (signal?.aborted) {
          result.interrupted = true;
          continue;
        }
        result.examined += 1;
        await redriveOne(deps, received, { dryRun, filter: options.filter, now }, result, () => {
          hidden.delete(id);
          movedIds.add(id);
        });
        options.onProgress?.(result.examined, Math.max(dlqDepthAtStart, result.examined));
      }
      // Only messages seen before: every message still in the DLQ has been looked at.
      if (fresh === 0) break;
    }
  } finally {
    await release(sqs, dlqUrl, [...hidden.values()]);
  }
  return result;
}

/** Decides one DLQ message and carries the decision out: move (send, reset, delete), remove, or leave. */
async function redriveOne(
  deps: RedriveDeps,
  received: Message,
  context: { dryRun: boolean; filter: FileFilter; now: () => number },
  result: RedriveResult,
  deleted: () => void,
): Promise<void> {
  const body = received.Body ?? '';
  const messageId = received.MessageId ?? '';
  const reason = received.MessageAttributes?.reason?.StringValue;
  const decision = decideRedrive(
    { messageId, body, ...(reason !== undefined ? { reason } : {}) },
    context.filter,
  );
  if (decision.action === 'report') {
    result.reported.push({ messageId, reason: decision.reason, body: body.slice(0, 500) });
    return;
  }
  if (decision.action === 'keep') {
    result.kept += 1;
    return;
  }
  const record = await deps.ledger.getFile(decision.message);
  const verdict = judgeByLedger(decision.message, record);
  if (verdict.action === 'report') {
    const parked = reason === undefined ? '' : ` (parked: ${reason})`;
    result.reported.push({ messageId, reason: `${verdict.reason}${parked}`, body: body.slice(0, 500) });
    return;
  }
  const deleteFromDlq = async () => {
    await deps.sqs.send(
      new DeleteMessageCommand({ QueueUrl: deps.dlqUrl, ReceiptHandle: received.ReceiptHandle ?? '' }),
    );
    deleted();
  };
  if (verdict.action === 'remove') {
    if (!context.dryRun) await deleteFromDlq();
    const { outcome, detail } = verdict;
    result.removed.push({ messageId, message: decision.message, outcome, detail, removed: !context.dryRun });
    return;
  }
  const { message } = verdict;
  if (context.dryRun) {
    result.moved.push({
      messageId,
      message,
      ledger: verdict.reset ? 'would-reset' : `already-${verdict.state}`,
    });
    return;
  }
  // 1. On the archive queue first: from here on the file has a message carrying it.
  await deps.sqs.send(
    new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: formatArchiveMessage(message) }),
  );
  // 2. Then the ledger: failed -> queued with attempts reset (refused when it moved since: fine).
  let ledger: LedgerOutcome = verdict.reset ? 'reset' : `already-${verdict.state}`;
  if (verdict.reset) {
    try {
      await deps.ledger.apply('reset', message, { generation: message.generation, now: context.now() });
    } catch (error) {
      if (!(error instanceof TransitionRefusedError)) throw error;
      ledger = `already-${error.current?.state ?? verdict.state}`;
    }
  }
  // 3. Only now may it leave the DLQ.
  await deleteFromDlq();
  result.moved.push({ messageId, message, ledger });
}

/** Makes messages visible again at once (best effort: after a failure they reappear anyway). */
async function release(sqs: SQSClient, dlqUrl: string, handles: string[]): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    const batch = handles.slice(i, i + 10);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: batch.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
        }),
      )
      .catch(() => undefined);
  }
}

/** What `StartMessageMoveTask` was asked to do. */
export interface NativeRedriveResult {
  sourceArn: string;
  taskHandle: string;
}

/**
 * Starts an SQS-native move of EVERY DLQ message back to its source queue (no filter possible).
 * The ledger is not reset per message; it needs not be: the archiver's claim accepts `failed`.
 * @throws UnsupportedByEndpointError when the endpoint lacks the action (local emulators)
 */
export async function startNativeRedrive(
  sqs: SQSClient,
  dlqUrl: string,
  options: { maxPerSecond?: number } = {},
): Promise<NativeRedriveResult> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const sourceArn = attributes.Attributes?.QueueArn;
  if (!sourceArn) throw new UnsupportedByEndpointError('the DLQ has no QueueArn attribute');
  try {
    const out = await sqs.send(new StartMessageMoveTaskCommand(nativeMoveRequest(sourceArn, options)));
    return { sourceArn, taskHandle: out.TaskHandle ?? '' };
  } catch (error) {
    if (isUnsupportedAction(error)) {
      throw new UnsupportedByEndpointError(
        `this SQS endpoint does not implement StartMessageMoveTask (local emulators do not): ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The StartMessageMoveTask request: no destination means "back to the source queue(s)". */
export function nativeMoveRequest(
  sourceArn: string,
  options: { maxPerSecond?: number } = {},
): { SourceArn: string; MaxNumberOfMessagesPerSecond?: number } {
  return {
    SourceArn: sourceArn,
    ...(options.maxPerSecond !== undefined ? { MaxNumberOfMessagesPerSecond: options.maxPerSecond } : {}),
  };
}

/** Errors by which an endpoint says it does not know an action. */
export function isUnsupportedAction(error: unknown): boolean {
  const e = error as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const text = `${e?.name ?? ''} ${e?.Code ?? ''} ${e?.message ?? ''}`;
  return (
    /unsupported|not ?implemented|unknown ?operation|invalid ?action|not supported|unknown action/i.test(
      text,
    ) || e?.$metadata?.httpStatusCode === 501
  );
}
