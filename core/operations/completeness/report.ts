/**
 * The completeness report as a pure function of ledger facts: per instance and hour, what was
 * seen, archived, pending, failed and lost, where listing coverage has holes, and the verdict.
 *
 * Decisions (also in the README's Operations section):
 * - A file counts in the hour of its name's timestamp (the hour its object key uses) and in exactly
 *   one of archived / pending / failed / lost, by the state of its CURRENT generation. A content of
 *   a rotating family (core/log-streams.ts) counts once, in the hour of its first LastWritten,
 *   however often its name shifted: the report counts contents, not names. A file whose
 *   current generation is pending while an older one is archived counts as pending and is also
 *   counted as `growing`: its object in S3 lacks the newest bytes, so the hour is not complete yet.
 * - Coverage holes are periods in which files may have come and gone unseen:
 *   `never-listed` (before what the instance's first listing could still see: its time minus the
 *   retention), `gap` (the unseen part of a gap between two listings longer than the retention:
 *   from the first listing to the second minus the retention), `ongoing-gap` (not listed for
 *   longer than the retention, up to now). A listing sees every file written within the retention
 *   before it. The retention is the report's log type's on the instance's engine, as the
 *   discoverer recorded it with each listing (core/retention.ts: PostgreSQL 3 days, Aurora MySQL's
 *   error log 30 days, ...; bounded by ARCHIVER_RETENTION_HOURS); a record from before engines
 *   were recorded gives its one retention to every log type, as before. AWS deletes sooner under
 *   storage pressure: its events of that are `rds-deleted` holes.
 * - `not-yet-listed`: the window reaches past the instance's last listing (within the retention).
 *   Files written since then are not known yet, so such a window cannot be called complete.
 * - Objects: each file counted as archived is looked for in S3 (one listing per instance-hour
 *   prefix; rules in object-presence.ts). A missing or replaced object counts in its hour as
 *   `missingObjects` and keeps the window from being complete. With `--ledger-only` (no listing
 *   given) the report says that S3 was not asked: its verdict is the ledger's view.
 * - COMPLETE means: at least one instance known, every file archived, every archived object in S3
 *   as written (when S3 was asked), and no hole of any kind.
 */

import type {
  DeletionEventRecord,
  FileRecord,
  FileState,
  InstanceMeta,
  ListingGap,
} from '../../ledger/records.js';
import type { LogType } from '../../log-types.js';
import { retentionFor } from '../../retention.js';
import { formatDuration, formatInstant, HOUR_MS, hoursOf, overlaps } from '../../time.js';
import { checkObjects, type ObjectListing, type ObjectsCheck } from './object-presence.js';

/** What one instance-hour (or a total) holds. */
export interface FileCounts {
  /** Files seen (every state). */
  files: number;
  archived: number;
  /** Source bytes of the archived files (their current generation). */
  archivedBytes: number;
  /** seen, queued or archiving. */
  pending: number;
  /** Pending files of which an older generation is archived (a subset of `pending`). */
  growing: number;
  failed: number;
  lost: number;
  /** Archived files whose object is missing from S3 or replaced (0 when S3 was not asked). */
  missingObjects: number;
}

export type HoleKind = 'never-listed' | 'gap' | 'ongoing-gap' | 'not-yet-listed' | 'rds-deleted';

/** RDS's own word that a file was deleted before it was published (an `rds-deleted` hole). */
export interface DeletionEvidenceShown {
  /** When RDS dated the event. */
  date: number;
  message: string;
  file?: string;
  reason: 'retention' | 'storage' | 'unknown';
}

/** A period of an instance, clipped to the window, in which files may be missing from the ledger. */
export interface CoverageHole {
  instance: string;
  kind: HoleKind;
  from: number;
  to: number;
  /** The unclipped listing gap, for `gap` and `ongoing-gap`. */
  gapFrom?: number;
  gapTo?: number;
  retentionMs?: number;
  /** For `never-listed`: the first listing, if there was one. */
  firstListedAt?: number;
  /** For `rds-deleted`: the RDS event (RDS-EVENT-0610 / 0611) that is the evidence. */
  evidence?: DeletionEvidenceShown;
  detail: string;
}

/** How an instance-hour looks at a glance (the grid's cell), worst first. */
export type CellState =
  | 'lost'
  | 'missing'
  | 'failed'
  | 'hole'
  | 'pending'
  | 'unlisted'
  | 'archived'
  | 'empty';

