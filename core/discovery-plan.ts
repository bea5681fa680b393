/**
 * The discoverer's decisions for one instance, as a pure function of what RDS lists now, what
 * the ledger knows, and the clock. The I/O around it (discover.ts) only carries the plan out.
 *
 * A steady-state run plans nothing: files that are unchanged, still settling, or in flight need
 * no write. Writes happen for new files, settled or grown files, stranded work, files gone from
 * RDS, and nothing else. Each write is a transition of the ledger's state machine
 * (ledger/transitions.ts), and whether the ledger would accept it (a lease expired, a lost mark
 * older than the listing) is asked of that declaration, not written again here.
 */

import { canApply } from './ledger/evaluate.js';
import type { FileRecord, Observation } from './ledger/records.js';
import { keys, stateIndex } from './ledger/records.js';
import type { TransitionStep } from './ledger/store.js';
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
  /** The live files as the previous listing saw them (the heartbeat's `observed`). */
  observed?: Record<string, Observation>;
  /** When the listing was taken, before the ledger was read (default: `now`). */
  listedAt?: number;
  now: number;
  settleMs: number;
  sweepAfterMs: number;
  keyLayout: KeyLayout;
  keyPrefix: string;
}

/** The transitions the discoverer makes on existing records. */
export type DiscovererTransition =
  | 'settle'
  | 'grow'
  | 'revive'
  | 'rearm'
  | 'markPresent'
  | 'markMissing'
  | 'markGone';

/** A discoverer transition with its arguments. */
export type PlannedStep = Extract<TransitionStep, { transition: DiscovererTransition }>;

export type PlannedAction =
  | { kind: 'create'; record: FileRecord; enqueue: boolean }
  | ({
      kind: 'transition';
      file: FileRecord;
      /** Send the file's message once the write is accepted. */
      enqueue: boolean;
      /** Why, for the log (rearm and markGone). */
      reason?: string;
    } & PlannedStep)
  | { kind: 'retire'; file: FileRecord }
  /** A file no safe object key can be made for: reported every pass, never silently skipped. */
  | { kind: 'reject'; logFileName: string; reason: string };

/** Listings in which a file must be absent before it is declared lost (one could be a glitch). */
export const LOST_AFTER_MISSING_LISTINGS = 2;

/** The actions of one discovery pass over one instance. */
export function planInstance(input: PlanInput): PlannedAction[] {
  const { listing, now } = input;
  const actions: PlannedAction[] = [];
  const live = liveFileNames(listing.map((file) => file.logFileName));
  const known = new Map(input.ledger.map((record) => [record.logFileName, record]));
  const listed = new Set<string>();

  for (const file of listing) {
    listed.add(file.logFileName);
    const ready = !live.has(file.logFileName) || isQuiet(file, input.observed?.[file.logFileName], input);
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
    else if (record.missingListings > 0) {
      actions.push(step(record, false, { transition: 'markPresent', args: common(record, now) }));
    }
  }

  // An empty listing has been seen transiently on AWS: it never means every file is gone. (A listing
  // with other log types but none of the wanted ones is real: those files did go.)
  if ((input.listedTotal ?? listing.length) === 0) return actions;
  for (const record of input.ledger) {
    if (listed.has(record.logFileName)) continue;
    if (record.state === 'archived' || record.state === 'lost') {
      actions.push({ kind: 'retire', file: record });
      continue;
    }
    const counted = { ...common(record, now), missingListings: record.missingListings };
    // An archiver holding a live lease will find out itself whether the file is still there.
    if (!canApply(record, 'markMissing', counted)) continue;
    if (record.missingListings + 1 >= LOST_AFTER_MISSING_LISTINGS) {
      const reason = `gone from ${LOST_AFTER_MISSING_LISTINGS} consecutive RDS listings before it was archived (last listed size ${record.listedSize} B)`;
      actions.push(step(record, false, { transition: 'markGone', args: { ...counted, reason } }, reason));
    } else {
      actions.push(step(record, false, { transition: 'markMissing', args: counted }));
    }
  }
  return actions;
}

