/**
 * The archive use case for one SQS record: parse, claim the generation in the ledger with a lease,
 * check the claimed file's cluster against the selection, stream the signed download through
 * SHA-256 and gzip into S3, and record the result. What to do with the message is decided purely
 * (archive-decision.ts) and carried out in one step (`carryOut`).
 *
 * Only the ledger is trusted: the message names a file and a generation, nothing more. The listed
 * size, LastWritten, object key and cluster all come from the claimed record, so a stale or forged
 * message cannot steer a download, and a file outside the selected clusters is never downloaded.
 *
 * The result: resolves when the message may be deleted (archived, duplicate, stale, lost, failed
 * and parked, or parked); throws `RetryLaterError` to have SQS deliver it again.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type ArchiveDecision, type ArchiveEvent, decideArchive } from './archive-decision.js';
import type { ArchiverConfig } from './config.js';
import { parkedMessage, parkInDlq } from './dlq.js';
import { TransitionRefusedError } from './ledger/errors.js';
import type { FileRecord } from './ledger/records.js';
import type { LedgerStore } from './ledger/store.js';
import { type ArchiveMessage, MalformedMessageError, parseArchiveMessage } from './messages.js';
import type { Log, PipelineMetrics } from './observability.js';
import type { ClusterSelection } from './rds/cluster-selection.js';
import type { LogFileDownloader } from './rds/download.js';
import { archiveStream } from './transfer/archive-stream.js';
import { archiveObjectMetadata } from './transfer/metadata.js';

/** The parts of an SQS record the archiver reads (the Lambda event shape). */
export interface ArchiveRecordInput {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

export interface ArchiveDeps {
  ledger: LedgerStore;
  s3: S3Client;
  sqs: SQSClient;
  downloader: LogFileDownloader;
  /** The clusters whose files may be downloaded. */
  selection: ClusterSelection;
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

export type ArchiveOutcome = 'archived' | 'duplicate' | 'stale' | 'lost' | 'failed' | 'parked';

/** The message must come back: a retryable failure, or a claim someone else holds. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

/** The ledger's lastError holds at most this much of a reason. */
const LEDGER_REASON_CHARS = 2000;

/**
 * Archives the file generation one record names.
 * @throws RetryLaterError to ask SQS for a redelivery (after recording the failure in the ledger)
 */
export async function archiveRecord(
  record: ArchiveRecordInput,
  deps: ArchiveDeps,
  signal?: AbortSignal,
): Promise<ArchiveOutcome> {
  const now = deps.now ?? Date.now;
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  let message: ArchiveMessage;
  try {
    message = parseArchiveMessage(record.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    const decision = decideArchive({
      event: { kind: 'malformed', reason: error.message },
      generation: 0,
      attempt,
      maxAttempts: deps.config.maxAttempts,
    });
    return await carryOut(decision, {
      record,
      deps,
      log: deps.log.child({ messageId: record.messageId }),
      now,
      attempt,
    });
  }
  const log = deps.log.child({
    cluster: message.cluster,
    instance: message.instance,
    file: message.logFileName,
    generation: message.generation,
    messageId: record.messageId,
  });
  const owner = `${deps.workerId}:${record.messageId}`;
  const claim = await claimFile(deps, message, owner, now());
  const event: ArchiveEvent =
    claim.kind === 'claimed' ? await archiveClaimed(claim.record, owner, deps, signal, now) : claim;
  const decision = decideArchive({
    event,
    generation: message.generation,
    attempt,
    maxAttempts: deps.config.maxAttempts,
  });
  return await carryOut(decision, {
    record,
    deps,
    log,
    now,
    ...(claim.kind === 'claimed' ? { claimed: claim.record, owner } : {}),
    attempt,
  });
}

type Claim =
  | { kind: 'claimed'; record: FileRecord }
  | Extract<ArchiveEvent, { kind: 'refused' | 'ledger-unavailable' }>;

/** Claims the generation. A refusal comes with the record as it is: active, or else retired to history. */
async function claimFile(
  deps: ArchiveDeps,
  message: ArchiveMessage,
  owner: string,
  now: number,
): Promise<Claim> {
  try {
    const record = await deps.ledger.apply('claim', message, {
      generation: message.generation,
      now,
      owner,
      leaseUntil: now + deps.config.leaseMs,
    });
    return { kind: 'claimed', record };
  } catch (error) {
    if (!(error instanceof TransitionRefusedError)) return { kind: 'ledger-unavailable', error };
    if (error.current) return { kind: 'refused', current: error.current };
    // Not in the active partition: a file that left RDS after it was archived or lost is in history.
    try {
      return { kind: 'refused', current: await deps.ledger.getFile(message) };
    } catch (readError) {
      return { kind: 'ledger-unavailable', error: readError };
    }
  }
}

/** Everything after a successful claim, as the event the decision reads. */
async function archiveClaimed(
  claimed: FileRecord,
  owner: string,
  deps: ArchiveDeps,
  signal: AbortSignal | undefined,
  now: () => number,
): Promise<ArchiveEvent> {
  try {
    if (!(await deps.selection.includes(claimed.cluster))) {
      return { kind: 'not-selected', cluster: claimed.cluster, selection: deps.selection.description };
    }
    const download = await deps.downloader.open({
      instance: claimed.instance,
      logFileName: claimed.logFileName,
      signal,
    });
    const result = await archiveStream({
      source: download.body,
      expectedBytes: claimed.listedSize,
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
    await deps.ledger.apply('complete', claimed, {
      generation: claimed.generation,
      now: finishedAt,
      owner,
      archivedBytes: result.bytes,
      archivedGzipBytes: result.gzipBytes,
      archivedSha256: result.sha256,
      archivedEtag: result.etag,
      archivedVersionId: result.versionId,
      archivedLastWritten: claimed.lastWritten,
      archivedKey: claimed.s3Key,
      cluster: claimed.cluster,
      logType: claimed.logType,
    });
    deps.metrics.fileArchived({
      bytes: result.bytes,
      gzipBytes: result.gzipBytes,
      lagMs: Math.max(0, finishedAt - claimed.lastWritten),
    });
    return { kind: 'archived', key: claimed.s3Key, bytes: result.bytes, gzipBytes: result.gzipBytes };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

interface CarryOutContext {
  record: ArchiveRecordInput;
  deps: ArchiveDeps;
  log: Log;
  now: () => number;
  /** The claim this delivery holds, if it got one. */
  claimed?: FileRecord;
  owner?: string;
  attempt: number;
}

/** Carries out a decision: at most one ledger write, then at most one DLQ send. */
async function carryOut(decision: ArchiveDecision, ctx: CarryOutContext): Promise<ArchiveOutcome> {
  const { deps, log, claimed, owner } = ctx;
  const attempt = { attempt: ctx.attempt, maxAttempts: deps.config.maxAttempts };
  switch (decision.action) {
    case 'acknowledge':
      log.info(decision.note, { ...attempt, ...decision.details });
      return decision.outcome;
    case 'retry':
      if (decision.release && claimed && owner) {
        deps.metrics.fileFailed({ final: false });
        await deps.ledger
          .apply('release', claimed, {
            generation: claimed.generation,
            now: ctx.now(),
            owner,
            error: decision.reason.slice(0, LEDGER_REASON_CHARS),
          })
          .catch((error: unknown) => log.error('Could not record the failure in the ledger', { error }));
      }
      log.warn('Archiving failed: will retry', { ...attempt, reason: decision.reason });
      throw new RetryLaterError(decision.reason);
    case 'fail':
      if (claimed && owner) {
        // The ledger first: a crash after it leaves FAILED and the message, which comes back and
        // is claimed again (failed is claimable). A crash before it changes nothing.
        await deps.ledger.apply('fail', claimed, {
          generation: claimed.generation,
          now: ctx.now(),
          owner,
          error: decision.reason.slice(0, LEDGER_REASON_CHARS),
        });
      }
      await park(ctx, decision.reason);
      deps.metrics.fileFailed({ final: true });
      log.error(
        decision.why === 'permanent'
          ? 'Archiving failed for a reason no retry can fix: FAILED, message parked in the DLQ'
          : 'Archiving failed on the last attempt: FAILED, message parked in the DLQ',
        { ...attempt, reason: decision.reason },
      );
      return 'failed';
    case 'lose':
      if (claimed && owner) {
        await deps.ledger.apply('markLost', claimed, {
          generation: claimed.generation,
          now: ctx.now(),
          owner,
          reason: decision.reason,
        });
      }
      deps.metrics.fileLost();
      log.warn('Log file lost', { reason: decision.reason });
      return 'lost';
    case 'park':
      await park(ctx, decision.reason);
      log.error('Parked an unprocessable message in the DLQ', { reason: decision.reason });
      return 'parked';
  }
}

/** Sends the message to the DLQ with its reason (an excerpt and digest when it is too large). */
async function park(ctx: CarryOutContext, reason: string): Promise<void> {
  const { deps, record } = ctx;
  if (!deps.config.dlqUrl) throw new Error(`ARCHIVER_DLQ_URL is not set; cannot park message: ${reason}`);
  const parked = parkedMessage({ body: record.body, messageId: record.messageId, reason });
  if (parked.truncated) {
    ctx.log.warn('Message too large to park whole: parked its first bytes and a digest', {
      messageId: record.messageId,
      bodyBytes: parked.attributes.bodyBytes?.StringValue,
      bodySha256: parked.attributes.bodySha256?.StringValue,
    });
  }
  await parkInDlq(deps.sqs, deps.config.dlqUrl, parked);
}
