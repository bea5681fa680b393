/** The failures report as a pure function: failed and lost files, newest trouble last. */

import type { FileRecord } from '../../ledger/records.js';
import { type FileFilter, matchesFilter } from '../filters.js';

export interface FailureRow {
  state: 'failed' | 'lost';
  /** The group: the DB cluster, or the instance itself when `standalone`. */
  cluster: string;
  instance: string;
  standalone?: true;
  /** The name (for a content item, the name it had when first seen). */
  logFileName: string;
  /** For a content item: its stream and content id (core/log-streams.ts). */
  stream?: string;
  contentId?: string;
  generation: number;
  attempts: number;
  /** When it entered this state. */
  since: number;
  lastError?: string;
  s3Key: string;
  listedSize: number;
  /** An older generation of the file is archived (only the newest bytes are missing). */
  archivedGeneration?: number;
}

/** Rows for the failed and lost records that pass the filter, oldest first. */
export function failureRows(records: readonly FileRecord[], filter: FileFilter): FailureRow[] {
  return records
    .filter(
      (record) => (record.state === 'failed' || record.state === 'lost') && matchesFilter(record, filter),
    )
    .map(
      (record): FailureRow => ({
        state: record.state as 'failed' | 'lost',
        cluster: record.cluster,
        instance: record.instance,
        ...(record.standalone ? { standalone: true as const } : {}),
        logFileName: record.logFileName,
        ...(record.contentId !== undefined
          ? { stream: record.stream ?? '', contentId: record.contentId }
          : {}),
        generation: record.generation,
        attempts: record.attempts,
        since: record.stateSince,
        ...((record.lastError ?? record.lostReason) !== undefined
          ? { lastError: record.lastError ?? record.lostReason }
          : {}),
        s3Key: record.s3Key,
        listedSize: record.listedSize,
        ...(record.archivedGeneration !== undefined ? { archivedGeneration: record.archivedGeneration } : {}),
      }),
    )
    .sort((a, b) => a.since - b.since || a.instance.localeCompare(b.instance));
}