/**
 * What the discoverer remembers of the live files for the next pass: size, LastWritten, and since
 * when (its own clock) it has seen them unchanged. Only for files whose readiness a later pass
 * decides (not recorded yet, waiting, archived or lost): queued and in-flight work needs none.
 */
export function observeLiveFiles(
  input: Pick<PlanInput, 'listing' | 'ledger' | 'observed' | 'listedAt' | 'now'>,
): Record<string, Observation> {
  const live = liveFileNames(input.listing.map((file) => file.logFileName));
  const states = new Map(input.ledger.map((record) => [record.logFileName, record.state]));
  const observed: Record<string, Observation> = {};
  for (const file of input.listing) {
    const state = states.get(file.logFileName);
    if (!live.has(file.logFileName) || state === 'queued' || state === 'archiving' || state === 'failed')
      continue;
    observed[file.logFileName] = observe(file, input.observed?.[file.logFileName], input);
  }
  return observed;
}

function observe(
  file: ListedFile,
  previous: Observation | undefined,
  input: Pick<PlanInput, 'listedAt' | 'now'>,
): Observation {
  if (previous && previous.size === file.size && previous.lastWritten === file.lastWritten) return previous;
  return { size: file.size, lastWritten: file.lastWritten, since: input.listedAt ?? input.now };
}

/**
 * Whether a live file has been quiet for the settle period. Two clocks are involved: RDS's
 * LastWritten and ours. They can disagree (the simulator's runs ahead with `--speed`; a host's can
 * drift), so the rule that always holds is our own observation: size and LastWritten unchanged
 * across listings for the settle period, by our clock. RDS's LastWritten alone may also say so,
 * unless we saw the file change since the last listing (then it is being written, whatever the
 * clocks say).
 */
function isQuiet(file: ListedFile, previous: Observation | undefined, input: PlanInput): boolean {
  const seen = observe(file, previous, input);
  if (input.now - seen.since >= input.settleMs) return true;
  const changed = previous !== undefined && seen !== previous;
  return !changed && input.now - file.lastWritten >= input.settleMs;
}

function common(record: FileRecord, now: number) {
  return { generation: record.generation, now };
}

function step(
  file: FileRecord,
  enqueue: boolean,
  planned: PlannedStep,
  reason?: string,
): Extract<PlannedAction, { kind: 'transition' }> {
  return { kind: 'transition', file, enqueue, ...planned, ...(reason === undefined ? {} : { reason }) };
}

function planListed(
  record: FileRecord,
  file: ListedFile,
  ready: boolean,
  input: PlanInput,
): PlannedAction | undefined {
  const to = ready ? 'queued' : 'seen';
  const base = common(record, input.now);
  const figures = { listedSize: file.size, lastWritten: file.lastWritten };
  const stranded = input.now - record.stateSince > input.sweepAfterMs;
  switch (record.state) {
    case 'seen':
      return ready ? step(record, true, { transition: 'settle', args: { ...base, ...figures } }) : undefined;
    case 'archived':
      // The file grew after it was archived: archive it again as the next generation (same key).
      if (file.size > (record.archivedBytes ?? record.listedSize)) {
        return step(record, ready, { transition: 'grow', args: { ...base, ...figures, to } });
      }
      return undefined;
    case 'lost': {
      // Listed again after being declared lost: it is here after all, so archive it. Unless it was
      // marked lost after this listing was taken: then the listing is the older news.
      const args = { ...base, ...figures, to, listedAt: input.listedAt ?? input.now } as const;
      return canApply(record, 'revive', args)
        ? step(record, ready, { transition: 'revive', args })
        : undefined;
    }
    case 'queued':
      return stranded
        ? step(
            record,
            true,
            { transition: 'rearm', args: { ...base, since: record.stateSince } },
            'queued without progress',
          )
        : undefined;
    case 'archiving': {
      const args = { ...base, since: record.stateSince };
      return stranded && canApply(record, 'rearm', args)
        ? step(record, true, { transition: 'rearm', args }, 'archiving lease expired')
        : undefined;
    }
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
