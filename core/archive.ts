/**
 * The archive use case for one SQS record: validate, claim the generation in the ledger with a
 * lease, stream the signed download through SHA-256 and gzip into S3, and record the result.
 *
 * Outcomes (the handler turns a thrown error into a batchItemFailure, i.e. a redelivery):
 * - archived, duplicate, stale or lost -> resolves (the message is deleted);
 * - malformed -> parked in the DLQ with its reason, then resolves;
 * - retryable failure -> ledger back to `queued` with the error, throws;
 * - failure on the last attempt -> ledger `failed` with the reason, throws (SQS then moves the
 *   message to the DLQ, where `redrive` finds it).
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ArchiverConfig } from './config.js';
import { TransitionRefusedError } from './ledger/errors.js';
import type { Ledger } from './ledger/ledger.js';
import type { FileRecord } from './ledger/records.js';
import { type ArchiveMessage, MalformedMessageError, parseArchiveMessage } from './messages.js';
import type { Log, PipelineMetrics } from './observability.js';
import type { LogFileDownloader } from './rds/download.js';
import { LogFileNotFoundError } from './rds/download-errors.js';
import { archiveStream } from './transfer/archive-stream.js';
import { archiveObjectMetadata } from './transfer/metadata.js';

/** The parts of an SQS record the archiver reads (the Lambda event shape). */
export interface ArchiveRecordInput {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

export interface ArchiveDeps {
  ledger: Ledger;
  s3: S3Client;
  sqs: SQSClient;
  downloader: LogFileDownloader;
  config: Pick<
    ArchiverConfig,
    | 'bucket'
    | 'dlqUrl'
    | 'leaseMs'
    | 'maxAttempts'
    | 'gzipLevel'
    | 'partSizeBytes'
    | 'uploadConcurrency'
    | 'objectDigest'
  >;
  log: Log;
  metrics: PipelineMetrics;
  now?: () => number;
  /** Identifies this worker's claims (e.g. the Lambda request id). */
  workerId: string;
}

export type ArchiveOutcome = 'archived' | 'duplicate' | 'stale' | 'lost' | 'malformed';

/** A claim held by someone else, or a ledger that is behind the message: try again later. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

/**
 * Archives the file generation one record names.
 * @throws to ask SQS for a redelivery (after recording the failure in the ledger)
 */
export async function archiveRecord(
  record: ArchiveRecordInput,
  deps: ArchiveDeps,
  signal?: AbortSignal,
): Promise<ArchiveOutcome> {
  const now = deps.now ?? Date.now;
  let message: ArchiveMessage;
  try {
    message = parseArchiveMessage(record.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    await parkInDlq(deps, record, `malformed message: ${error.message}`);
    return 'malformed';
  }
  const log = deps.log.child({
    cluster: message.cluster,
    instance: message.instance,
    file: message.logFileName,
    generation: message.generation,
    messageId: record.messageId,
  });
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  const owner = `${deps.workerId}:${record.messageId}`;

  let claimed: FileRecord;
  try {
    claimed = await deps.ledger.claim({
      instance: message.instance,
      logFileName: message.logFileName,
      generation: message.generation,
      owner,
      now: now(),
      leaseMs: deps.config.leaseMs,
    });
  } catch (error) {
    if (!(error instanceof TransitionRefusedError)) throw error;
    return await refusedClaim(error.current, message, record, deps, log);
  }

  try {
    const download = await deps.downloader.open({
      instance: message.instance,
      logFileName: message.logFileName,
      signal,
    });
    const result = await archiveStream({
      source: download.body,
      expectedBytes: Math.max(message.listedSize, claimed.listedSize),
      s3: deps.s3,
      bucket: deps.config.bucket!,
      key: claimed.s3Key,
      metadata: archiveObjectMetadata({
        file: claimed.logFileName,
        instance: claimed.instance,
        cluster: claimed.cluster,
        generation: claimed.generation,
        listedBytes: claimed.listedSize,
        lastWritten: claimed.lastWritten,
      }),
      gzipLevel: deps.config.gzipLevel,
      partSize: deps.config.partSizeBytes,
      queueSize: deps.config.uploadConcurrency,
      recordDigest: deps.config.objectDigest,
      signal,
    });
    const finishedAt = now();
    await deps.ledger.completeArchive(
      claimed,
      owner,
      { ...result, lastWritten: Math.max(message.lastWritten, claimed.lastWritten) },
      finishedAt,
    );
    deps.metrics.fileArchived({
      bytes: result.bytes,
      gzipBytes: result.gzipBytes,
      lagMs: Math.max(0, finishedAt - claimed.lastWritten),
    });
    log.info('Archived', { bytes: result.bytes, gzipBytes: result.gzipBytes, key: claimed.s3Key, attempt });
    return 'archived';
  } catch (error) {
    if (error instanceof LogFileNotFoundError) {
      const reason = `RDS answered not found on download (${error.code ?? error.status ?? 'no code'}): the file left RDS before it was archived`;
      await deps.ledger.markLost(claimed, { reason, now: now(), leaseOwner: owner });
      deps.metrics.fileLost();
      log.warn('Log file lost', { reason });
      return 'lost';
    }
    const final = attempt >= deps.config.maxAttempts;
    const reason = describe(error);
    await deps.ledger
      .releaseClaim(claimed, owner, { to: final ? 'failed' : 'queued', error: reason, now: now() })
      .catch((releaseError: unknown) =>
        log.error('Could not record the failure in the ledger', { error: releaseError }),
      );
    deps.metrics.fileFailed({ final });
    log[final ? 'error' : 'warn'](
      final ? 'Archiving failed on the last attempt: going to the DLQ' : 'Archiving failed: will retry',
      {
        attempt,
        maxAttempts: deps.config.maxAttempts,
        reason,
      },
    );
    throw error;
  }
}

/** Why a claim was refused decides between acknowledging and retrying. */
async function refusedClaim(
  current: FileRecord | undefined,
  message: ArchiveMessage,
  record: ArchiveRecordInput,
  deps: ArchiveDeps,
  log: Log,
): Promise<ArchiveOutcome> {
  if (!current) {
    // No ledger entry: the message did not come from our discoverer. Park it where an operator sees it.
    await parkInDlq(deps, record, 'the ledger has no such file: message not produced by the discoverer');
    return 'malformed';
  }
  if (current.generation > message.generation) {
    log.info('Stale generation: a newer one is recorded', { current: current.generation });
    return 'stale';
  }
  if (current.generation === message.generation && current.state === 'archived') {
    log.info('Duplicate delivery: already archived');
    return 'duplicate';
  }
  if (current.generation === message.generation && current.state === 'lost') {
    log.info('Already recorded as lost');
    return 'lost';
  }
  // Another worker holds a live lease, or the ledger has not caught up: the message must come back.
  throw new RetryLaterError(
    `cannot claim: ledger has generation ${current.generation} in state ${current.state}` +
      (current.leaseUntil ? ` (lease until ${new Date(current.leaseUntil).toISOString()})` : ''),
  );
}

/** Sends a message we cannot process to the DLQ with its reason, so it is visible and never lost. */
async function parkInDlq(deps: ArchiveDeps, record: ArchiveRecordInput, reason: string): Promise<void> {
  if (!deps.config.dlqUrl) throw new Error(`ARCHIVER_DLQ_URL is not set; cannot park message: ${reason}`);
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.config.dlqUrl,
      MessageBody: record.body.length > 0 ? record.body : '(empty body)',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
        originalMessageId: { DataType: 'String', StringValue: record.messageId },
      },
    }),
  );
  deps.log.error('Parked an unprocessable message in the DLQ', { messageId: record.messageId, reason });
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
