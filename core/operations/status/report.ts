/**
 * The status report as a pure function: per cluster and instance, active files by state, the
 * oldest pending work and its age, the last successful listing, plus queue and DLQ depth, and
 * what needs an operator's attention.
 */

import {
  FILE_STATES,
  type FileRecord,
  type FileState,
  type InstanceMeta,
  type PlaceDiscoveryRecord,
  scopedId,
  whereOf,
} from '../../ledger/records.js';
import { formatDuration } from '../../time.js';
import { describeFilter, type FileFilter, HOME_ACCOUNT, matchesFilter } from '../filters.js';

/** Approximate message counts of a queue (SQS only knows them approximately). */
export interface QueueDepth {
  url: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface PendingWork {
  logFileName: string;
  /** For a content item: which content of the name (core/log-streams.ts). */
  contentId?: string;
  state: FileState;
  since: number;
  ageMs: number;
}

export interface InstanceStatus {
  /** Outside the home place only: the instance's account and region. */
  account?: string;
  region?: string;
  /** The group: the DB cluster, or the instance itself when `standalone`. */
  cluster: string;
  instance: string;
  /** An instance in no DB cluster (RDS MySQL, MariaDB). */
  standalone?: true;
  /** Active files (still listed by RDS, or not yet retired) by state. */
  states: Record<FileState, number>;
  /** Archived or lost files moved to history (only when asked for: it reads the history partition). */
  retired?: number;
  /** The pending (seen, queued, archiving) file that has waited longest in its state. */
  oldestPending?: PendingWork;
  lastListedAt: number;
  lastListedCount: number;
  listingAgeMs: number;
  retentionMs: number;
  /** Not listed for longer than its retention: files may be coming and going unseen. */
  listingStale: boolean;
}

/** How the last discovery of a place went (the ledger's `PLACES` items). */
export interface PlaceStatus {
  /** `home`, or `<account>/<region>`. */
  place: string;
  account?: string;
  region?: string;
  attemptedAt: number;
  succeededAt?: number;
  /** Why the last run could not read the place; absent when it could. */
  error?: string;
}

export interface StatusReport {
  generatedAt: number;
  instances: InstanceStatus[];
  /** Each place's last discovery (the places the filter's account and region match). */
  places?: PlaceStatus[];
  totals: Record<FileState, number> & { retired?: number };
  queue?: QueueDepth;
  dlq?: QueueDepth;
  /** Failed and lost files on record (by-state index: also those retired to history). */
  onRecord?: { failed: number; lost: number };
  /** What needs an operator now; empty when all is well. Lost files are on record, not actionable. */
  attention: string[];
}

export interface StatusInput {
  now: number;
  filter: FileFilter;
  instances: InstanceMeta[];
  /** Active files per instance (from one Query each). */
  files: Map<string, FileRecord[]>;
  retired?: Map<string, number>;
  queue?: QueueDepth;
  dlq?: QueueDepth;
  onRecord?: { failed: number; lost: number };
  /** The places' discovery records. */
  places?: PlaceDiscoveryRecord[];
}

const PENDING: readonly FileState[] = ['seen', 'queued', 'archiving'];

function zeroStates(): Record<FileState, number> {
  return Object.fromEntries(FILE_STATES.map((state) => [state, 0])) as Record<FileState, number>;
}

/** Builds the status report. */
export function buildStatusReport(input: StatusInput): StatusReport {
  const { now } = input;
  const totals: StatusReport['totals'] = zeroStates();
  const instances = input.instances
    .filter((meta) => matchesFilter(meta, input.filter))
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.instance.localeCompare(b.instance))
    .map((meta): InstanceStatus => {
      const files = input.files.get(scopedId(meta, meta.instance)) ?? [];
      const states = zeroStates();
      let oldest: FileRecord | undefined;
      for (const file of files) {
        states[file.state] += 1;
        totals[file.state] += 1;
        if (PENDING.includes(file.state) && (!oldest || file.stateSince < oldest.stateSince)) oldest = file;
      }
      const retired = input.retired?.get(scopedId(meta, meta.instance));
      if (retired !== undefined) totals.retired = (totals.retired ?? 0) + retired;
      return {
        ...(whereOf(meta) as Pick<InstanceStatus, 'account' | 'region'>),
        cluster: meta.cluster,
        instance: meta.instance,
        ...(meta.standalone ? { standalone: true as const } : {}),
        states,
        ...(retired !== undefined ? { retired } : {}),
        ...(oldest
          ? {
              oldestPending: {
                logFileName: oldest.logFileName,
                ...(oldest.contentId !== undefined ? { contentId: oldest.contentId } : {}),
                state: oldest.state,
                since: oldest.stateSince,
                ageMs: Math.max(0, now - oldest.stateSince),
              },
            }
          : {}),
        lastListedAt: meta.lastListedAt,
        lastListedCount: meta.lastListedCount,
        listingAgeMs: Math.max(0, now - meta.lastListedAt),
        retentionMs: meta.retentionMs,
        listingStale: now - meta.lastListedAt > meta.retentionMs,
      };
    });

  const attention: string[] = [];
  if (instances.length === 0) {
    attention.push(
      input.filter.cluster === undefined && input.filter.instance === undefined
        ? 'no instance has been listed yet (is the discoverer running?)'
        : `no instance of ${describeFilter(input.filter)} is known to the ledger`,
    );
  }
  for (const instance of instances) {
    if (instance.listingStale) {
      attention.push(
        `${instance.instance} not listed for ${formatDuration(instance.listingAgeMs)} (> ${formatDuration(instance.retentionMs)} retention)`,
      );
    }
  }
  const places = input.places
    ?.filter((place) => placeMatches(place, input.filter))
    .map(
      (place): PlaceStatus => ({
        place: place.place,
        ...(whereOf(place) as Pick<PlaceStatus, 'account' | 'region'>),
        attemptedAt: place.attemptedAt,
        ...(place.succeededAt !== undefined ? { succeededAt: place.succeededAt } : {}),
        ...(place.error !== undefined ? { error: place.error } : {}),
      }),
    );
  for (const place of places ?? []) {
    if (place.error === undefined) continue;
    const since =
      place.succeededAt === undefined
        ? 'never read'
        : `last read ${formatDuration(Math.max(0, now - place.succeededAt))} ago`;
    attention.push(`discovery of ${place.place} failed (${since}): ${place.error}`);
  }
  const failed = input.onRecord?.failed ?? totals.failed;
  if (failed > 0) attention.push(`${failed} failed file(s): see 'failures', then 'redrive'`);
  if (input.dlq && input.dlq.visible + input.dlq.inFlight > 0) {
    attention.push(`${input.dlq.visible + input.dlq.inFlight} message(s) in the DLQ`);
  }
  return {
    generatedAt: now,
    instances,
    ...(places ? { places } : {}),
    totals,
    ...(input.queue ? { queue: input.queue } : {}),
    ...(input.dlq ? { dlq: input.dlq } : {}),
    ...(input.onRecord ? { onRecord: input.onRecord } : {}),
    attention,
  };
}

/** Whether a place passes the filter's account and region (its cluster and instance do not apply). */
function placeMatches(place: PlaceDiscoveryRecord, filter: FileFilter): boolean {
  if (filter.account !== undefined && (place.account ?? HOME_ACCOUNT) !== filter.account) return false;
  if (filter.region !== undefined && (place.region ?? filter.homeRegion) !== filter.region) return false;
  return true;
}
