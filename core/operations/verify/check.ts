/**
 * Verify's decisions, without I/O: which ledger records have an object to check, and what a
 * re-read object says about each (the ledger's SHA-256 and byte count are the reference; the
 * digest stamped on the object must agree with both).
 */

import type { FileRecord } from '../../ledger/records.js';
import { type FileFilter, matchesFilter } from '../filters.js';

/** One archived object the ledger vouches for. */
export interface VerifyTarget {
  cluster: string;
  instance: string;
  logFileName: string;
  /** For a content item: its stream and content id (how the ledger names it). */
  stream?: string;
  contentId?: string;
  hour: number;
  s3Key: string;
  /** The archived generation and what the ledger recorded for it. */
  generation: number;
  sha256: string;
  bytes: number;
  archivedAt?: number;
}

/** A file verify did not read, and why. */
export interface SkippedFile {
  instance: string;
  logFileName: string;
  contentId?: string;
  reason: string;
}

/** What re-reading an object gave. */
export type ObjectReading =
  | { kind: 'read'; sha256: string; bytes: number; recorded: { sha256?: string; bytes?: number } }
  | { kind: 'missing' }
  | { kind: 'unreadable'; error: string };

export type VerifyStatus = 'ok' | 'missing' | 'mismatch' | 'unreadable';

export interface VerifyFinding extends VerifyTarget {
  status: VerifyStatus;
  /** What disagrees, in words (empty when ok). */
  problems: string[];
  /** Found in the object, when it was read. */
  actual?: { sha256: string; bytes: number; recordedSha256?: string; recordedBytes?: number };
}

/**
 * The records with an archived object to check. A record being re-archived right now
 * (`archiving`, its object about to be replaced by a superset) is skipped, not misreported.
 */
export function verifyTargets(
  records: readonly FileRecord[],
  filter: FileFilter,
): { targets: VerifyTarget[]; skipped: SkippedFile[] } {
  const targets: VerifyTarget[] = [];
  const skipped: SkippedFile[] = [];
  for (const record of records) {
    if (!matchesFilter(record, filter)) continue;
    if (record.archivedSha256 === undefined || record.archivedBytes === undefined) continue;
    if (record.state === 'archiving') {
      skipped.push({
        instance: record.instance,
        logFileName: record.logFileName,
        ...(record.contentId !== undefined ? { contentId: record.contentId } : {}),
        reason: `generation ${record.generation} is being archived now`,
      });
      continue;
    }
    targets.push({
      cluster: record.cluster,
      instance: record.instance,
      logFileName: record.logFileName,
      ...(record.contentId !== undefined ? { stream: record.stream ?? '', contentId: record.contentId } : {}),
      hour: record.hour,
      s3Key: record.s3Key,
      generation: record.archivedGeneration ?? record.generation,
      sha256: record.archivedSha256,
      bytes: record.archivedBytes,
      ...(record.archivedAt !== undefined ? { archivedAt: record.archivedAt } : {}),
    });
  }
  return { targets, skipped };
}

/** Compares a re-read object with the ledger and with the digest stamped on the object. */
export function checkObject(target: VerifyTarget, reading: ObjectReading): VerifyFinding {
  if (reading.kind === 'missing') {
    return { ...target, status: 'missing', problems: [`no object at ${target.s3Key}`] };
  }
  if (reading.kind === 'unreadable') {
    return { ...target, status: 'unreadable', problems: [`cannot read as gzip: ${reading.error}`] };
  }
  const problems: string[] = [];
  if (reading.bytes !== target.bytes) {
    problems.push(`content is ${reading.bytes} bytes, ledger says ${target.bytes}`);
  }
  if (reading.sha256 !== target.sha256) {
    problems.push(`content sha256 ${short(reading.sha256)} != ledger ${short(target.sha256)}`);
  }
  // The stamp is absent on objects over 5 GiB (it needs a copy) and in 'none' mode: absence is fine.
  if (reading.recorded.sha256 !== undefined && reading.recorded.sha256 !== target.sha256) {
    problems.push(
      `object metadata sha256 ${short(reading.recorded.sha256)} != ledger ${short(target.sha256)}`,
    );
  }
  if (reading.recorded.bytes !== undefined && reading.recorded.bytes !== target.bytes) {
    problems.push(`object metadata says ${reading.recorded.bytes} bytes, ledger says ${target.bytes}`);
  }
  return {
    ...target,
    status: problems.length === 0 ? 'ok' : 'mismatch',
    problems,
    actual: {
      sha256: reading.sha256,
      bytes: reading.bytes,
      ...(reading.recorded.sha256 !== undefined ? { recordedSha256: reading.recorded.sha256 } : {}),
      ...(reading.recorded.bytes !== undefined ? { recordedBytes: reading.recorded.bytes } : {}),
    },
  };
}

function short(hex: string): string {
  return hex.slice(0, 12);
}
