/**
 * Whether the objects the ledger counts as archived are in S3 as they were written: the pure half
 * of completeness's S3 check (the listing itself is object-listing.ts).
 *
 * Rules (also in the README's Operations section):
 * - Only files whose current generation is `archived` are checked: they are what COMPLETE counts.
 * - An object is compared with what the archiver recorded when it completed: its ETag and its
 *   size (the gzip bytes). A key that is not listed is `missing`; a listed key with another ETag or
 *   size is `replaced` (overwritten, or replaced by an older/newer copy: back-dating a file by
 *   putting other bytes at its key changes both).
 * - Records written before the ledger kept an ETag (or with an empty one) are checked on what they
 *   have: size alone when `archivedGzipBytes` is there, else existence alone. They are counted by
 *   basis in the report, never reported as replaced for lack of an ETag.
 * - Version ids are not compared. ListObjectsV2 returns the current version of each key only, and
 *   no version id. On a versioned bucket (AWS, the deployed stack) a deleted object is a delete
 *   marker, so its key is not listed (`missing`); an overwrite is a new current version with its
 *   own ETag (`replaced`); rewriting identical bytes is a new version with the same ETag and size,
 *   which is no change of content. The ledger's `archivedVersionId` is what an operator restores
 *   (see verify-advice.ts). The local S3 emulator keeps no versions; nothing here needs them.
 * - ETag and size show that the object is the one written, not that its bytes are the source's:
 *   `verify` re-reads objects and compares their SHA-256 with the ledger.
 */

import type { FileRecord } from '../../ledger/records.js';

/** What a listing says about one key. */
export interface ListedObject {
  etag?: string;
  size?: number;
}

/** What the check of one archived file could rest on (see the rules above). */
export type ObjectCheckBasis = 'etag-and-size' | 'size' | 'existence';

export interface ObjectProblem {
  instance: string;
  hour: number;
  logFileName: string;
  contentId?: string;
  generation: number;
  s3Key: string;
  kind: 'missing' | 'replaced';
  /** What the ledger recorded (an absent field was not recorded). */
  expected: { etag?: string; size?: number };
  /** What the listing shows, for `replaced`. */
  found?: { etag?: string; size?: number };
  detail: string;
}

/** The S3 side of a completeness report. */
export type ObjectsCheck =
  | {
      mode: 'listed';
      /** Instance-hour prefixes listed (one paged ListObjectsV2 each). */
      prefixes: number;
      /** ListObjectsV2 requests sent (pages). */
      requests: number;
      /** Archived files checked, and on what basis. */
      checked: number;
      basis: Record<ObjectCheckBasis, number>;
      problems: ObjectProblem[];
    }
  | {
      /** `--ledger-only`: S3 was not asked; the verdict is the ledger's view. */
      mode: 'ledger-only';
    };

/** The objects of the listed prefixes, by key. */
export interface ObjectListing {
  prefixes: number;
  requests: number;
  objects: ReadonlyMap<string, ListedObject>;
}

/** An ETag without its quotes (S3 sends `"…"`; a weak `W/` prefix is dropped too). */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const bare = etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return bare === '' ? undefined : bare;
}

/** The prefix a key is listed under: everything up to its last `/` (its instance-hour folder). */
export function objectPrefix(s3Key: string): string {
  return s3Key.slice(0, s3Key.lastIndexOf('/') + 1);
}

/** The files whose objects completeness checks: current generation archived. */
export function checkedFiles(files: readonly FileRecord[]): FileRecord[] {
  return files.filter((file) => file.state === 'archived');
}

/** The prefixes to list for these files, sorted, each once. */
export function prefixesToList(files: readonly FileRecord[]): string[] {
  return [...new Set(checkedFiles(files).map((file) => objectPrefix(file.s3Key)))].sort();
}

/** On what the check of a record can rest. */
export function basisOf(file: Pick<FileRecord, 'archivedEtag' | 'archivedGzipBytes'>): ObjectCheckBasis {
  if (normalizeEtag(file.archivedEtag) !== undefined && file.archivedGzipBytes !== undefined)
    return 'etag-and-size';
  return file.archivedGzipBytes !== undefined ? 'size' : 'existence';
}

/** Checks one archived file against the listing of its prefix; undefined when it is as written. */
export function checkArchivedObject(
  file: FileRecord,
  listed: ListedObject | undefined,
): ObjectProblem | undefined {
  const expected = {
    ...(normalizeEtag(file.archivedEtag) !== undefined ? { etag: normalizeEtag(file.archivedEtag)! } : {}),
    ...(file.archivedGzipBytes !== undefined ? { size: file.archivedGzipBytes } : {}),
  };
  const base = {
    instance: file.instance,
    hour: file.hour,
    logFileName: file.logFileName,
    ...(file.contentId !== undefined ? { contentId: file.contentId } : {}),
    generation: file.archivedGeneration ?? file.generation,
    s3Key: file.s3Key,
    expected,
  };
  if (listed === undefined) {
    return { ...base, kind: 'missing', detail: `no object at ${file.s3Key}` };
  }
  const etag = normalizeEtag(listed.etag);
  const differences: string[] = [];
  if (expected.etag !== undefined && etag !== expected.etag)
    differences.push(`ETag ${etag ?? '(none)'}, ledger ${expected.etag}`);
  if (expected.size !== undefined && listed.size !== expected.size)
    differences.push(`${listed.size ?? '?'} bytes, ledger ${expected.size}`);
  if (differences.length === 0) return undefined;
  return {
    ...base,
    kind: 'replaced',
    found: {
      ...(etag !== undefined ? { etag } : {}),
      ...(listed.size !== undefined ? { size: listed.size } : {}),
    },
    detail: `object replaced: ${differences.join('; ')}`,
  };
}

/** Checks every archived file of `files` against the listing. Pure. */
export function checkObjects(files: readonly FileRecord[], listing: ObjectListing): ObjectsCheck {
  const basis: Record<ObjectCheckBasis, number> = { 'etag-and-size': 0, size: 0, existence: 0 };
  const problems: ObjectProblem[] = [];
  const checked = checkedFiles(files);
  for (const file of checked) {
    basis[basisOf(file)] += 1;
    const problem = checkArchivedObject(file, listing.objects.get(file.s3Key));
    if (problem) problems.push(problem);
  }
  problems.sort(
    (a, b) =>
      a.instance.localeCompare(b.instance) || a.hour - b.hour || a.logFileName.localeCompare(b.logFileName),
  );
  return {
    mode: 'listed',
    prefixes: listing.prefixes,
    requests: listing.requests,
    checked: checked.length,
    basis,
    problems,
  };
}
