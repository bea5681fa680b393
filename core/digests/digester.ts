/**
 * The digester: writes the hourly digests (format.ts) from the ledger's archive events, one hour
 * at a time after the chain's head, for every hour that closed more than the delay ago.
 *
 * Why one scheduled writer reading the ledger, and why it is safe with at-least-once delivery and
 * concurrent runs:
 * - Every archived object has an immutable archive event, written in the same transaction as the
 *   ledger's `complete` (core/ledger/archive-events.ts); archivers never touch digests, so their
 *   retries and concurrency cannot reorder or fork the chain.
 * - For an hour H the digester first seals H, then reads H's events (one consistent Query). The
 *   seal makes the set final: a `complete` into a sealed hour is refused and retried in an open
 *   one. The digest is a function of that set, the configuration and the previous link only (no
 *   write time inside), so writing H again gives the same bytes.
 * - The chain's head in the ledger is the commit point: the digest object is written first, then
 *   the head moves from H to H+1 with a conditional write expecting the head as read. A crash
 *   between the two leaves the head at H, and the next run rewrites the same bytes; a second
 *   digester (a retried schedule, a local run beside the Lambda) either writes the same bytes or
 *   loses the condition and stops. Two different chains cannot both be committed.
 * - The Lambda also runs with reserved concurrency 1 (infra/digests.ts), so the race is rare.
 *
 * The chain starts when the digester first runs with no head: at the hour before that run
 * (`CHAIN_START_LOOKBACK_MS`), which covers archiving done between a deployment and the
 * digester's first scheduled run. That first digest has `previous: null`; `verify --digests`
 * reports it as the chain's start.
 */

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { advancedHead, type DigestHead, genesisHead } from '../ledger/archive-events.js';
import { DigestHeadMovedError } from '../ledger/errors.js';
import type { LedgerStore } from '../ledger/store.js';
import type { Log } from '../observability.js';
import type { KeyLayout } from '../s3-keys.js';
import { HOUR_MS, hourStart } from '../time.js';
import { buildDigest, signingText } from './format.js';
import { type DigestSigner, signatureMetadata } from './signing.js';

/** How far before its first run the chain starts. */
export const CHAIN_START_LOOKBACK_MS = HOUR_MS;

/** Most digests one run writes; a digester catching up after an outage goes on at its next run. */
export const DEFAULT_MAX_HOURS_PER_RUN = 24 * 7;

export interface DigesterDeps {
  ledger: Pick<LedgerStore, 'sealHour' | 'archiveEvents' | 'digestHead' | 'advanceDigestHead'>;
  s3: S3Client;
  config: { bucket: string; keyPrefix: string; keyLayout: KeyLayout; digestDelayMs: number };
  /** Signs each digest when set (off by default). */
  signer?: DigestSigner | undefined;
  log: Log;
  now?: () => number;
  maxHours?: number;
  signal?: AbortSignal;
}

export interface WrittenDigest {
  hour: number;
  key: string;
  sha256: string;
  objects: number;
  signed: boolean;
}

export interface DigesterSummary {
  written: WrittenDigest[];
  /** The head after this run. */
  head: DigestHead;
  /** Closed hours still without a digest after this run (0 when caught up). */
  behind: number;
  /** Why the run stopped before catching up, if it did. */
  stopped?: 'head-moved' | 'limit' | 'aborted';
}

/**
 * The hours whose digest is due, oldest first: from the head's next hour, each hour that ended at
 * least `delayMs` before `now`.
 */
export function dueHours(head: Pick<DigestHead, 'nextHour'>, now: number, delayMs: number): number[] {
  const hours: number[] = [];
  for (let hour = head.nextHour; hour + HOUR_MS + delayMs <= now; hour += HOUR_MS) hours.push(hour);
  return hours;
}

/** One digester run: writes every due digest (up to the limit) and moves the head past each. */
export async function runDigester(deps: DigesterDeps): Promise<DigesterSummary> {
  const clock = deps.now ?? Date.now;
  const { config, log } = deps;
  let head = await deps.ledger.digestHead();
  if (head === undefined) {
    const start = genesisHead(hourStart(clock() - CHAIN_START_LOOKBACK_MS), clock());
    try {
      await deps.ledger.advanceDigestHead(start, undefined);
      head = start;
      log.info('Digest chain started', { startHour: new Date(start.startHour).toISOString() });
    } catch (error) {
      if (!(error instanceof DigestHeadMovedError) || error.current === undefined) throw error;
      head = error.current;
    }
  }
  const due = dueHours(head, clock(), config.digestDelayMs);
  const limit = deps.maxHours ?? DEFAULT_MAX_HOURS_PER_RUN;
  const written: WrittenDigest[] = [];
  let stopped: DigesterSummary['stopped'];
  for (const hour of due) {
    if (written.length >= limit) {
      stopped = 'limit';
      break;
    }
    if (deps.signal?.aborted) {
      stopped = 'aborted';
      break;
    }
    const now = clock();
    // Seal first, then read: no event can join the hour after this point (archive-events.ts).
    await deps.ledger.sealHour(hour, now);
    const events = await deps.ledger.archiveEvents(hour);
    const digest = buildDigest({
      bucket: config.bucket,
      keyPrefix: config.keyPrefix,
      keyLayout: config.keyLayout,
      hour,
      previous: head.previous,
      events,
    });
    const signature = deps.signer
      ? signatureMetadata(
          deps.signer,
          await deps.signer.sign(
            signingText({ bucket: config.bucket, key: digest.key, sha256: digest.sha256 }),
          ),
        )
      : undefined;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: digest.key,
        Body: digest.bytes,
        ContentType: 'application/json',
        // S3 refuses the write unless it received exactly these bytes.
        ChecksumSHA256: Buffer.from(digest.sha256, 'hex').toString('base64'),
        ...(signature ? { Metadata: signature } : {}),
      }),
      deps.signal ? { abortSignal: deps.signal } : {},
    );
    const next = advancedHead(head, { key: digest.key, sha256: digest.sha256 }, clock());
    try {
      await deps.ledger.advanceDigestHead(next, head);
    } catch (error) {
      if (!(error instanceof DigestHeadMovedError)) throw error;
      // Another digester committed this hour (with the same bytes, from the same sealed events).
      log.warn('Another digester moved the digest chain: stopping this run', {
        hour: new Date(hour).toISOString(),
        head: error.current ? new Date(error.current.nextHour).toISOString() : null,
      });
      return {
        written,
        head: error.current ?? head,
        behind: error.current ? dueHours(error.current, clock(), config.digestDelayMs).length : 0,
        stopped: 'head-moved',
      };
    }
    head = next;
    written.push({
      hour,
      key: digest.key,
      sha256: digest.sha256,
      objects: digest.body.objects.length,
      signed: signature !== undefined,
    });
    log.info('Digest written', {
      hour: digest.body.hour,
      key: digest.key,
      objects: digest.body.objects.length,
      sha256: digest.sha256,
    });
  }
  const behind = dueHours(head, clock(), config.digestDelayMs).length;
  return { written, head, behind, ...(stopped ? { stopped } : {}) };
}
