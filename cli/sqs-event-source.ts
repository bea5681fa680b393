/**
 * Lambda's SQS event source mapping, for running the archiver outside Lambda (`archive`, `run`,
 * `start`, and the tests): batches of up to 10 records with `ApproximateReceiveCount`, handed to
 * the same batch function the Lambda runs (core/archive-batch.ts); records listed in
 * `batchItemFailures` (or all of them when it throws) are left alone and come back after the
 * visibility timeout, the rest are deleted. SQS itself moves a message to the DLQ after
 * `maxReceiveCount` receives, as on AWS.
 */

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ArchiveRecordInput } from '../core/archive.js';
import type { ArchiveBatch } from '../core/archive-batch.js';
import { queueDepth } from '../core/queue-depth.js';

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: ArchiveBatch;
  /** Records per invocation (Lambda's BatchSize); default 10. */
  batchSize?: number;
  /** Invocations running at once (Lambda's maximum concurrency); default 2. */
  concurrency?: number;
  /** The simulated function timeout: what the batch's `remainingMs()` counts down from. */
  functionTimeoutMs?: number;
  /** Keep polling when the queue is empty (until `signal` aborts); default false = drain, then return. */
  follow?: boolean;
  signal?: AbortSignal;
  onBatch?: (result: BatchResult) => void;
}

export interface BatchResult {
  received: number;
  succeeded: number;
  failed: number;
  /**
   * The failed records' receipt handles, left alone here (they come back after the visibility
   * timeout); the tests' harness returns them to the queue itself once every invocation running
   * when they failed has ended (test/support/pipeline.ts).
   */
  failedReceiptHandles: string[];
}

export interface DrainStats {
  invocations: number;
  received: number;
  succeeded: number;
  failed: number;
}

/**
 * Polls the queue and invokes the handler until the queue is drained (nothing visible, nothing in
 * flight) or, with `follow`, until the signal aborts.
 */
export async function runEventSource(options: EventSourceOptions): Promise<DrainStats> {
  const stats: DrainStats = { invocations: 0, received: 0, succeeded: 0, failed: 0 };
  // Every receive and invocation listens on the signal; the default cap of 10 listeners warns.
  if (options.signal) setMaxListeners(1000, options.signal);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const poller = async () => {
    while (!options.signal?.aborted) {
      const messages = await receive(options);
      if (messages.length === 0) {
        if (options.follow) continue;
        if (await isDrained(options.sqs, options.queueUrl)) return;
        continue;
      }
      const result = await invoke(options, messages);
      stats.invocations += 1;
      stats.received += result.received;
      stats.succeeded += result.succeeded;
      stats.failed += result.failed;
      options.onBatch?.(result);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, poller));
  return stats;
}

async function receive(options: EventSourceOptions): Promise<Message[]> {
  try {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.batchSize ?? 10),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    return out.Messages ?? [];
  } catch (error) {
    if (options.signal?.aborted) return [];
    throw error;
  }
}

/** Drained: no message visible, none in flight (waiting out a visibility timeout), none delayed. */
async function isDrained(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const depth = await queueDepth(sqs, queueUrl);
  return depth.visible + depth.inFlight + depth.delayed === 0;
}

async function invoke(options: EventSourceOptions, messages: Message[]): Promise<BatchResult> {
  const records = messages.map(toRecord);
  const deadline = Date.now() + (options.functionTimeoutMs ?? 60_000);
  let failedIds: Set<string>;
  try {
    const response = await options.handler(records, {
      requestId: randomUUID(),
      remainingMs: () => Math.max(0, deadline - Date.now()),
    });
    failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  } catch {
    // A thrown error fails the whole batch, exactly as on Lambda.
    failedIds = new Set(records.map((record) => record.messageId));
  }
  const done = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
  const failedReceiptHandles = messages
    .filter((message) => failedIds.has(message.MessageId ?? ''))
    .map((message) => message.ReceiptHandle!);
  for (let i = 0; i < done.length; i += 10) {
    const chunk = done.slice(i, i + 10);
    await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: chunk.map((message, j) => ({ Id: String(j), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
  return {
    received: messages.length,
    succeeded: done.length,
    failed: messages.length - done.length,
    failedReceiptHandles,
  };
}

function toRecord(message: Message): ArchiveRecordInput {
  return {
    messageId: message.MessageId!,
    body: message.Body ?? '',
    attributes: { ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1' },
  };
}
