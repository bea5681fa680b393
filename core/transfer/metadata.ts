/**
 * Names of what an archived object says about its source. User metadata is fixed when the upload
 * starts, so it carries only what is known up front; the digest is recorded after completion.
 */

/** Object user-metadata keys known before the upload (S3 lowercases keys; keep them lowercase). */
export const SOURCE_METADATA_KEYS = {
  file: 'source-file',
  instance: 'source-instance',
  cluster: 'source-cluster',
  generation: 'source-generation',
  listedBytes: 'source-listed-bytes',
  lastWritten: 'source-last-written',
  contentId: 'source-content-id',
} as const;

/**
 * Where the source digest is recorded on the object after completion (ARCHIVER_OBJECT_DIGEST):
 * `metadata` (a copy onto itself), `tags`, or `none` (ledger only). See archive-stream.ts.
 */
export const RECORD_DIGEST_MODES = ['metadata', 'tags', 'none'] as const;
export type RecordDigestMode = (typeof RECORD_DIGEST_MODES)[number];

/** Keys of the digest recorded after completion (as tags or metadata, see `RecordDigestMode`). */
export const DIGEST_KEYS = { sha256: 'source-sha256', bytes: 'source-bytes' } as const;

/** The source of an archive, as listed by RDS when the work was created. */
export interface ArchiveSource {
  /** Log file name as RDS lists it (the name downloaded), e.g. `audit/audit.log.0.2026-03-01-00-00.1`. */
  file: string;
  /** For a content item (core/log-streams.ts): its content id, which its name does not carry. */
  contentId?: string | undefined;
  instance: string;
  /** Cluster id; omitted for a standalone instance. */
  cluster?: string;
  /** Which generation of the file (it is archived again, as a superset, when it grows). */
  generation: number;
  /** Size listed by DescribeDBLogFiles when the work was created. */
  listedBytes: number;
  /** LastWritten listed by DescribeDBLogFiles (epoch ms). */
  lastWritten: number;
}

/** S3 metadata values travel as HTTP headers: keep them printable ASCII. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** The user metadata of an archived object. */
export function archiveObjectMetadata(source: ArchiveSource): Record<string, string> {
  const metadata: Record<string, string> = {
    [SOURCE_METADATA_KEYS.file]: headerSafe(source.file),
    [SOURCE_METADATA_KEYS.instance]: headerSafe(source.instance),
    [SOURCE_METADATA_KEYS.generation]: String(source.generation),
    [SOURCE_METADATA_KEYS.listedBytes]: String(source.listedBytes),
    [SOURCE_METADATA_KEYS.lastWritten]: new Date(source.lastWritten).toISOString(),
  };
  if (source.cluster) metadata[SOURCE_METADATA_KEYS.cluster] = headerSafe(source.cluster);
  if (source.contentId) metadata[SOURCE_METADATA_KEYS.contentId] = headerSafe(source.contentId);
  return metadata;
}
