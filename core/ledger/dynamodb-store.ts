/**
 * The ledger on DynamoDB. Decisions are made elsewhere (discovery-plan.ts, archive-decision.ts);
 * this layer sends one conditional write per transition, built from the declaration
 * (dynamodb-update.ts), and turns a lost condition into a `TransitionRefusedError` carrying the
 * item as it is now (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). Every other error is rethrown.
 */

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type ArchiveEvent, DIGEST_HEAD_KEY, type DigestHead, eventKeys, SEAL_SK } from './archive-events.js';
import { conditionExpression, ExpressionParts, transitionUpdate } from './dynamodb-update.js';
import {
  DigestHeadMovedError,
  HourSealedError,
  InstanceBusyError,
  ItemExistsError,
  LedgerError,
  TransitionRefusedError,
} from './errors.js';
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
} from './records.js';
import {
  type LeaseInput,
  type LedgerStore,
  type ListingInput,
  listedMeta,
  listingItems,
  type PlaceDiscoveryInput,
} from './store.js';
import { LEDGER_INDEXES } from './table.js';
import { type AlsoPut, type ArgsOf, RETIREMENT, TRANSITIONS, type TransitionName } from './transitions.js';

/** Attempts of a transaction cancelled only by a conflict with a concurrent write of the same item. */
const TRANSACTION_ATTEMPTS = 4;

