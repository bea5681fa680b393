/**
 * What the use cases need from the ledger: the reads the discoverer, the archiver and the
 * operations make, and the writes of the state machine (transitions.ts). Two implementations:
 * DynamoDB (dynamodb-store.ts) and in memory (test/support/memory-store.ts), held to the same
 * behaviour by one contract test (test/integration/ledger-contract.test.ts).
 */

import type { RetentionByType } from '../retention.js';
import type { ArchiveEvent, DigestHead } from './archive-events.js';
import {
  type DeletionEventRecord,
  type FileKey,
  type FileRecord,
  type FileState,
  INSTANCES_PK,
  type InstanceMeta,
  keys,
  type ListingGap,
  META_SK,
  type Observation,
  type PlaceDiscoveryRecord,
  type Where,
  whereOf,
} from './records.js';
import type { ArgsOf, TransitionName } from './transitions.js';

/** A listing of one instance, recorded as its heartbeat. */
export interface ListingInput extends Where {
  cluster: string;
  instance: string;
  standalone?: boolean;
  /** The heartbeat read before this pass, to detect a gap since it. */
  previous: InstanceMeta | undefined;
  now: number;
  count: number;
  /** The instance's shortest log retention: a longer time since the previous listing is a gap. */
  retentionMs: number;
  /** The engine, as RDS names it, and the retention per log type it gives (core/retention.ts). */
  engine?: string;
  retention?: RetentionByType;
  /** The live files as listed now (see `InstanceMeta.observed`). */
  observed?: Record<string, Observation>;
  /** Rotated files per rotating family, as listed now (merged into `InstanceMeta.families`). */
  rotated?: Record<string, number>;
  /** The discoverer writing it: its own discovery lease does not stop it (and is released). */
  owner?: string;
  /** Where the next pass reads RDS events from (kept from `previous` when absent). */
  eventsCursor?: number;
}

/** Inputs of `LedgerStore.takeDiscoveryLease`. */
export interface LeaseInput extends Where {
  instance: string;
  owner: string;
  now: number;
  until: number;
}

export interface LedgerStore {
  /**
   * The instance's heartbeat and its active files (one Query). A heartbeat item holding only a
   * lease (an instance never listed) reads as no heartbeat.
   */
  instanceState(
    instance: string,
    where?: Where,
  ): Promise<{ meta: InstanceMeta | undefined; files: FileRecord[] }>;
  /** One file, from the active partition or else from history (`keys.isRetired` tells which). */
  getFile(file: FileKey): Promise<FileRecord | undefined>;
  /** Files in one state, oldest first (by-state index; retired failed and lost files stay in it). */
  filesInState(state: FileState, options?: { before?: number; limit?: number }): Promise<FileRecord[]>;
  /** Every instance the discoverer has listed. */
  instances(): Promise<InstanceMeta[]>;
  /** Files of a cluster and log type whose hour is in [fromHour, toHour]. */
  clusterFiles(
    cluster: string,
    logType: string,
    fromHour: number,
    toHour: number,
    where?: Where,
  ): Promise<FileRecord[]>;
  /** Listing gaps recorded for a cluster. */
  clusterGaps(cluster: string, where?: Where): Promise<ListingGap[]>;
  /** How many files of an instance are in the history partition. */
  retiredCount(instance: string, where?: Where): Promise<number>;
  /** RDS deletion events of a cluster whose hour is in [fromHour, toHour] (by-cluster-hour index). */
  clusterDeletionEvents(
    cluster: string,
    fromHour: number,
    toHour: number,
    where?: Where,
  ): Promise<DeletionEventRecord[]>;

  /** Records a file seen for the first time. @throws TransitionRefusedError when it exists */
  create(record: FileRecord): Promise<void>;
  /**
   * Applies one transition to a file's active record, as one conditional write.
   * @returns the record as written
   * @throws TransitionRefusedError carrying the record as it is (undefined when absent)
   */
  apply<N extends TransitionName>(name: N, file: FileKey, args: ArgsOf<N>): Promise<FileRecord>;
  /** Moves an archived or lost file to the history partition. @throws TransitionRefusedError */
  retire(file: FileRecord): Promise<void>;
  /**
   * Records a listing (the heartbeat; never moved backwards by a slower discoverer, nor written
   * while another discoverer holds the instance's lease) and, when the time since the previous one
   * exceeds the retention, the gap. Writing the heartbeat releases the writer's own lease.
   */
  recordListing(input: ListingInput): Promise<ListingGap | undefined>;
  /**
   * Takes the instance's discovery lease (on its heartbeat item, one conditional write) unless
   * another discoverer holds one that has not expired. Taken before a discoverer decides what the
   * contents of a rotating family are, so two discoverers never give one content two identities.
   * @returns the heartbeat as it is now (undefined when the instance was never listed)
   * @throws InstanceBusyError naming the holder
   */
  takeDiscoveryLease(input: LeaseInput): Promise<InstanceMeta | undefined>;

