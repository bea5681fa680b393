/**
 * The ledger in memory, for fast tests of the use cases: the same state machine (evaluate.ts
 * applies transitions.ts), the same key and index attributes, and DynamoDB's answers (refusals
 * carry the item as it is; reads are sorted by the index's sort key). The contract test
 * (test/integration/ledger-contract.test.ts) runs the same cases against it and DynamoDB Local.
 *
 * It lives with the tests, not in core: nothing deployed may ever run on it.
 */

import {
  type ArchiveEvent,
  DIGEST_HEAD_KEY,
  type DigestHead,
  eventKeys,
  SEAL_SK,
} from '../../core/ledger/archive-events.js';
import {
  DigestHeadMovedError,
  HourSealedError,
  InstanceBusyError,
  ItemExistsError,
  TransitionRefusedError,
} from '../../core/ledger/errors.js';
import { applyTransition, canApply, meets } from '../../core/ledger/evaluate.js';
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
  PLACES_PK,
  type PlaceDiscoveryRecord,
  type Where,
} from '../../core/ledger/records.js';
import {
  type LeaseInput,
  type LedgerStore,
  type ListingInput,
  listedMeta,
  listingItems,
  type PlaceDiscoveryInput,
} from '../../core/ledger/store.js';
import {
  type AlsoPut,
  type ArgsOf,
  RETIREMENT,
  TRANSITIONS,
  type TransitionName,
} from '../../core/ledger/transitions.js';

type Item = { pk: string; sk: string } & Record<string, unknown>;

/** DynamoDB's `attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner`, negated. */
function leasedByOther(meta: InstanceMeta | undefined, owner: string, now: number): boolean {
  return meta?.leaseUntil !== undefined && meta.leaseUntil >= now && meta.leaseOwner !== owner;
}

export class MemoryLedgerStore implements LedgerStore {
  private readonly items = new Map<string, Item>();

  /** Every item, copied (for assertions). */
  all(): Item[] {
    return [...this.items.values()].map((item) => structuredClone(item));
  }

  async instanceState(
    instance: string,
    where: Where = {},
  ): Promise<{ meta: InstanceMeta | undefined; files: FileRecord[] }> {
    const partition = this.partition(keys.activePk(instance, where));
    return {
      meta: listedMeta(partition.find((item) => item.sk === META_SK) as InstanceMeta | undefined),
      files: partition.filter((item) => keys.isFileSk(item.sk)) as unknown as FileRecord[],
    };
  }

  async getFile(file: FileKey): Promise<FileRecord | undefined> {
    return (this.get(keys.activeFile(file)) ?? this.get(keys.retiredFile(file))) as FileRecord | undefined;
  }

  async filesInState(
    state: FileState,
    options: { before?: number; limit?: number } = {},
  ): Promise<FileRecord[]> {
    const before = options.before === undefined ? undefined : new Date(options.before).toISOString();
    const found = this.index('gsi1pk', 'gsi1sk', keys.statePk(state)).filter(
      (item) => before === undefined || (item.gsi1sk as string) < before,
    );
    return found.slice(0, options.limit ?? found.length) as unknown as FileRecord[];
  }

  async instances(): Promise<InstanceMeta[]> {
    return this.index('gsi1pk', 'gsi1sk', INSTANCES_PK) as unknown as InstanceMeta[];
  }

  async clusterFiles(
    cluster: string,
    logType: string,
    fromHour: number,
    toHour: number,
    where: Where = {},
  ): Promise<FileRecord[]> {
    const from = new Date(fromHour).toISOString();
    const to = `${new Date(toHour).toISOString()}~`;
    return this.index('gsi2pk', 'gsi2sk', keys.clusterTypePk(cluster, logType, where)).filter(
      (item) => (item.gsi2sk as string) >= from && (item.gsi2sk as string) <= to,
    ) as unknown as FileRecord[];
  }

  async clusterGaps(cluster: string, where: Where = {}): Promise<ListingGap[]> {
    return this.index('gsi2pk', 'gsi2sk', keys.clusterGapsPk(cluster, where)) as unknown as ListingGap[];
  }

  async clusterDeletionEvents(
    cluster: string,
    fromHour: number,
    toHour: number,
    where: Where = {},
  ): Promise<DeletionEventRecord[]> {
    const from = new Date(fromHour).toISOString();
    const to = `${new Date(toHour).toISOString()}~`;
    return this.index('gsi2pk', 'gsi2sk', keys.clusterEventsPk(cluster, where)).filter(
      (item) => (item.gsi2sk as string) >= from && (item.gsi2sk as string) <= to,
    ) as unknown as DeletionEventRecord[];
  }

  async recordDeletionEvents(events: readonly DeletionEventRecord[]): Promise<void> {
    for (const event of events) this.put(event as unknown as Item);
  }

  async retiredCount(instance: string, where: Where = {}): Promise<number> {
    return this.partition(keys.retiredPk(instance, where)).length;
  }

  async create(record: FileRecord): Promise<void> {
    const existing = this.get(record);
    if (existing) throw new TransitionRefusedError('create', existing as unknown as FileRecord);
    this.put(record as unknown as Item);
  }