/** The ledger in one DynamoDB table (see table.ts), through a document client passed in. */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  // ---- reads ----------------------------------------------------------------------------------

  async instanceState(
    instance: string,
    where: Where = {},
  ): Promise<{ meta: InstanceMeta | undefined; files: FileRecord[] }> {
    const items = await this.query<InstanceMeta | FileRecord>({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activePk(instance, where) },
      ConsistentRead: true,
    });
    let meta: InstanceMeta | undefined;
    const files: FileRecord[] = [];
    for (const item of items) {
      if (item.sk === META_SK) meta = listedMeta(item as InstanceMeta);
      else if (keys.isFileSk(item.sk)) files.push(item as FileRecord);
    }
    return { meta, files };
  }

  async getFile(file: FileKey): Promise<FileRecord | undefined> {
    for (const key of [keys.activeFile(file), keys.retiredFile(file)]) {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      if (out.Item) return out.Item as FileRecord;
    }
    return undefined;
  }

  async filesInState(
    state: FileState,
    options: { before?: number; limit?: number } = {},
  ): Promise<FileRecord[]> {
    const before = options.before;
    return await this.query<FileRecord>(
      {
        TableName: this.table,
        IndexName: LEDGER_INDEXES.byState.name,
        KeyConditionExpression: before === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk < :before',
        ExpressionAttributeValues: {
          ':pk': keys.statePk(state),
          ...(before === undefined ? {} : { ':before': new Date(before).toISOString() }),
        },
      },
      options.limit,
    );
  }

  async instances(): Promise<InstanceMeta[]> {
    return await this.query<InstanceMeta>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byState.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': INSTANCES_PK },
    });
  }

  async clusterFiles(
    cluster: string,
    logType: string,
    fromHour: number,
    toHour: number,
    where: Where = {},
  ): Promise<FileRecord[]> {
    return await this.query<FileRecord>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byClusterHour.name,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.clusterTypePk(cluster, logType, where),
        ':from': new Date(fromHour).toISOString(),
        // '~' sorts after every character used in the rest of the sort key.
        ':to': `${new Date(toHour).toISOString()}~`,
      },
    });
  }

  async clusterGaps(cluster: string, where: Where = {}): Promise<ListingGap[]> {
    return await this.query<ListingGap>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byClusterHour.name,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.clusterGapsPk(cluster, where) },
    });
  }

  async clusterDeletionEvents(
    cluster: string,
    fromHour: number,
    toHour: number,
    where: Where = {},
  ): Promise<DeletionEventRecord[]> {
    return await this.query<DeletionEventRecord>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byClusterHour.name,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.clusterEventsPk(cluster, where),
        ':from': new Date(fromHour).toISOString(),
        ':to': `${new Date(toHour).toISOString()}~`,
      },
    });
  }

  /** A COUNT Query on the history partition: it reads the whole partition (1 MB per page). */
  async retiredCount(instance: string, where: Where = {}): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.retiredPk(instance, where) },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  // ---- writes ---------------------------------------------------------------------------------

  async create(record: FileRecord): Promise<void> {
    await this.guard('create', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: record,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async apply<N extends TransitionName>(name: N, file: FileKey, args: ArgsOf<N>): Promise<FileRecord> {
    const alsoPut = TRANSITIONS[name].alsoPut as AlsoPut<ArgsOf<N>> | undefined;
    if (alsoPut) return await this.applyWithItem(name, file, args, alsoPut.item(file, args));
    const out = await this.guard(name, () =>
      this.doc.send(new UpdateCommand(transitionUpdate(this.table, name, file, args))),
    );
    return out.Attributes as FileRecord;
  }

  async retire(file: FileRecord): Promise<void> {
    const parts = new ExpressionParts();
    const condition = conditionExpression(
      RETIREMENT.from,
      RETIREMENT.when,
      { generation: file.generation },
      parts,
    );
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: keys.activeFile(file),
                ConditionExpression: condition,
                ExpressionAttributeNames: parts.names,
                ExpressionAttributeValues: parts.values,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Put: { TableName: this.table, Item: { ...file, ...keys.retiredFile(file) } } },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        // The document client does not unmarshall errors: the item comes back as attribute values.
        const item = error.CancellationReasons?.[0]?.Item as Record<string, AttributeValue> | undefined;
        throw new TransitionRefusedError('retire', item ? (unmarshall(item) as FileRecord) : undefined, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async recordListing(input: ListingInput): Promise<ListingGap | undefined> {
    const { meta, gap } = listingItems(input);
    // Only move the heartbeat forward: a slower concurrent discoverer must not rewind it. (Equal
    // times are the same moment: the later write's observations are as good.) Nor overwrite
    // another discoverer's live lease; the put drops the writer's own (meta carries none).
    await this.doc
      .send(
        new PutCommand({
          TableName: this.table,
          Item: meta,
          ConditionExpression:
            '(attribute_not_exists(lastListedAt) OR lastListedAt <= :now) AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
          ExpressionAttributeValues: { ':now': input.now, ':owner': input.owner ?? '' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    if (gap) await this.doc.send(new PutCommand({ TableName: this.table, Item: gap }));
    return gap;
  }

  async takeDiscoveryLease(input: LeaseInput): Promise<InstanceMeta | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.activePk(input.instance, input), sk: META_SK },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': input.owner, ':until': input.until, ':now': input.now },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return listedMeta(out.Attributes as InstanceMeta | undefined);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const held = error.Item ? (unmarshall(error.Item) as InstanceMeta) : undefined;
        throw new InstanceBusyError(input.instance, held?.leaseOwner, held?.leaseUntil, { cause: error });
      }
      throw error;
    }
  }

  // ---- the digest chain -----------------------------------------------------------------------

  async sealHour(hour: number, now: number): Promise<void> {
    await this.doc
      .send(
        new PutCommand({
          TableName: this.table,
          Item: { ...eventKeys.sealOf(eventKeys.hourPk(hour)), sealedAt: now },
          // The first seal stays: a second digester's later seal changes nothing.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  async archiveEvents(hour: number): Promise<ArchiveEvent[]> {
    const items = await this.query<ArchiveEvent>({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': eventKeys.hourPk(hour) },
      ConsistentRead: true,
    });
    return items.filter((item) => item.sk !== SEAL_SK);
  }

  async digestHead(): Promise<DigestHead | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: DIGEST_HEAD_KEY, ConsistentRead: true }),
    );
    return out.Item ? headOf(out.Item) : undefined;
  }

  async advanceDigestHead(next: DigestHead, expected: DigestHead | undefined): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...DIGEST_HEAD_KEY, ...next },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'nextHour = :nextHour AND startHour = :startHour',
                ExpressionAttributeValues: {
                  ':nextHour': expected.nextHour,
                  ':startHour': expected.startHour,
                },
              }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? headOf(unmarshall(error.Item)) : undefined;
      throw new DigestHeadMovedError(current, { cause: error });
    }
  }

  async recordDeletionEvents(events: readonly DeletionEventRecord[]): Promise<void> {
    // Unconditional: an event read again is the same item, written again unchanged but `recordedAt`.
    for (const event of events) await this.doc.send(new PutCommand({ TableName: this.table, Item: event }));
  }

  async recordPlaceDiscovery(outcome: PlaceDiscoveryInput): Promise<void> {
    const set = ['#place = :place', '#at = :at', '#instances = :instances', '#enqueued = :enqueued'];
    const names: Record<string, string> = {
      '#place': 'place',
      '#at': 'attemptedAt',
      '#instances': 'instances',
      '#enqueued': 'enqueued',
      '#error': 'error',
    };
    const values: Record<string, unknown> = {
      ':place': outcome.place,
      ':at': outcome.attemptedAt,
      ':instances': outcome.instances,
      ':enqueued': outcome.enqueued,
    };
    if (outcome.account !== undefined) {
      set.push('#account = :account', '#region = :region');
      Object.assign(names, { '#account': 'account', '#region': 'region' });
      Object.assign(values, { ':account': outcome.account, ':region': outcome.region ?? '' });
    }
    if (outcome.error === undefined) {
      set.push('#ok = :at');
      names['#ok'] = 'succeededAt';
    } else {
      set.push('#error = :error');
      values[':error'] = outcome.error;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: PLACES_PK, sk: outcome.place },
          UpdateExpression: `SET ${set.join(', ')}${outcome.error === undefined ? ' REMOVE #error' : ''}`,
          ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A newer run of the place is on record already: it is the one to show.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async placeDiscoveries(): Promise<PlaceDiscoveryRecord[]> {
    return await this.query<PlaceDiscoveryRecord>({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': PLACES_PK },
      ConsistentRead: true,
    });
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /**
   * A transition that also writes an immutable item: one TransactWriteItems with the record's
   * conditional update, the item's put (only if absent) and a check that the item's partition is
   * not sealed. A transaction's update cannot return the item, so the record is read back after.
   */
  private async applyWithItem<N extends TransitionName>(
    name: N,
    file: FileKey,
    args: ArgsOf<N>,
    item: { pk: string; sk: string },
  ): Promise<FileRecord> {
    const update = transitionUpdate(this.table, name, file, args);
    const input = new TransactWriteCommand({
      TransactItems: [
        {
          // A transaction's update returns nothing but the item on a refusal.
          Update: {
            TableName: this.table,
            Key: update.Key!,
            UpdateExpression: update.UpdateExpression!,
            ConditionExpression: update.ConditionExpression,
            ExpressionAttributeNames: update.ExpressionAttributeNames,
            ExpressionAttributeValues: update.ExpressionAttributeValues,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          ConditionCheck: {
            TableName: this.table,
            Key: eventKeys.sealOf(item.pk),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(input);
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [record, put, seal] = (error.CancellationReasons ?? []).map((reason) => reason?.Code);
        if (record === 'ConditionalCheckFailed') {
          const current = error.CancellationReasons?.[0]?.Item as Record<string, AttributeValue> | undefined;
          throw new TransitionRefusedError(name, current ? (unmarshall(current) as FileRecord) : undefined, {
            cause: error,
          });
        }
        if (seal === 'ConditionalCheckFailed') throw new HourSealedError(name, item.pk, { cause: error });
        if (put === 'ConditionalCheckFailed') {
          throw new ItemExistsError(`Ledger refused ${name}: ${item.pk} ${item.sk} already exists`, {
            cause: error,
          });
        }
        // A concurrent write to one of the items (a discoverer's markPresent, say): try again.
        const conflict = error.CancellationReasons?.some((reason) => reason?.Code === 'TransactionConflict');
        if (!conflict || attempt >= TRANSACTION_ATTEMPTS) throw error;
      }
    }
    const written = await this.getFile(file);
    if (!written)
      throw new LedgerError(`Ledger lost ${name}'s record of ${file.instance} ${file.logFileName}`);
    return written;
  }

  private async guard<T>(transition: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item ? (unmarshall(error.Item) as FileRecord) : undefined;
        throw new TransitionRefusedError(transition, current, { cause: error });
      }
      throw error;
    }
  }

  private async query<T>(input: QueryCommandInput, limit?: number): Promise<T[]> {
    const items: T[] = [];
    for await (const page of paginateQuery({ client: this.doc }, input)) {
      items.push(...((page.Items ?? []) as T[]));
      if (limit !== undefined && items.length >= limit) return items.slice(0, limit);
    }
    return items;
  }
}

/** The head as stored (the item also carries its key). */
function headOf(item: Record<string, unknown>): DigestHead {
  const { startHour, nextHour, previous, updatedAt } = item as unknown as DigestHead;
  return { startHour, nextHour, previous: previous ?? null, updatedAt };
}
