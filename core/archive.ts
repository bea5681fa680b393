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

import { DBInstanceNotFoundFault, type RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type ArchiveDecision, type ArchiveEvent, decideArchive } from './archive-decision.js';
import type { ArchiverConfig } from './config.js';
import { isFamilyContent, type ListedFile } from './discovery-plan.js';
import { parkedMessage, parkInDlq } from './dlq.js';
import { entriesKey, entryFormatOf } from './entries/entry-formats.js';
import { TransitionRefusedError } from './ledger/errors.js';
import type { FileRecord } from './ledger/records.js';
import type { LedgerStore } from './ledger/store.js';
import { familyFilter, familyOf, knownContent, matchFamily, sameRotatedFiles } from './log-streams.js';
import { type ArchiveMessage, MalformedMessageError, parseArchiveMessage } from './messages.js';
import type { Log, PipelineMetrics } from './observability.js';
import type { ClusterSelection } from './rds/cluster-selection.js';
import type { LogFileDownloader } from './rds/download.js';
import { LogFileNotFoundError } from './rds/download-errors.js';
import { listLogFiles } from './rds/inventory.js';
import { type ArchiveResult, archiveStream, type EntriesTarget } from './transfer/archive-stream.js';
import type { SourceChecks } from './transfer/digest.js';
import { ContentMovedError } from './transfer/errors.js';
import { archiveObjectMetadata } from './transfer/metadata.js';