export interface InstanceHour extends FileCounts {
  hour: number;
  /** Kinds of coverage hole touching this hour. */
  holes: HoleKind[];
  cell: CellState;
}

export interface InstanceCompleteness {
  instance: string;
  firstListedAt?: number;
  lastListedAt?: number;
  /** The retention of the report's log type on this instance, as its last listing recorded it. */
  retentionMs?: number;
  /**
   * Where `retentionMs` comes from: `log-type` (the engine's declared retention for this log type,
   * bounded by ARCHIVER_RETENTION_HOURS) or `instance` (the instance's one retention: a record from
   * before engines were recorded, or an engine that writes no such log or whose logs are not
   * declared: ARCHIVER_RETENTION_HOURS, else 24 hours).
   */
  retentionBasis?: 'log-type' | 'instance';
  /** The engine, as RDS names it, when the listing recorded it. */
  engine?: string;
  totals: FileCounts;
  hours: InstanceHour[];
}

/** A file that keeps the window from being complete. */
export interface UnfinishedFile {
  instance: string;
  hour: number;
  logFileName: string;
  /** For a content item: which content (its name may have changed since; core/log-streams.ts). */
  contentId?: string;
  state: FileState;
  generation: number;
  growing: boolean;
  since: number;
  lastError?: string;
}

/**
 * The hourly digest chain's state over a report's window (core/digests/chain-status.ts): whether
 * each hour's digest is there and linked to the one before by its exact SHA-256, as
 * `verify --digests --chain-only` establishes it. The objects' bytes are `verify --digests`'s
 * business, not the report's. A report without it says that the chain was not checked (no
 * ARCHIVER_BUCKET, or the check could not run), never guesses a status.
 */
export interface DigestChainStatus {
  /**
   * `intact`: every hour of the window has its digest, each linked to the one before; `broken`: a
   * digest is missing, unlinked, out of place or invalid (see `problems`); `incomplete`: some
   * hours have no digest yet (too recent) or lie before the chain's start, the rest are intact;
   * `absent`: no digest in or next to the window (no digester, or another key prefix).
   */
  status: 'intact' | 'broken' | 'incomplete' | 'absent';
  /** When the chain was checked (epoch ms). */
  checkedAt: number;
  /** Hours whose digest was found and checked. */
  hoursChecked: number;
  /** What is wrong, per hour (empty when intact). */
  problems: { hour: number; detail: string }[];
}

export interface CompletenessReport {
  /** The group: the DB cluster, or the instance itself when `standalone`. */
  cluster: string;
  /** The group is a standalone instance (no DB cluster). */
  standalone?: true;
  logType: string;
  instanceFilter?: string;
  from: number;
  to: number;
  generatedAt: number;
  hours: number[];
  instances: InstanceCompleteness[];
  holes: CoverageHole[];
  unfinished: UnfinishedFile[];
  totals: FileCounts;
  verdict: { complete: boolean; reasons: string[] };
  /** Whether the archived objects are in S3 as written, or that S3 was not asked (`--ledger-only`). */
  objects: ObjectsCheck;
  /** The digest chain over the window, when it was checked (see DigestChainStatus). */
  digestChain?: DigestChainStatus;
}

export interface CompletenessInput {
  cluster: string;
  logType: string;
  /** Window [from, to), epoch ms; hours are whole UTC hours from floor(from). */
  from: number;
  to: number;
  now: number;
  /** Only this instance. */
  instance?: string;
  /** Heartbeats (any cluster: those of `cluster` are kept). */
  instances: InstanceMeta[];
  /** Files of the cluster and log type in the window's hours. */
  files: FileRecord[];
  /** Listing gaps of the cluster (any time: those overlapping the window are kept). */
  gaps: ListingGap[];
  /** The listing of the archived files' prefixes; absent: S3 was not asked (`--ledger-only`). */
  objects?: ObjectListing;
  /** RDS deletion events of the cluster in the window's hours (core/deletion-events.ts). */
  deletions?: DeletionEventRecord[];
}

const PENDING: readonly FileState[] = ['seen', 'queued', 'archiving'];

export function emptyCounts(): FileCounts {
  return {
    files: 0,
    archived: 0,
    archivedBytes: 0,
    pending: 0,
    growing: 0,
    failed: 0,
    lost: 0,
    missingObjects: 0,
  };
}

function add(into: FileCounts, from: FileCounts): void {
  for (const key of Object.keys(into) as (keyof FileCounts)[]) into[key] += from[key];
}

