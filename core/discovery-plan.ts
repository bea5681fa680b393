/**
 * The discoverer's decisions for one instance, as a pure function of what RDS lists now, what
 * the ledger knows, and the clock. The I/O around it (discover.ts) only carries the plan out.
 *
 * A steady-state run plans nothing: files that are unchanged, still settling, or in flight need
 * no write, and neither does a rotated file whose name shifted. Writes happen for new contents,
 * settled or grown ones, stranded work, contents gone from RDS, and nothing else. Each write is a
 * transition of the ledger's state machine (ledger/transitions.ts), and whether the ledger would
 * accept it (a lease expired, a lost mark older than the listing) is asked of that declaration,
 * not written again here.
 *
 * Names follow one of two models (core/log-streams.ts). A unique name (Aurora MySQL audit) is its
 * own identity, as it always was; if it ever lists smaller than the content recorded under it, or
 * its content was found to differ, it holds other content, which becomes a content item of its
 * own. A rotating family (RDS MySQL / MariaDB `server_audit.log`) is matched content by content
 * (`matchFamily`): each known content is found exactly, by continuation, or is gone; what is left
 * is new content.
 */

import { canApply } from './ledger/evaluate.js';
import type { FileRecord, FileState, Observation, Where } from './ledger/records.js';
import { keys, stateIndex, whereOf } from './ledger/records.js';
import type { TransitionStep } from './ledger/store.js';
import { fileHour, liveFileNames, logTypeOf, parseLogFileName } from './log-files.js';
import {
  type ContentLocation,
  compareContentIds,
  contentIdFor,
  type FamilyMatch,
  knownContent,
  matchFamily,
  nameModel,
} from './log-streams.js';
import type { KeyLayout } from './s3-keys.js';
import { objectKey, UnsafeKeyError } from './s3-keys.js';
import { hourStart } from './time.js';

export interface ListedFile {
  logFileName: string;
  size: number;
  lastWritten: number;
}

