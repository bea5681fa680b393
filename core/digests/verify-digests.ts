/**
 * `verify --digests`: validates the digest chain over a window and every object it lists, with S3
 * read access alone (no ledger, no queue), so an auditor with a read-only role can run it.
 *
 * What it reads: the digest of each hour of the window, of the hour before (the first link) and
 * of the hour after (which vouches for the window's last digest), then more digests after the
 * window only as far as needed to find a later listing (an object replaced by its next
 * generation, or archived hours after its key hour). Then, unless only the chain is asked for:
 * each listed object (the listed version where there is one, streamed through gunzip and
 * SHA-256), and a listing of the window's key hours for objects no digest lists.
 *
 * The decisions are pure (chain-check.ts, object-check.ts); this file only reads and assembles.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../concurrency.js';
import { assertBucketExists } from '../operations/verify/verify.js';
import type { KeyLayout } from '../s3-keys.js';
import { HOUR_MS, hoursOf } from '../time.js';
import {
  type CheckedHour,
  checkChain,
  collapseBeforeStart,
  type HourReading,
  type SignatureState,
} from './chain-check.js';
import { digestKey } from './format.js';
import { hourSegment, isGroupPrefix, isTypePrefix } from './key-hours.js';
import { checkEntry, type ListedEntry, unlistedObjects } from './object-check.js';
import type { DigestProblem } from './problems.js';
import {
  type ListedObject,
  listPrefix,
  type ObjectReading,
  readDigest,
  readObjectFigures,
} from './s3-reads.js';
import type { DigestVerifier } from './signing.js';

/** How far past the window verify reads digests to find a later listing. */
export const FORWARD_LIMIT_HOURS = 31 * 24;
const FORWARD_BATCH = 24;

export interface DigestVerifyDeps {
  s3: S3Client;
  bucket: string;
  keyPrefix: string;
  /** The key layout, when no digest of the window names it. */
  keyLayout: KeyLayout;
  now?: () => number;
}