/** Whether the file's current generation is pending while an older one is archived. */
export function isGrowing(file: FileRecord): boolean {
  return PENDING.includes(file.state) && file.archivedGeneration !== undefined;
}

/** Adds one file to the counts of its hour. */
export function countFile(counts: FileCounts, file: FileRecord): void {
  counts.files += 1;
  if (file.state === 'archived') {
    counts.archived += 1;
    counts.archivedBytes += file.archivedBytes ?? 0;
  } else if (file.state === 'failed') counts.failed += 1;
  else if (file.state === 'lost') counts.lost += 1;
  else {
    counts.pending += 1;
    if (isGrowing(file)) counts.growing += 1;
  }
}

/**
 * Holes RDS itself reports: a log file of the instance deleted before it was published. An event
 * naming a file the ledger holds as archived is no hole (on AWS "published" means sent to
 * CloudWatch Logs, which an archived file need not have been). One naming no file, or a file the
 * ledger never saw or did not archive, is: the whole hour of the file (or of the event).
 */
export function deletionHoles(
  instance: string,
  events: readonly DeletionEventRecord[],
  files: readonly FileRecord[],
  window: { from: number; to: number; logType: string },
): CoverageHole[] {
  const archived = new Set(
    files
      .filter((file) => file.instance === instance && file.state === 'archived')
      .flatMap((file) => [file.logFileName, ...(file.archivedName !== undefined ? [file.archivedName] : [])]),
  );
  return events
    .filter(
      (event) =>
        event.instance === instance &&
        (event.logType === undefined || event.logType === window.logType) &&
        !(event.file !== undefined && archived.has(event.file)) &&
        overlaps(event.hour, event.hour + HOUR_MS, window.from, window.to),
    )
    .sort((a, b) => a.hour - b.hour || a.date - b.date)
    .map((event) => ({
      instance,
      kind: 'rds-deleted' as const,
      from: Math.max(event.hour, window.from),
      to: Math.min(event.hour + HOUR_MS, window.to),
      evidence: {
        date: event.date,
        message: event.message,
        ...(event.file !== undefined ? { file: event.file } : {}),
        reason: event.reason,
      },
      detail: `RDS deleted ${event.file ?? 'a log file'} before it was archived (${event.reason}): RDS event of ${formatInstant(event.date)}: "${event.message}"`,
    }));
}

/**
 * Coverage holes of one instance within [from, to), judged by the retention of `window.logType`
 * each record was made under (core/retention.ts; without a log type, each record's shortest).
 * `meta` undefined: never listed at all.
 */
export function coverageHoles(
  instance: string,
  meta: InstanceMeta | undefined,
  gaps: readonly ListingGap[],
  window: { from: number; to: number; now: number; logType?: string },
): CoverageHole[] {
  const { from, to, now } = window;
  const retentionOf = (record: InstanceMeta | ListingGap) =>
    window.logType === undefined ? record.retentionMs : retentionFor(record, window.logType);
  const clip = (a: number, b: number) => ({ from: Math.max(a, from), to: Math.min(b, to) });
  if (!meta) {
    return [{ instance, kind: 'never-listed', from, to, detail: `${instance} has never been listed` }];
  }
  const holes: CoverageHole[] = [];
  // A listing sees every file RDS still retains, i.e. every file last written within the retention
  // before it. So the first listing covers the retention period before it, and after a gap longer
  // than the retention only its first part went unseen. (The retention is the shortest RDS
  // documents, bounded by ARCHIVER_RETENTION_HOURS; what AWS deletes sooner under storage
  // pressure it reports itself: `rds-deleted`.)
  const retentionMs = retentionOf(meta);
  const coveredFrom = meta.firstListedAt - retentionMs;
  if (coveredFrom > from) {
    holes.push({
      instance,
      kind: 'never-listed',
      ...clip(from, coveredFrom),
      firstListedAt: meta.firstListedAt,
      detail: `first listed ${formatInstant(meta.firstListedAt)}: files gone before ${formatInstant(coveredFrom)} were never seen`,
    });
  }
  for (const gap of gaps) {
    // A gap is recorded when it outlasts the instance's shortest retention; this log type's may
    // be longer, and then the next listing still saw everything the gap hid.
    const gapRetention = retentionOf(gap);
    const unseenTo = gap.to - gapRetention;
    if (gap.instance !== instance || unseenTo <= gap.from || !overlaps(gap.from, unseenTo, from, to))
      continue;
    holes.push({
      instance,
      kind: 'gap',
      ...clip(gap.from, unseenTo),
      gapFrom: gap.from,
      gapTo: gap.to,
      retentionMs: gapRetention,
      detail: `not listed from ${formatInstant(gap.from)} to ${formatInstant(gap.to)} (${formatDuration(gap.to - gap.from)} > ${formatDuration(gapRetention)} retention)`,
    });
  }
  if (meta.lastListedAt < to) {
    const ongoing = now - meta.lastListedAt > retentionMs;
    holes.push({
      instance,
      ...clip(meta.lastListedAt, to),
      ...(ongoing
        ? {
            kind: 'ongoing-gap' as const,
            gapFrom: meta.lastListedAt,
            gapTo: now,
            retentionMs,
            detail: `not listed since ${formatInstant(meta.lastListedAt)} (${formatDuration(now - meta.lastListedAt)} > ${formatDuration(retentionMs)} retention)`,
          }
        : {
            kind: 'not-yet-listed' as const,
            detail: `last listed ${formatInstant(meta.lastListedAt)}, before the window ends: later files are not known yet`,
          }),
    });
  }
  return holes.filter((hole) => hole.to > hole.from);
}