  async apply<N extends TransitionName>(name: N, file: FileKey, args: ArgsOf<N>): Promise<FileRecord> {
    const current = this.get(keys.activeFile(file)) as FileRecord | undefined;
    const next = applyTransition(current, name, args, file);
    // One transaction on DynamoDB: the record's refusal first, then the seal, then the item.
    const alsoPut = TRANSITIONS[name].alsoPut as AlsoPut<ArgsOf<N>> | undefined;
    if (alsoPut) {
      const item = alsoPut.item(file, args);
      if (this.get(eventKeys.sealOf(item.pk))) throw new HourSealedError(name, item.pk);
      if (this.get(item))
        throw new ItemExistsError(`Ledger refused ${name}: ${item.pk} ${item.sk} already exists`);
      this.put(item as unknown as Item);
    }
    this.put(next as unknown as Item);
    return structuredClone(next);
  }

  async retire(file: FileRecord): Promise<void> {
    const current = this.get(keys.activeFile(file)) as FileRecord | undefined;
    if (!meets(current, RETIREMENT, { generation: file.generation })) {
      throw new TransitionRefusedError('retire', current);
    }
    this.items.delete(this.id(keys.activeFile(file)));
    this.put({ ...file, ...keys.retiredFile(file) } as unknown as Item);
  }

  async recordListing(input: ListingInput): Promise<ListingGap | undefined> {
    const { meta, gap } = listingItems(input);
    const current = this.get(meta) as InstanceMeta | undefined;
    const forward = current?.lastListedAt === undefined || current.lastListedAt <= input.now;
    if (forward && !leasedByOther(current, input.owner ?? '', input.now)) this.put(meta as unknown as Item);
    if (gap) this.put(gap as unknown as Item);
    return gap;
  }

  async takeDiscoveryLease(input: LeaseInput): Promise<InstanceMeta | undefined> {
    const key = { pk: keys.activePk(input.instance, input), sk: META_SK };
    const current = this.get(key) as InstanceMeta | undefined;
    if (leasedByOther(current, input.owner, input.now)) {
      throw new InstanceBusyError(input.instance, current?.leaseOwner, current?.leaseUntil);
    }
    const next = { ...(current ?? key), leaseOwner: input.owner, leaseUntil: input.until };
    this.put(next as unknown as Item);
    return listedMeta(structuredClone(next) as InstanceMeta);
  }

  async sealHour(hour: number, now: number): Promise<void> {
    const seal = eventKeys.sealOf(eventKeys.hourPk(hour));
    if (!this.get(seal)) this.put({ ...seal, sealedAt: now });
  }

  async archiveEvents(hour: number): Promise<ArchiveEvent[]> {
    return this.partition(eventKeys.hourPk(hour)).filter(
      (item) => item.sk !== SEAL_SK,
    ) as unknown as ArchiveEvent[];
  }

  async digestHead(): Promise<DigestHead | undefined> {
    const item = this.get(DIGEST_HEAD_KEY);
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, ...head } = item;
    return head as unknown as DigestHead;
  }

  async advanceDigestHead(next: DigestHead, expected: DigestHead | undefined): Promise<void> {
    const current = await this.digestHead();
    const at =
      expected === undefined
        ? current === undefined
        : current !== undefined &&
          current.nextHour === expected.nextHour &&
          current.startHour === expected.startHour;
    if (!at) throw new DigestHeadMovedError(current);
    this.put({ ...DIGEST_HEAD_KEY, ...next } as unknown as Item);
  }

  async recordPlaceDiscovery(outcome: PlaceDiscoveryInput): Promise<void> {
    const key = { pk: PLACES_PK, sk: outcome.place };
    const current = this.get(key) as unknown as PlaceDiscoveryRecord | undefined;
    if (current && current.attemptedAt > outcome.attemptedAt) return;
    const { error: _error, ...kept } = current ?? ({} as Partial<PlaceDiscoveryRecord>);
    this.put({
      ...(outcome.error === undefined ? kept : current),
      ...key,
      ...outcome,
      ...(outcome.error === undefined ? { succeededAt: outcome.attemptedAt } : {}),
    } as unknown as Item);
  }

  async placeDiscoveries(): Promise<PlaceDiscoveryRecord[]> {
    return this.partition(PLACES_PK) as unknown as PlaceDiscoveryRecord[];
  }

  /** Whether a transition would be accepted now (for tests that set up races). */
  accepts<N extends TransitionName>(name: N, file: FileKey, args: ArgsOf<N>): boolean {
    return canApply(this.get(keys.activeFile(file)) as FileRecord | undefined, name, args);
  }

  private id(key: { pk: string; sk: string }): string {
    return JSON.stringify([key.pk, key.sk]);
  }

  private get(key: { pk: string; sk: string }): Item | undefined {
    const item = this.items.get(this.id(key));
    return item && structuredClone(item);
  }

  private put(item: Item): void {
    this.items.set(this.id(item), structuredClone(item));
  }

  private partition(pk: string): Item[] {
    return this.sorted(
      [...this.items.values()].filter((item) => item.pk === pk),
      'sk',
    );
  }

  /** A Query on a global secondary index: only items carrying its key, in sort-key order. */
  private index(partitionAttr: string, sortAttr: string, value: string): Item[] {
    return this.sorted(
      [...this.items.values()].filter(
        (item) => item[partitionAttr] === value && item[sortAttr] !== undefined,
      ),
      sortAttr,
    );
  }

  /** Sorted by a string attribute (DynamoDB compares UTF-8 bytes; the keys here are ASCII-led). */
  private sorted(items: Item[], attr: string): Item[] {
    return items
      .map((item) => structuredClone(item))
      .sort((a, b) =>
        (a[attr] as string) < (b[attr] as string) ? -1 : (a[attr] as string) > (b[attr] as string) ? 1 : 0,
      );
  }
}