export interface PlanInput extends Where {
  /** The group: the DB cluster, or the instance when it is standalone. */
  cluster: string;
  instance: string;
  standalone?: boolean;
  /** Wanted files as listed now (already filtered to the configured log types). */
  listing: ListedFile[];
  /** How many files RDS listed before the log-type filter (default: the listing's length). */
  listedTotal?: number;
  /** The instance's active ledger files. */
  ledger: FileRecord[];
  /** The live files as the previous listing saw them (the heartbeat's `observed`). */
  observed?: Record<string, Observation>;
  /** The most rotated files each rotating family listed before (the heartbeat's `families`). */
  families?: Record<string, number>;
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

/** One name and what the ledger holds for it (unique names). */
interface UniqueName {
  file: ListedFile;
  /** The record the name's content is recorded under now, if any. */
  current: FileRecord | undefined;
  /** The name holds other content than `current`: a new content item. */
  replaced: boolean;
}

/** One rotating family: its listed entries, its contents, and how they match. */
interface Family {
  family: string;
  items: FileRecord[];
  match: FamilyMatch;
}

/** What the listing says about every name and record: shared by the plan and the observations. */
interface Assessment {
  unique: UniqueName[];
  families: Family[];
  /** Records neither listed nor located: gone from RDS (with the reason, when one is known). */
  absent: Array<{ record: FileRecord; reason?: string }>;
  live: Set<string>;
}

/** Aurora MySQL's dated hourly names (`<base>.YYYY-MM-DD.HH`). */
function isDatedHour(name: string): boolean {
  return parseLogFileName(name).kind === 'mysql-hourly';
}

/** Whether a record is a content item of a rotating family (its identity decisions need the lease). */
export function isFamilyContent(record: Pick<FileRecord, 'contentId' | 'stream'>): boolean {
  return record.contentId !== undefined && nameModel(record.stream ?? '').model === 'rotating';
}

/** The order of a name's records: the `F#` item first, then its content items by content id. */
function newestOf(records: FileRecord[]): FileRecord | undefined {
  return [...records].sort((a, b) => {
    if (a.contentId === undefined) return -1;
    if (b.contentId === undefined) return 1;
    return compareContentIds(a.contentId, b.contentId);
  })[records.length - 1];
}

function assess(input: PlanInput): Assessment {
  const uniqueListed: ListedFile[] = [];
  const familyEntries = new Map<string, ListedFile[]>();
  // A name the ledger already tracks by name (`F#`) keeps that identity: Aurora MySQL's dated
  // hourly names were unique before they joined their live name's family, and re-identifying them
  // would archive their content a second time under another key.
  const trackedByName = new Set(
    input.ledger.filter((record) => record.contentId === undefined).map((record) => record.logFileName),
  );
  for (const file of input.listing) {
    const model = nameModel(file.logFileName);
    if (model.model === 'unique' || (isDatedHour(file.logFileName) && trackedByName.has(file.logFileName)))
      uniqueListed.push(file);
    else familyEntries.set(model.family, [...(familyEntries.get(model.family) ?? []), file]);
  }
  const byName = new Map<string, FileRecord[]>();
  const byFamily = new Map<string, FileRecord[]>();
  for (const record of input.ledger) {
    if (isFamilyContent(record)) {
      const family = record.stream ?? '';
      byFamily.set(family, [...(byFamily.get(family) ?? []), record]);
      continue;
    }
    // A unique name's records: its `F#` item, and content items of later contents of the name.
    const name = record.contentId === undefined ? record.logFileName : (record.stream ?? record.logFileName);
    byName.set(name, [...(byName.get(name) ?? []), record]);
  }

  const absent: Assessment['absent'] = [];
  const unique: UniqueName[] = [];
  const listedNames = new Set<string>();
  for (const file of uniqueListed) {
    listedNames.add(file.logFileName);
    const records = byName.get(file.logFileName) ?? [];
    const newest = newestOf(records);
    // A name listing fewer bytes than its content had, or whose content was found to differ,
    // holds other content now. (Unique names only ever grow: Aurora appends, never truncates.)
    const replaced =
      newest !== undefined &&
      (newest.divergedAt !== undefined || file.size < Math.max(newest.listedSize, newest.archivedBytes ?? 0));
    unique.push({ file, current: replaced ? undefined : newest, replaced });
    for (const record of records) {
      if (record === newest && !replaced) continue;
      absent.push({
        record,
        ...(record === newest
          ? { reason: `its name now holds other content (${file.size} B listed)` }
          : { reason: 'its name holds a later content' }),
      });
    }
  }
  for (const [name, records] of byName) {
    if (!listedNames.has(name)) for (const record of records) absent.push({ record });
  }

  const families: Family[] = [];
  for (const family of new Set([...familyEntries.keys(), ...byFamily.keys()])) {
    const items = byFamily.get(family) ?? [];
    const match = matchFamily({
      family,
      entries: familyEntries.get(family) ?? [],
      contents: items.map(knownContent),
      capacity: input.families?.[family] ?? 0,
    });
    families.push({ family, items, match });
  }

  const live = new Set([
    ...liveFileNames(uniqueListed.map((file) => file.logFileName)),
    ...[...familyEntries.keys()].filter((family) =>
      familyEntries.get(family)?.some((file) => file.logFileName === family),
    ),
  ]);
  return { unique, families, absent, live };
}

/** The actions of one discovery pass over one instance. */
export function planInstance(input: PlanInput): PlannedAction[] {
  const { now } = input;
  const actions: PlannedAction[] = [];
  const assessment = assess(input);
  const ready = (file: ListedFile) =>
    !assessment.live.has(file.logFileName) || isQuiet(file, input.observed?.[file.logFileName], input);
  // An empty listing has been seen transiently on AWS: it never means every file is gone. (A listing
  // with other log types but none of the wanted ones is real: those files did go.)
  const trustAbsence = (input.listedTotal ?? input.listing.length) > 0;

  for (const { file, current, replaced } of assessment.unique) {
    if (!current) {
      const taken = (id: string) =>
        input.ledger.some((r) => r.stream === file.logFileName && r.contentId === id);
      create(actions, input, file, ready(file), replaced ? { stream: file.logFileName, taken } : undefined);
      continue;
    }
    const action = planListed(current, file, ready(file), input);
    if (action) actions.push(action);
    else if (current.missingListings > 0) {
      actions.push(step(current, false, { transition: 'markPresent', args: common(current, now) }));
    }
  }

  for (const { family, items, match } of assessment.families) {
    const usedIds = new Set<string>();
    const taken = (id: string) => usedIds.has(id) || items.some((r) => r.contentId === id);
    const newContent = (entry: ListedFile, state: 'seen' | 'queued'): FileRecord => {
      const record = contentRecord(input, entry, family, state, taken);
      usedIds.add(record.contentId ?? '');
      actions.push({ kind: 'create', record, enqueue: state === 'queued' });
      return record;
    };
    const handled = new Set<ListedFile>();
    for (const record of items) {
      const location = match.locations.get(record.contentId ?? '');
      if (location?.kind === 'found') {
        const action = planListed(record, location.entry, ready(location.entry), input);
        if (action) actions.push(action);
        else if (record.missingListings > 0) {
          actions.push(step(record, false, { transition: 'markPresent', args: common(record, now) }));
        }
      } else if (location?.kind === 'ambiguous') {
        handled.add(location.entry);
        const args = { ...common(record, now), missingListings: record.missingListings };
        // An archiver holding it decides the same way; until then nobody claims the candidate.
        if (!trustAbsence || !canApply(record, 'markGone', { ...args, reason: '' })) continue;
        const candidate = newContent(location.entry, 'queued');
        const reason = `${location.reason}; that file is archived as its own content (${candidate.s3Key})`;
        actions.push(step(record, false, { transition: 'markGone', args: { ...args, reason } }, reason));
      } else if (trustAbsence) {
        absentAction(actions, record, location, now);
      }
    }
    for (const entry of match.fresh) {
      if (!handled.has(entry)) newContent(entry, ready(entry) ? 'queued' : 'seen');
    }
  }

  if (trustAbsence) {
    for (const { record, reason } of assessment.absent) absentAction(actions, record, undefined, now, reason);
  }
  return actions;
}

/** Whether carrying out these actions needs the instance's discovery lease (see `isFamilyContent`). */
export function needsLease(actions: readonly PlannedAction[]): boolean {
  return actions.some((action) => {
    if (action.kind === 'create') return isFamilyContent(action.record);
    if (action.kind === 'reject') return false;
    return isFamilyContent(action.file);
  });
}

/** A record RDS no longer lists (or a content located nowhere): retired, counted missing, or lost. */
function absentAction(
  actions: PlannedAction[],
  record: FileRecord,
  location: ContentLocation | undefined,
  now: number,
  why?: string,
): void {
  if (record.state === 'archived' || record.state === 'lost') {
    actions.push({ kind: 'retire', file: record });
    return;
  }
  const counted = { ...common(record, now), missingListings: record.missingListings };
  // An archiver holding a live lease will find out itself whether the file is still there.
  if (!canApply(record, 'markMissing', counted)) return;
  if (record.missingListings + 1 >= LOST_AFTER_MISSING_LISTINGS) {
    const detail = location?.kind === 'gone' ? location.reason : why;
    const reason =
      `gone from ${LOST_AFTER_MISSING_LISTINGS} consecutive RDS listings before it was archived ` +
      `(last listed size ${record.listedSize} B)${detail ? `: ${detail}` : ''}`;
    actions.push(step(record, false, { transition: 'markGone', args: { ...counted, reason } }, reason));
  } else {
    actions.push(step(record, false, { transition: 'markMissing', args: counted }));
  }
}

/** Plans a new file (unique name) or a new content of a unique name, or reports a key it cannot make. */
function create(
  actions: PlannedAction[],
  input: PlanInput,
  file: ListedFile,
  ready: boolean,
  content: { stream: string; taken: (id: string) => boolean } | undefined,
): void {
  const state = ready ? 'queued' : 'seen';
  try {
    const record = content
      ? contentRecord(input, file, content.stream, state, content.taken)
      : newRecord(input, file, state);
    actions.push({ kind: 'create', record, enqueue: ready });
  } catch (error) {
    if (!(error instanceof UnsafeKeyError)) throw error;
    actions.push({ kind: 'reject', logFileName: file.logFileName, reason: error.message });
  }
}

/**
 * What the discoverer remembers of the live files for the next pass: size, LastWritten, and since
 * when (its own clock) it has seen them unchanged. Only for files whose readiness a later pass
 * decides (not recorded yet, waiting, archived or lost): queued and in-flight work needs none.
 */
export function observeLiveFiles(
  input: Pick<PlanInput, 'listing' | 'ledger' | 'observed' | 'listedAt' | 'now' | 'families'>,
): Record<string, Observation> {
  const assessment = assess({
    ...input,
    cluster: '',
    instance: '',
    settleMs: 0,
    sweepAfterMs: 0,
    keyLayout: 'seed',
    keyPrefix: '',
  });
  const states = new Map<string, FileState | undefined>();
  for (const { file, current } of assessment.unique) states.set(file.logFileName, current?.state);
  for (const { items, match } of assessment.families) {
    for (const record of items) {
      const location = match.locations.get(record.contentId ?? '');
      if (location?.kind === 'found' && location.live) states.set(location.entry.logFileName, record.state);
    }
  }
  const observed: Record<string, Observation> = {};
  for (const file of input.listing) {
    const state = states.get(file.logFileName);
    if (
      !assessment.live.has(file.logFileName) ||
      state === 'queued' ||
      state === 'archiving' ||
      state === 'failed'
    )
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

/** A record whose content is listed as `file` (by its name, or located in its family). */
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
      // The content grew after it was archived: archive it again as the next generation (same key;
      // the archiver checks that the new bytes start with the archived ones).
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

/** The fields every new record shares; `key` says which file or content it is. */
function baseRecord(
  input: PlanInput,
  file: ListedFile,
  state: 'seen' | 'queued',
  key: { logFileName: string; stream?: string; contentId?: string },
  hour: number,
  s3Key: string,
): FileRecord {
  const logType = logTypeOf(file.logFileName);
  const fileKey = { ...whereOf(input), instance: input.instance, ...key };
  return {
    pk: keys.activePk(input.instance, input),
    sk: keys.fileSk(fileKey),
    ...whereOf(input),
    cluster: input.cluster,
    instance: input.instance,
    ...(input.standalone ? { standalone: true as const } : {}),
    ...key,
    logType,
    hour,
    s3Key,
    generation: 1,
    state,
    listedSize: file.size,
    lastWritten: file.lastWritten,
    firstSeenAt: input.now,
    stateSince: input.now,
    updatedAt: input.now,
    missingListings: 0,
    attempts: 0,
    ...stateIndex(state, input.now, fileKey),
    gsi2pk: keys.clusterTypePk(input.cluster, logType, input),
    gsi2sk: keys.clusterHourSk(hour, fileKey),
  };
}

/** A unique name's record (`F#<name>`), keyed by the name (the seed layout). */
function newRecord(input: PlanInput, file: ListedFile, state: 'seen' | 'queued'): FileRecord {
  const hour = fileHour(file.logFileName, file.lastWritten);
  const s3Key = objectKey({
    layout: input.keyLayout,
    prefix: input.keyPrefix,
    ...whereOf(input),
    cluster: input.cluster,
    instance: input.instance,
    logFileName: file.logFileName,
    hour,
  });
  return baseRecord(input, file, state, { logFileName: file.logFileName }, hour, s3Key);
}

/**
 * A content item (`C#<stream>#<contentId>`): the content id and the hour come from its first
 * LastWritten, and so does the object key: nothing of it depends on the name, which may shift.
 */
function contentRecord(
  input: PlanInput,
  file: ListedFile,
  stream: string,
  state: 'seen' | 'queued',
  taken: (id: string) => boolean,
): FileRecord {
  const contentId = contentIdFor(file.lastWritten, taken);
  const hour = hourStart(file.lastWritten);
  const s3Key = objectKey({
    layout: input.keyLayout,
    prefix: input.keyPrefix,
    ...whereOf(input),
    cluster: input.cluster,
    instance: input.instance,
    logFileName: file.logFileName,
    hour,
    content: { stream, contentId },
  });
  return baseRecord(input, file, state, { logFileName: file.logFileName, stream, contentId }, hour, s3Key);
}