const CELL_ORDER: readonly CellState[] = [
  'lost',
  'missing',
  'failed',
  'hole',
  'pending',
  'unlisted',
  'archived',
  'empty',
];

/** The worst thing in an instance-hour decides its cell. */
export function cellOf(counts: FileCounts, holes: readonly HoleKind[]): CellState {
  const states: CellState[] = [];
  if (counts.lost > 0) states.push('lost');
  if (counts.missingObjects > 0) states.push('missing');
  if (counts.failed > 0) states.push('failed');
  if (holes.some((kind) => kind !== 'not-yet-listed')) states.push('hole');
  if (counts.pending > 0) states.push('pending');
  if (holes.includes('not-yet-listed')) states.push('unlisted');
  if (counts.archived > 0) states.push('archived');
  states.push('empty');
  return CELL_ORDER.find((state) => states.includes(state)) ?? 'empty';
}

/** Builds the report. Pure: the same ledger facts and clock give the same report. */
export function buildCompletenessReport(input: CompletenessInput): CompletenessReport {
  const { cluster, from, to, now } = input;
  const hours = hoursOf(from, to);
  const windowFrom = hours[0] ?? from;
  const metas = new Map(
    input.instances.filter((meta) => meta.cluster === cluster).map((meta) => [meta.instance, meta]),
  );
  const hourSet = new Set(hours);
  const files = input.files.filter(
    (file) =>
      file.cluster === cluster &&
      file.logType === input.logType &&
      hourSet.has(file.hour) &&
      (input.instance === undefined || file.instance === input.instance),
  );
  const names = new Set<string>(
    input.instance !== undefined ? [input.instance] : [...metas.keys(), ...files.map((f) => f.instance)],
  );
  const instanceNames = [...names].sort();

  const objects: ObjectsCheck = input.objects ? checkObjects(files, input.objects) : { mode: 'ledger-only' };
  const problems = objects.mode === 'listed' ? objects.problems : [];
  const holes: CoverageHole[] = [];
  const instances: InstanceCompleteness[] = instanceNames.map((instance) => {
    const meta = metas.get(instance);
    const own = [
      ...coverageHoles(instance, meta, input.gaps, { from: windowFrom, to, now, logType: input.logType }),
      ...deletionHoles(instance, input.deletions ?? [], files, {
        from: windowFrom,
        to,
        logType: input.logType,
      }),
    ];
    holes.push(...own);
    const byHour = new Map(hours.map((hour) => [hour, emptyCounts()]));
    for (const file of files) {
      if (file.instance === instance) countFile(byHour.get(file.hour)!, file);
    }
    for (const problem of problems) {
      if (problem.instance === instance) byHour.get(problem.hour)!.missingObjects += 1;
    }
    const totals = emptyCounts();
    const rows: InstanceHour[] = hours.map((hour) => {
      const counts = byHour.get(hour)!;
      add(totals, counts);
      const kinds = [
        ...new Set(own.filter((h) => overlaps(h.from, h.to, hour, hour + HOUR_MS)).map((h) => h.kind)),
      ];
      return { hour, ...counts, holes: kinds, cell: cellOf(counts, kinds) };
    });
    return {
      instance,
      ...(meta
        ? {
            firstListedAt: meta.firstListedAt,
            lastListedAt: meta.lastListedAt,
            retentionMs: retentionFor(meta, input.logType),
            retentionBasis:
              meta.retention?.[input.logType as LogType] === undefined
                ? ('instance' as const)
                : ('log-type' as const),
            ...(meta.engine !== undefined ? { engine: meta.engine } : {}),
          }
        : {}),
      totals,
      hours: rows,
    };
  });

  const totals = emptyCounts();
  for (const instance of instances) add(totals, instance.totals);
  const unfinished: UnfinishedFile[] = files
    .filter((file) => file.state !== 'archived')
    .map((file) => ({
      instance: file.instance,
      hour: file.hour,
      logFileName: file.logFileName,
      ...(file.contentId !== undefined ? { contentId: file.contentId } : {}),
      state: file.state,
      generation: file.generation,
      growing: isGrowing(file),
      since: file.stateSince,
      ...(file.lastError !== undefined ? { lastError: file.lastError } : {}),
    }))
    .sort(
      (a, b) =>
        a.instance.localeCompare(b.instance) || a.hour - b.hour || a.logFileName.localeCompare(b.logFileName),
    );

  const standalone = [...metas.values()].some((meta) => meta.standalone === true);
  return {
    cluster,
    ...(standalone ? { standalone: true as const } : {}),
    logType: input.logType,
    ...(input.instance !== undefined ? { instanceFilter: input.instance } : {}),
    from: windowFrom,
    to,
    generatedAt: now,
    hours,
    instances,
    holes,
    unfinished,
    totals,
    verdict: verdictOf(instances.length, totals, holes),
    objects,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** COMPLETE, or INCOMPLETE with every reason (most serious first). */
export function verdictOf(
  instanceCount: number,
  totals: FileCounts,
  holes: readonly CoverageHole[],
): { complete: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (instanceCount === 0) reasons.push('no instance of this cluster has been listed');
  if (totals.lost > 0) reasons.push(`${plural(totals.lost, 'file')} lost (gone from RDS before archived)`);
  if (totals.missingObjects > 0) {
    reasons.push(
      `${plural(totals.missingObjects, 'archived object')} missing or replaced in S3 (see 'verify' to restore)`,
    );
  }
  if (totals.failed > 0) reasons.push(`${plural(totals.failed, 'file')} failed (in the DLQ: redrive)`);
  const count = (kind: HoleKind) => holes.filter((hole) => hole.kind === kind);
  const gaps = [...count('gap'), ...count('ongoing-gap')];
  if (gaps.length > 0) {
    const periods = gaps.map(
      (g) => `${g.instance} ${formatInstant(g.gapFrom ?? g.from)} - ${formatInstant(g.gapTo ?? g.to)}`,
    );
    reasons.push(
      `${plural(gaps.length, 'coverage hole')}, listing gaps longer than retention: ${periods.join(', ')}`,
    );
  }
  const deleted = count('rds-deleted');
  if (deleted.length > 0) {
    reasons.push(
      `${plural(deleted.length, 'log file')} deleted by RDS before archived (RDS events): ${deleted.map((h) => `${h.instance} ${h.evidence?.file ?? formatInstant(h.from)}`).join(', ')}`,
    );
  }
  const never = count('never-listed');
  if (never.length > 0) {
    reasons.push(
      `window starts before what the first listing of ${never.map((h) => `${h.instance} (${h.firstListedAt !== undefined ? formatInstant(h.firstListedAt) : 'never listed'})`).join(', ')} could see`,
    );
  }
  if (totals.pending > 0) {
    reasons.push(
      `${plural(totals.pending, 'file')} pending${totals.growing > 0 ? ` (${totals.growing} archived earlier, grown since)` : ''}`,
    );
  }
  const unlisted = count('not-yet-listed');
  if (unlisted.length > 0) {
    reasons.push(`window ends after the last listing of ${unlisted.map((h) => h.instance).join(', ')}`);
  }
  return { complete: reasons.length === 0, reasons };
}

/**
 * The report with the digest chain's status; a broken chain makes it INCOMPLETE (archived objects
 * may have been deleted, replaced or planted behind the ledger's back).
 */
export function withDigestChain(report: CompletenessReport, chain: DigestChainStatus): CompletenessReport {
  if (chain.status !== 'broken') return { ...report, digestChain: chain };
  const reason = `digest chain broken in ${plural(new Set(chain.problems.map((p) => p.hour)).size, 'hour')} (run verify --digests)`;
  return {
    ...report,
    digestChain: chain,
    verdict: { complete: false, reasons: [...report.verdict.reasons, reason] },
  };
}