export interface DigestVerifyOptions {
  /** Window [from, to), epoch ms: the hours from the hour of `from`. */
  from: number;
  to: number;
  /** Check signatures with this public key; without one they are not checked. */
  verifier?: DigestVerifier | undefined;
  /** Check the listed objects and look for unlisted ones (default true); false: the chain only. */
  objects?: boolean;
  /** Objects read at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * - `verified`: every hour of the window that is due has an intact digest, and every listed
 *   object matches (at least one digest was checked);
 * - `problems`: something is missing, changed, out of place or unlisted;
 * - `nothing-verified`: no digest in or next to the window (no chain here: wrong bucket or
 *   prefix, a window before the deployment, or every hour too recent).
 */
export type DigestVerdict = 'verified' | 'problems' | 'nothing-verified';

export interface DigestHourReport {
  hour: number;
  key: string;
  state: 'intact' | 'problem' | 'missing' | 'pending';
  objects: number;
  signature: SignatureState;
  startsChain: boolean;
}

export interface DigestVerifyReport {
  bucket: string;
  keyPrefix: string;
  from: number;
  to: number;
  checkedAt: number;
  hours: DigestHourReport[];
  /** The hour of the chain's first digest (previous: null), when one was read. */
  chainStart?: number;
  signatures: { checked: boolean; algorithm?: string; fingerprint?: string };
  objects: {
    checked: boolean;
    listed: number;
    ok: number;
    /** Replaced by a later generation that a later digest lists (buckets without versions). */
    superseded: number;
    unlisted: number;
  };
  /** Hours of the window not digested yet (recent). */
  pending: number[];
  problems: DigestProblem[];
  verdict: DigestVerdict;
}

/**
 * Verifies the chain and the objects of a window.
 * @throws BucketNotFoundError when the bucket does not exist
 */
export async function verifyDigests(
  deps: DigestVerifyDeps,
  options: DigestVerifyOptions,
): Promise<DigestVerifyReport> {
  const now = (deps.now ?? Date.now)();
  const { s3, bucket, keyPrefix } = deps;
  const { signal } = options;
  const concurrency = options.concurrency ?? 4;
  await assertBucketExists(s3, bucket, signal);

  const window = hoursOf(options.from, options.to);
  const first = window[0]!;
  const last = window.at(-1)!;
  const read = async (hours: number[]): Promise<HourReading[]> =>
    (
      await mapLimit(
        hours,
        concurrency,
        async (hour) => ({ hour, reading: await readDigest(s3, bucket, digestKey(keyPrefix, hour), signal) }),
        signal,
      )
    ).filter((r): r is HourReading => r !== undefined);
  const readings = await read([first - HOUR_MS, ...window, last + HOUR_MS]);
  const check = () =>
    checkChain({
      bucket,
      keyPrefix,
      readings,
      now,
      ...(options.verifier ? { verifier: options.verifier } : {}),
    });
  let chain = check();

  /** Reads the next batch after the last hour read; false when the chain ends or the limit is reached. */
  const extend = async (): Promise<boolean> => {
    const lastRead = chain.at(-1)!;
    if (!lastRead.found || lastRead.hour - last >= FORWARD_LIMIT_HOURS * HOUR_MS) return false;
    const next = Array.from({ length: FORWARD_BATCH }, (_, i) => lastRead.hour + (i + 1) * HOUR_MS);
    const more = await read(next);
    const end = more.findIndex((r) => r.reading.kind !== 'found');
    readings.push(...(end < 0 ? more : more.slice(0, end + 1)));
    chain = check();
    return end < 0;
  };

  const inWindow = (c: CheckedHour) => c.hour >= first && c.hour <= last;
  const entriesOf = (hours: CheckedHour[]): ListedEntry[] =>
    hours.flatMap((c) =>
      c.body ? c.body.objects.map((object) => ({ hour: c.hour, digest: c.key, object })) : [],
    );
  const windowEntries = entriesOf(chain.filter(inWindow));

  const objectProblems: DigestProblem[] = [];
  const counts = { listed: windowEntries.length, ok: 0, superseded: 0, unlisted: 0 };
  if (options.objects !== false) {
    const layout = chain.find((c) => c.body)?.body?.keyLayout ?? deps.keyLayout;
    const [{ byEntry: readingsByEntry, currents }, inArchive] = await Promise.all([
      readListedObjects(s3, bucket, windowEntries, concurrency, signal, options.onProgress),
      listKeyHours(s3, bucket, keyPrefix, layout, window, concurrency, signal),
    ]);
    // Listings of every parsed digest read so far, by key, oldest first.
    const listings = () => {
      const byKey = new Map<string, ListedEntry[]>();
      for (const entry of entriesOf(chain)) {
        const list = byKey.get(entry.object.key) ?? [];
        list.push(entry);
        byKey.set(entry.object.key, list);
      }
      return byKey;
    };
    const newer = (entry: ListedEntry, etag: string) =>
      listings()
        .get(entry.object.key)
        ?.find((later) => later.object.etag === etag && later.object.archivedAt > entry.object.archivedAt);
    const unresolved = () => {
      const byKey = listings();
      const entryNeeds = windowEntries.some((entry) => {
        const outcome = checkEntry(entry, readingsByEntry.get(entry)!, newer, currents.get(entry.object.key));
        // A longer object no digest read so far lists: a later digest may (a listed version gone too).
        return (
          outcome.outcome === 'problem' &&
          (outcome.problem.kind === 'object-replaced' || currents.get(entry.object.key)?.kind === 'found')
        );
      });
      return entryNeeds || inArchive.some((o) => !byKey.get(o.key)?.some((e) => e.object.etag === o.etag));
    };
    while (unresolved() && (await extend())) {
      // Each round reads one more day of digests past the window.
    }
    const reported = new Set<string>();
    for (const entry of windowEntries) {
      const outcome = checkEntry(entry, readingsByEntry.get(entry)!, newer, currents.get(entry.object.key));
      if (outcome.outcome === 'ok') counts.ok += 1;
      else if (outcome.outcome === 'superseded') counts.superseded += 1;
      else {
        objectProblems.push(outcome.problem);
        reported.add(entry.object.key);
      }
    }
    const unlisted = unlistedObjects({
      objects: inArchive,
      listings: listings(),
      reported,
      searched: { from: chain[0]!.hour, to: chain.at(-1)!.hour },
    });
    counts.unlisted = unlisted.length;
    objectProblems.push(...unlisted);
  }

  const before = chain[0]!;
  const after = chain.find((c) => c.hour === last + HOUR_MS)!;
  const windowHours = chain.filter(inWindow);
  const firstInWindow = windowHours[0]!;
  const lastInWindow = windowHours.at(-1)!;
  const chainProblems = collapseBeforeStart(
    [
      // The hour before only as the first link: a missing one matters when the window's first links to it.
      ...before.problems.filter(
        (p) =>
          p.kind !== 'before-chain-start' &&
          (p.kind !== 'digest-missing' || (firstInWindow.found && firstInWindow.body?.previous != null)),
      ),
      ...windowHours.flatMap((c) => c.problems),
      // The hour after vouches for the window's last digest.
      ...(lastInWindow.found ? after.problems.filter((p) => p.kind !== 'before-chain-start') : []),
    ],
    chain.find((c) => c.startsChain)?.hour,
  );
  const found = windowHours.filter((c) => c.found).length;
  const nothing = found === 0 && !before.found && !after.found;
  const problems = nothing ? [] : [...chainProblems, ...objectProblems];
  const verdict: DigestVerdict =
    problems.length > 0 ? 'problems' : found === 0 ? 'nothing-verified' : 'verified';
  const chainStart = chain.find((c) => c.startsChain)?.hour;
  return {
    bucket,
    keyPrefix,
    from: options.from,
    to: options.to,
    checkedAt: now,
    hours: windowHours.map((c) => ({
      hour: c.hour,
      key: c.key,
      state: c.pending ? 'pending' : !c.found ? 'missing' : c.intact ? 'intact' : 'problem',
      objects: c.body?.objects.length ?? 0,
      signature: c.signature,
      startsChain: c.startsChain,
    })),
    ...(chainStart !== undefined ? { chainStart } : {}),
    signatures: options.verifier
      ? { checked: true, algorithm: options.verifier.algorithm, fingerprint: options.verifier.fingerprint }
      : { checked: false },
    objects: { checked: options.objects !== false, ...counts },
    pending: windowHours.filter((c) => c.pending).map((c) => c.hour),
    problems,
    verdict,
  };
}

/**
 * Reads each listed object once: the listed version where there is one, else the current object
 * with the prefix hashes every listing of its key needs.
 */
async function readListedObjects(
  s3: S3Client,
  bucket: string,
  entries: readonly ListedEntry[],
  concurrency: number,
  signal: AbortSignal | undefined,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<{ byEntry: Map<ListedEntry, ObjectReading>; currents: Map<string, ObjectReading> }> {
  const reads = new Map<
    string,
    { key: string; versionId?: string; prefixes: number[]; entries: ListedEntry[] }
  >();
  for (const entry of entries) {
    const { key, versionId } = entry.object;
    const id = JSON.stringify([key, versionId ?? null]);
    const read = reads.get(id) ?? { key, ...(versionId ? { versionId } : {}), prefixes: [], entries: [] };
    read.prefixes.push(entry.object.sourceBytes);
    read.entries.push(entry);
    reads.set(id, read);
  }
  const all = [...reads.values()];
  let done = 0;
  const results = await mapLimit(
    all,
    concurrency,
    async (read) => {
      const reading = await readObjectFigures(s3, bucket, read.key, {
        ...(read.versionId ? { versionId: read.versionId } : {}),
        prefixes: read.prefixes,
        ...(signal ? { signal } : {}),
      });
      done += 1;
      onProgress?.(done, all.length);
      return reading;
    },
    signal,
  );
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const byEntry = new Map<ListedEntry, ObjectReading>();
  for (const [index, read] of all.entries()) {
    for (const entry of read.entries) byEntry.set(entry, results[index]!);
  }
  // Listed versions that are gone: the current object at their key, once per key (checkEntry).
  const gone = new Map<string, number[]>();
  for (const [index, read] of all.entries()) {
    if (read.versionId === undefined || results[index]?.kind !== 'missing') continue;
    gone.set(read.key, [...(gone.get(read.key) ?? []), ...read.prefixes]);
  }
  const currents = new Map<string, ObjectReading>();
  await mapLimit(
    [...gone.entries()],
    concurrency,
    async ([key, prefixes]) => {
      currents.set(
        key,
        await readObjectFigures(s3, bucket, key, { prefixes, ...(signal ? { signal } : {}) }),
      );
    },
    signal,
  );
  return { byEntry, currents };
}

/** Every object whose key hour is in the window: groups and types by delimiter, then one prefix per hour. */
async function listKeyHours(
  s3: S3Client,
  bucket: string,
  keyPrefix: string,
  layout: KeyLayout,
  hours: readonly number[],
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<Array<ListedObject & { hour: number }>> {
  const options = { delimiter: '/', ...(signal ? { signal } : {}) };
  const groups = (await listPrefix(s3, bucket, keyPrefix, options)).prefixes.filter((p) =>
    isGroupPrefix(layout, keyPrefix, p),
  );
  const types = (
    await mapLimit(groups, concurrency, async (group) =>
      (await listPrefix(s3, bucket, group, options)).prefixes.filter((p) => isTypePrefix(layout, group, p)),
    )
  ).flatMap((found) => found ?? []);
  const work = types.flatMap((type) =>
    hours.map((hour) => ({ prefix: `${type}${hourSegment(layout, hour)}`, hour })),
  );
  const listed = await mapLimit(
    work,
    concurrency,
    async ({ prefix, hour }) =>
      (await listPrefix(s3, bucket, prefix, signal ? { signal } : {})).objects.map((o) => ({ ...o, hour })),
    signal,
  );
  return listed.flatMap((found) => found ?? []);
}