/** The parts of an SQS record the archiver reads (the Lambda event shape). */
export interface ArchiveRecordInput {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

export interface ArchiveDeps {
  ledger: LedgerStore;
  /** Lists a rotating family before and after its download (core/log-streams.ts). */
  rds: RDSClient;
  s3: S3Client;
  sqs: SQSClient;
  downloader: LogFileDownloader;
  /** The clusters and instances whose files may be downloaded. */
  selection: ClusterSelection;
  /**
   * The RDS client, downloader and selection of another account or region (ARCHIVER_SOURCE_ACCOUNTS):
   * a file whose record names a place is read there, as that account; `rds`, `downloader` and
   * `selection` above are the home place's.
   */
  sources?: { forPlace(place: { account: string; region: string }): PlaceReaders | undefined };
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
    | 'keyPrefix'
  >;
  log: Log;
  metrics: PipelineMetrics;
  now?: () => number;
  /** Identifies this worker's claims (e.g. the Lambda request id). */
  workerId: string;
}

/** What reads one place's files. */
export interface PlaceReaders {
  rds: RDSClient;
  downloader: LogFileDownloader;
  selection: ClusterSelection;
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
    ...(message.contentId === undefined ? {} : { content: `${message.stream}#${message.contentId}` }),
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
  homeDeps: ArchiveDeps,
  signal: AbortSignal | undefined,
  now: () => number,
): Promise<ArchiveEvent> {
  try {
    const readers =
      claimed.account === undefined
        ? homeDeps
        : homeDeps.sources?.forPlace({ account: claimed.account, region: claimed.region ?? '' });
    if (!readers) {
      return {
        kind: 'not-selected',
        cluster: claimed.cluster,
        instance: claimed.instance,
        standalone: claimed.standalone === true,
        selection: `ARCHIVER_SOURCE_ACCOUNTS, which does not list account ${claimed.account} in ${claimed.region}`,
      };
    }
    const deps: ArchiveDeps = {
      ...homeDeps,
      rds: readers.rds,
      downloader: readers.downloader,
      selection: readers.selection,
    };
    if (!(await deps.selection.includes(claimed))) {
      return {
        kind: 'not-selected',
        cluster: claimed.cluster,
        instance: claimed.instance,
        standalone: claimed.standalone === true,
        selection: deps.selection.description,
      };
    }
    const copy = isFamilyContent(claimed)
      ? await archiveContent(claimed, deps, signal)
      : await archiveNamed(claimed, deps, signal);
    if (copy.kind === 'gone') return copy;
    const { result, source } = copy;
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
      archivedName: source.logFileName,
      archivedListedSize: source.size,
      archivedLastWritten: source.lastWritten,
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

/** What was copied, and the listed file the bytes were checked against. */
type Copy = { kind: 'copied'; result: ArchiveResult; source: ListedFile } | { kind: 'gone'; reason: string };

/**
 * The bytes an earlier generation archived: a later generation must start with them. Checked on
 * every name model (a unique name may come back with other content too), in the same pass.
 */
function archivedPrefix(claimed: FileRecord): SourceChecks['prefix'] {
  if (claimed.archivedBytes === undefined || claimed.archivedSha256 === undefined) return undefined;
  return { bytes: claimed.archivedBytes, sha256: claimed.archivedSha256 };
}

/** Streams one download into the claimed record's object. */
async function copy(
  claimed: FileRecord,
  deps: ArchiveDeps,
  signal: AbortSignal | undefined,
  source: ListedFile,
  expectedBytes: number,
  checks: SourceChecks,
): Promise<ArchiveResult> {
  const download = await deps.downloader.open({
    instance: claimed.instance,
    logFileName: source.logFileName,
    signal,
  });
  return await archiveStream({
    source: download.body,
    expectedBytes,
    s3: deps.s3,
    bucket: deps.config.bucket!,
    key: claimed.s3Key,
    metadata: archiveObjectMetadata({
      file: source.logFileName,
      contentId: claimed.contentId,
      instance: claimed.instance,
      cluster: claimed.cluster,
      generation: claimed.generation,
      listedBytes: source.size,
      lastWritten: source.lastWritten,
    }),
    gzipLevel: deps.config.gzipLevel,
    partSize: deps.config.partSizeBytes,
    queueSize: deps.config.uploadConcurrency,
    recordDigest: deps.config.objectDigest,
    checks,
    ...entriesOf(claimed, source, deps.config.keyPrefix),
    ...(signal ? { signal } : {}),
  });
}

/**
 * The entries object of a file of a multi-line format (core/entries/entry-formats.ts), written in
 * the same pass: one JSON line per slow query entry or csvlog record, for Athena.
 */
function entriesOf(claimed: FileRecord, source: ListedFile, keyPrefix: string): { entries?: EntriesTarget } {
  const format = entryFormatOf(source.logFileName);
  if (!format) return {};
  return {
    entries: {
      key: entriesKey(claimed.s3Key, keyPrefix),
      format,
      metadata: { 'source-key': claimed.s3Key, 'entries-format': format.id },
    },
  };
}

/** A unique name: its name is its identity, so the ledger's figures are what to download. */
async function archiveNamed(
  claimed: FileRecord,
  deps: ArchiveDeps,
  signal: AbortSignal | undefined,
): Promise<Copy> {
  const prefix = archivedPrefix(claimed);
  const source = {
    logFileName: claimed.logFileName,
    size: claimed.listedSize,
    lastWritten: claimed.lastWritten,
  };
  const result = await copy(claimed, deps, signal, source, claimed.listedSize, prefix ? { prefix } : {});
  return { kind: 'copied', result, source };
}

/** Locations tried within one delivery before the claim is given back (the family kept rotating). */
export const MAX_LOCATES = 3;

/**
 * A content of a rotating family (core/log-streams.ts). The name in the ledger is only where it was
 * first seen, so: list the family (one DescribeDBLogFiles, FilenameContains its base name), locate
 * the content with the same rule as the discoverer, download that name, and before the upload may
 * complete (the digest stage's `beforeEnd`, ahead of gzip's end: lib-storage can neither complete
 * the multipart upload nor send its single PutObject) list again and locate again. The bytes are
 * accepted only if the content is still where they came from: a rotated content at the same name
 * with the same (Size, LastWritten) and exactly that many bytes; the live content still live with no
 * rotation in between (the same rotated files listed before and after) and no more bytes than the
 * name lists now. Otherwise nothing is published and the content is located again.
 *
 * Why list again, not only compare the byte count: a rotation between the listing and the download
 * can make the name hold a different content of a plausible size (the next `.1` is about as large
 * as the last). Why not fingerprint the head at discovery instead: it would cost a download (or a
 * portion call) per new content in every pass, and the download would still need this check,
 * since the name can move again after any fingerprint.
 */
async function archiveContent(
  claimed: FileRecord,
  deps: ArchiveDeps,
  signal: AbortSignal | undefined,
): Promise<Copy> {
  const prefix = archivedPrefix(claimed);
  let moved = '';
  for (let attempt = 1; attempt <= MAX_LOCATES; attempt += 1) {
    const located = await locateContent(claimed, deps);
    if (located.kind === 'gone') return located;
    const { entry, live } = located;
    let checked: ListedFile = entry;
    const beforeEnd = async (bytes: number) => {
      const again = await locateContent(claimed, deps);
      const where = again.kind === 'gone' ? again.reason : describeEntry(again.entry);
      if (again.kind === 'gone' || again.entry.logFileName !== entry.logFileName || again.live !== live) {
        throw new ContentMovedError(`it moved while ${entry.logFileName} was read: now ${where}`);
      }
      if (live) {
        if (!sameRotatedFiles(claimed.stream ?? '', located.entries, again.entries))
          throw new ContentMovedError(`${claimed.stream} rotated while ${entry.logFileName} was read`);
        if (bytes > again.entry.size || again.entry.lastWritten < entry.lastWritten)
          throw new ContentMovedError(
            `${entry.logFileName} now lists ${describeEntry(again.entry)}, ${bytes} B were read`,
          );
      } else if (
        again.entry.size !== entry.size ||
        again.entry.lastWritten !== entry.lastWritten ||
        bytes > entry.size
      ) {
        throw new ContentMovedError(
          `${describeEntry(entry)} was read (${bytes} B), it now lists ${describeEntry(again.entry)}`,
        );
      }
      checked = again.entry;
    };
    try {
      const result = await copy(claimed, deps, signal, entry, entry.size, {
        ...(prefix ? { prefix } : {}),
        beforeEnd,
      });
      return { kind: 'copied', result, source: checked };
    } catch (error) {
      // A name that went (404) or moved: locate the content again. Anything else is the delivery's.
      if (!(error instanceof ContentMovedError || error instanceof LogFileNotFoundError)) throw error;
      moved = error.message;
      deps.log.info('Content moved while it was read: locating it again', { attempt, reason: moved });
    }
  }
  throw new ContentMovedError(`kept moving over ${MAX_LOCATES} attempts: ${moved}`);
}

type Located =
  | { kind: 'found'; entry: ListedFile; live: boolean; entries: ListedFile[] }
  | { kind: 'gone'; reason: string };

/** Lists the content's family and locates it among the family's known contents (one Query). */
async function locateContent(claimed: FileRecord, deps: ArchiveDeps): Promise<Located> {
  const family = claimed.stream ?? '';
  let entries: ListedFile[];
  try {
    entries = (await listLogFiles(deps.rds, claimed.instance, familyFilter(family))).filter(
      (file) => familyOf(file.logFileName) === family,
    );
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault)
      return { kind: 'gone', reason: `instance ${claimed.instance} not found` };
    throw error;
  }
  const { meta, files } = await deps.ledger.instanceState(claimed.instance, claimed);
  const contents = files.filter((file) => isFamilyContent(file) && file.stream === family);
  // This claim is ours: the record as claimed is the one to locate (the ledger's copy is the same).
  if (!contents.some((file) => file.contentId === claimed.contentId)) contents.push(claimed);
  const match = matchFamily({
    family,
    entries,
    contents: contents.map(knownContent),
    capacity: meta?.families?.[family] ?? 0,
  });
  const location = match.locations.get(claimed.contentId ?? '');
  if (!location) return { kind: 'gone', reason: 'its bytes were found to be other content before' };
  if (location.kind === 'found')
    return { kind: 'found', entry: location.entry, live: location.live, entries };
  return { kind: 'gone', reason: location.reason };
}

function describeEntry(entry: ListedFile): string {
  return `${entry.logFileName} (${entry.size} B, last written ${new Date(entry.lastWritten).toISOString()})`;
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
    case 'diverge':
      if (claimed && owner) {
        await deps.ledger.apply('markDiverged', claimed, {
          generation: claimed.generation,
          now: ctx.now(),
          owner,
          reason: decision.reason.slice(0, LEDGER_REASON_CHARS),
        });
      }
      deps.metrics.fileLost();
      log.warn('Log file content diverged: its name holds other content; the object is left as it was', {
        reason: decision.reason,
      });
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