  // The digest chain (archive-events.ts, core/digests/).

  /** Seals an hour (idempotent): from now on no archive event can enter it. */
  sealHour(hour: number, now: number): Promise<void>;
  /** The archive events of the hour holding `hour` (one consistent Query), in sort-key order. */
  archiveEvents(hour: number): Promise<ArchiveEvent[]>;
  /** The digest chain's head; undefined before the digester's first run. */
  digestHead(): Promise<DigestHead | undefined>;
  /**
   * Moves the head from `expected` (as read; undefined: creates it) to `next`, one conditional write.
   * @throws DigestHeadMovedError carrying the head as it is, when it is not at `expected`
   */
  advanceDigestHead(next: DigestHead, expected: DigestHead | undefined): Promise<void>;

  /** Records RDS deletion events (one PutItem each; the same event again writes the same item). */
  recordDeletionEvents(events: readonly DeletionEventRecord[]): Promise<void>;

  /**
   * Records how a place's discovery went (one conditional UpdateItem): never moved back by a slower
   * discoverer's older run; a failed run keeps the last success's time.
   */
  recordPlaceDiscovery(outcome: PlaceDiscoveryInput): Promise<void>;
  /** Every place's last discovery (one Query on the `PLACES` partition). */
  placeDiscoveries(): Promise<PlaceDiscoveryRecord[]>;
}

/** What `recordPlaceDiscovery` writes. */
export type PlaceDiscoveryInput = Omit<PlaceDiscoveryRecord, 'pk' | 'sk' | 'succeededAt'>;

/** A heartbeat item that holds only a lease is no heartbeat. */
export function listedMeta(item: InstanceMeta | undefined): InstanceMeta | undefined {
  return item?.lastListedAt === undefined ? undefined : item;
}

/**
 * The items a listing writes: the heartbeat, and the gap when the time since the previous listing
 * exceeded the retention (files may have come and gone unseen in it). Shared by both stores.
 */
export function listingItems(input: ListingInput): { meta: InstanceMeta; gap: ListingGap | undefined } {
  const { cluster, instance, previous, now } = input;
  const families = { ...(previous?.families ?? {}) };
  for (const [family, count] of Object.entries(input.rotated ?? {}))
    families[family] = Math.max(families[family] ?? 0, count);
  const meta: InstanceMeta = {
    pk: keys.activePk(instance, input),
    sk: META_SK,
    ...whereOf(input),
    cluster,
    instance,
    ...(input.standalone ? { standalone: true as const } : {}),
    firstListedAt: previous?.firstListedAt ?? now,
    lastListedAt: now,
    lastListedCount: input.count,
    retentionMs: input.retentionMs,
    ...(input.engine !== undefined ? { engine: input.engine } : {}),
    ...(input.retention && Object.keys(input.retention).length > 0 ? { retention: input.retention } : {}),
    gsi1pk: INSTANCES_PK,
    gsi1sk: keys.instanceSk(cluster, instance, input),
    ...(input.observed && Object.keys(input.observed).length > 0 ? { observed: input.observed } : {}),
    ...(Object.keys(families).length > 0 ? { families } : {}),
    ...((input.eventsCursor ?? previous?.eventsCursor) !== undefined
      ? { eventsCursor: (input.eventsCursor ?? previous?.eventsCursor)! }
      : {}),
  };
  if (!previous || now - previous.lastListedAt <= input.retentionMs) return { meta, gap: undefined };
  const gap: ListingGap = {
    pk: keys.activePk(instance, input),
    sk: keys.gapSk(previous.lastListedAt),
    ...whereOf(input),
    cluster,
    instance,
    from: previous.lastListedAt,
    to: now,
    retentionMs: input.retentionMs,
    ...(input.retention && Object.keys(input.retention).length > 0 ? { retention: input.retention } : {}),
    gsi2pk: keys.clusterGapsPk(cluster, input),
    gsi2sk: keys.gapIndexSk(previous.lastListedAt, instance, input),
  };
  return { meta, gap };
}

/** One transition with its arguments; the union keeps each name with its own argument type. */
export type TransitionStep = { [N in TransitionName]: { transition: N; args: ArgsOf<N> } }[TransitionName];
