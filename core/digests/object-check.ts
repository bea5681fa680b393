/**
 * The object checks of `verify --digests`, without I/O: does each listed object hold what its
 * digest lists, and is every object of the window's key hours listed by some digest?
 */

import { formatInstant } from '../time.js';
import type { DigestObject } from './format.js';
import type { DigestProblem } from './problems.js';
import type { ListedObject, ObjectReading } from './s3-reads.js';

/** An object as one digest lists it. */
export interface ListedEntry {
  /** The digest's hour. */
  hour: number;
  digest: string;
  object: DigestObject;
}

export type EntryOutcome =
  | { outcome: 'ok' }
  /** The bucket keeps no versions and a later generation replaced it, listed by a later digest. */
  | { outcome: 'superseded'; by: ListedEntry }
  | { outcome: 'problem'; problem: DigestProblem };

const short = (sha: string) => sha.slice(0, 12);

/** What differs between an object as read and as listed (empty when nothing). */
function differences(reading: Extract<ObjectReading, { kind: 'found' }>, listed: DigestObject): string[] {
  const out: string[] = [];
  if (reading.etag !== listed.etag) out.push(`ETag ${reading.etag} != listed ${listed.etag}`);
  if (reading.gzipBytes !== listed.gzipBytes)
    out.push(`${reading.gzipBytes} stored bytes != listed ${listed.gzipBytes}`);
  if (reading.sourceBytes !== listed.sourceBytes)
    out.push(`${reading.sourceBytes} source bytes != listed ${listed.sourceBytes}`);
  if (reading.sourceSha256 !== listed.sourceSha256)
    out.push(`source SHA-256 ${short(reading.sourceSha256)} != listed ${short(listed.sourceSha256)}`);
  return out;
}

/**
 * Checks one listed object against what was read: that exact version when the digest names one,
 * else the current object. Where the bucket keeps no versions a later generation of the file
 * replaces the object at the same key; that is accepted only when the object now there begins
 * with exactly the listed bytes (its first `sourceBytes` hash to `sourceSha256`) and a later
 * digest lists it (`newer` finds that listing by key and ETag).
 */
export function checkEntry(
  entry: ListedEntry,
  reading: ObjectReading,
  newer: (entry: ListedEntry, etag: string) => ListedEntry | undefined,
  /**
   * The current object at the key, when the listed version is gone: on a versioned bucket a later
   * generation makes the listed one noncurrent, and the lifecycle expires noncurrent versions
   * (noncurrentVersionExpiryDays). The superset rule then applies as without versions: nothing of
   * the listed content is lost when the current object begins with exactly those bytes.
   */
  current?: ObjectReading,
): EntryOutcome {
  const { object } = entry;
  if (object.versionId !== undefined && reading.kind === 'missing' && current?.kind === 'found') {
    const { versionId: _gone, ...unversioned } = object;
    const outcome = checkEntry({ ...entry, object: unversioned }, current, newer);
    if (outcome.outcome !== 'problem') return outcome;
  }
  const where = { hour: entry.hour, digest: entry.digest, object: object.key };
  const listed = `generation ${object.generation}${object.versionId ? `, version ${object.versionId}` : ''}`;
  if (reading.kind === 'missing') {
    return {
      outcome: 'problem',
      problem: {
        kind: 'object-missing',
        ...where,
        detail: `${listed} (archived ${object.archivedAt}) is not in the bucket: deleted${object.versionId ? ', and the object now at the key is not a later generation of it that a later digest lists' : ''}`,
      },
    };
  }
  if (reading.kind === 'unreadable') {
    return {
      outcome: 'problem',
      problem: { kind: 'object-unreadable', ...where, detail: `${listed} cannot be read: ${reading.error}` },
    };
  }
  if (object.versionId !== undefined || reading.etag === object.etag) {
    const diff = differences(reading, object);
    if (diff.length === 0) return { outcome: 'ok' };
    return {
      outcome: 'problem',
      problem: { kind: 'object-mismatch', ...where, detail: `${listed}: ${diff.join('; ')}` },
    };
  }
  const superset =
    reading.sourceBytes >= object.sourceBytes &&
    reading.prefixSha256[object.sourceBytes] === object.sourceSha256;
  if (superset) {
    const by = newer(entry, reading.etag);
    if (by) return { outcome: 'superseded', by };
    return {
      outcome: 'problem',
      problem: {
        kind: 'object-replaced',
        ...where,
        detail: `${listed} was replaced by an object that begins with the listed bytes (ETag ${reading.etag}, ${reading.sourceBytes} source bytes) but no later digest lists it: written outside the archiver`,
      },
    };
  }
  return {
    outcome: 'problem',
    problem: {
      kind: 'object-mismatch',
      ...where,
      detail: `${listed}: the object in the bucket is neither the listed one nor a longer generation of it (${differences(reading, object).join('; ')}): overwritten`,
    },
  };
}

/**
 * Objects of the window's key hours that no digest lists, by key and ETag. Keys that already have
 * a problem from their listed entries are not reported twice.
 */
export function unlistedObjects(input: {
  objects: ReadonlyArray<ListedObject & { hour: number }>;
  listings: ReadonlyMap<string, readonly ListedEntry[]>;
  reported: ReadonlySet<string>;
  /** The hours of the digests read, for the message. */
  searched: { from: number; to: number };
}): DigestProblem[] {
  const problems: DigestProblem[] = [];
  const span = `${formatInstant(input.searched.from)} to ${formatInstant(input.searched.to)}`;
  for (const object of input.objects) {
    if (input.reported.has(object.key)) continue;
    const listings = input.listings.get(object.key) ?? [];
    if (listings.some((entry) => entry.object.etag === object.etag)) continue;
    const newest = listings.at(-1);
    problems.push({
      kind: 'unlisted-object',
      hour: object.hour,
      object: object.key,
      detail: newest
        ? `its object (ETag ${object.etag}) is not the one any digest lists (the digest of ${formatInstant(newest.hour)} lists ETag ${newest.object.etag}): replaced outside the archiver`
        : `no digest from ${span} lists it: planted, or back-dated into this hour's folder`,
    });
  }
  return problems;
}
