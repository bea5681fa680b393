/**
 * The discoverer's decisions for one instance, as a pure function of what RDS lists now, what
 * the ledger knows, and the clock. The I/O around it (discover.ts) only carries the plan out.
 *
 * A steady-state run plans nothing: files that are unchanged, still settling, or in flight need
 * no write. Writes happen for new files, settled or grown files, stranded work, files gone from
 * RDS, and nothing else.
 */

import type { FileRecord, FileState } from './ledger/records.js';
import { keys, stateIndex } from './ledger/records.js';
import { fileHour, liveFileNames, logTypeOf } from './log-files.js';
import type { KeyLayout } from './s3-keys.js';
import { objectKey, UnsafeKeyError } from './s3-keys.js';

export interface ListedFile {
  logFileName: string;
  size: number;
  lastWritten: number;
}

export interface PlanInput {
  cluster: string;
  instance: string;
  /** Wanted files as listed now (already filtered to the configured log types). */
  listing: ListedFile[];
  /** How many files RDS listed before the log-type filter (default: the listing's length). */
  listedTotal?: number;
  /** The instance's active ledger files. */
  ledger: FileRecord[];
  now: number;
  settleMs: number;
  sweepAfterMs: number;
  keyLayout: KeyLayout;
  keyPrefix: string;
}

export type PlannedAction =
  | { kind: 'create'; record: FileRecord; enqueue: boolean }
  | {
      kind: 'advance';
      file: FileRecord;
      from: FileState[];
      to: 'seen' | 'queued';
      nextGeneration: boolean;
      listed: ListedFile;
      enqueue: boolean;
    }
  | { kind: 'rearm'; file: FileRecord; reason: string }
  | { kind: 'present'; file: FileRecord }
  | { kind: 'missing'; file: FileRecord }
  | { kind: 'lost'; file: FileRecord; reason: string }
  | { kind: 'retire'; file: FileRecord }
  /** A file no safe object key can be made for: reported every pass, never silently skipped. */
  | { kind: 'reject'; logFileName: string; reason: string };

/** Listings in which a file must be absent before it is declared lost (one could be a glitch). */
export const LOST_AFTER_MISSING_LISTINGS = 2;

export function planInstance(input: PlanInput): PlannedAction[] {
  const { listing, now } = input;
  const actions: PlannedAction[] = [];
  const live = liveFileNames(listing.map((file) => file.logFileName));
  const known = new Map(input.ledger.map((record) => [record.logFileName, record]));
  const listed = new Set<string>();

  for (const file of listing) {
    listed.add(file.logFileName);
    // Rotated files are final; a live one is archived once it has been quiet for the settle period.
    const ready = !live.has(file.logFileName) || now - file.lastWritten >= input.settleMs;
    const record = known.get(file.logFileName);
    if (!record) {
      try {
        actions.push({
          kind: 'create',
          record: newRecord(input, file, ready ? 'queued' : 'seen'),
          enqueue: ready,
        });
      } catch (error) {
        if (!(error instanceof UnsafeKeyError)) throw error;
        actions.push({ kind: 'reject', logFileName: file.logFileName, reason: error.message });
      }
      continue;
    }
    const action = planListed(record, file, ready, input);
    if (action) actions.push(action);
    else if (record.missingListings > 0) actions.push({ kind: 'present', file: record });
  }

  // An empty listing has been seen transiently on AWS: it never means every file is gone. (A listing
  // with other log types but none of the wanted ones is real: those files did go.)
  if ((input.listedTotal ?? listing.length) === 0) return actions;
  for (const record of input.ledger) {
    if (listed.has(record.logFileName)) continue;
    if (record.state === 'archived' || record.state === 'lost') {
      actions.push({ kind: 'retire', file: record });
    } else if (record.state === 'archiving' && (record.leaseUntil ?? 0) >= now) {
      // Someone is downloading it right now and will find out whether it is still there.
    } else if (record.missingListings + 1 >= LOST_AFTER_MISSING_LISTINGS) {
      actions.push({
        kind: 'lost',
        file: record,
        reason: `gone from ${LOST_AFTER_MISSING_LISTINGS} consecutive RDS listings before it was archived (last listed size ${record.listedSize} B)`,
      });
    } else {
      actions.push({ kind: 'missing', file: record });
    }
  }
  return actions;
}

function planListed(
  record: FileRecord,
  file: ListedFile,
  ready: boolean,
  input: PlanInput,
): PlannedAction | undefined {
  const to = ready ? 'queued' : 'seen';
  switch (record.state) {
    case 'seen':
      return ready
        ? {
            kind: 'advance',
            file: record,
            from: ['seen'],
            to,
            nextGeneration: false,
            listed: file,
            enqueue: true,
          }
        : undefined;
    case 'archived':
      // The file grew after it was archived: archive it again as the next generation (same key).
      if (file.size > (record.archivedBytes ?? record.listedSize)) {
        return {
          kind: 'advance',
          file: record,
          from: ['archived'],
          to,
          nextGeneration: true,
          listed: file,
          enqueue: ready,
        };
      }
      return undefined;
    case 'lost':
      // Listed again after being declared lost: it is here after all, so archive it.
      return {
        kind: 'advance',
        file: record,
        from: ['lost'],
        to,
        nextGeneration: true,
        listed: file,
        enqueue: ready,
      };
    case 'queued':
      return input.now - record.stateSince > input.sweepAfterMs
        ? { kind: 'rearm', file: record, reason: 'queued without progress' }
        : undefined;
    case 'archiving':
      return (record.leaseUntil ?? 0) < input.now && input.now - record.stateSince > input.sweepAfterMs
        ? { kind: 'rearm', file: record, reason: 'archiving lease expired' }
        : undefined;
    case 'failed':
      // Waits in the DLQ for an operator's redrive.
      return undefined;
  }
}

function newRecord(input: PlanInput, file: ListedFile, state: 'seen' | 'queued'): FileRecord {
  const hour = fileHour(file.logFileName, file.lastWritten);
  const logType = logTypeOf(file.logFileName);
  return {
    pk: keys.activePk(input.instance),
    sk: keys.fileSk(file.logFileName),
    cluster: input.cluster,
    instance: input.instance,
    logFileName: file.logFileName,
    logType,
    hour,
    s3Key: objectKey({
      layout: input.keyLayout,
      prefix: input.keyPrefix,
      cluster: input.cluster,
      instance: input.instance,
      logFileName: file.logFileName,
      hour,
    }),
    generation: 1,
    state,
    listedSize: file.size,
    lastWritten: file.lastWritten,
    firstSeenAt: input.now,
    stateSince: input.now,
    updatedAt: input.now,
    missingListings: 0,
    attempts: 0,
    ...stateIndex(state, input.now, input.instance, file.logFileName),
    gsi2pk: keys.clusterTypePk(input.cluster, logType),
    gsi2sk: keys.clusterHourSk(hour, input.instance, file.logFileName),
  };
}
