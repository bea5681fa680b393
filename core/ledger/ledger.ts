/**
 * The ledger's DynamoDB adapter. Decisions are made elsewhere (discovery-plan.ts, archive.ts);
 * this layer only turns each state transition into ONE conditional write, and a lost condition
 * into a `TransitionRefusedError` carrying the item as it is now.
 */

import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TransitionRefusedError } from './errors.js';
import {
  type FileRecord,
  type FileState,
  INSTANCES_PK,
  type InstanceMeta,
  keys,
  type ListingGap,
  META_SK,
  stateIndex,
} from './records.js';
import { LEDGER_INDEXES } from './table.js';

/** What an archiver records when an object is in place. */
export interface ArchivedResult {
  bytes: number;
  gzipBytes: number;
  sha256: string;
  etag: string;
  versionId?: string;
  lastWritten: number;
}

export class Ledger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  // ---- reads ----------------------------------------------------------------------------------

  /** Everything the discoverer needs about one instance, in one (paged) Query. */
  async instanceState(instance: string): Promise<{ meta: InstanceMeta | undefined; files: FileRecord[] }> {
    const items = await this.queryAll<InstanceMeta | FileRecord>({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activePk(instance) },
      ConsistentRead: true,
    });
    let meta: InstanceMeta | undefined;
    const files: FileRecord[] = [];
    for (const item of items) {
      if (item.sk === META_SK) meta = item as InstanceMeta;
      else if (item.sk.startsWith('F#')) files.push(item as FileRecord);
    }
    return { meta, files };
  }

  /** One file (active partition first, then history). */
  async getFile(instance: string, logFileName: string): Promise<FileRecord | undefined> {
    for (const pk of [keys.activePk(instance), keys.retiredPk(instance)]) {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk, sk: keys.fileSk(logFileName) },
          ConsistentRead: true,
        }),
      );
      if (out.Item) return out.Item as FileRecord;
    }
    return undefined;
  }

  /** Files in one state, oldest first (by-state index). `before`: only those in it since before then. */
  async filesInState(
    state: FileState,
    opts: { before?: number; limit?: number } = {},
  ): Promise<FileRecord[]> {
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byState.name,
      KeyConditionExpression:
        opts.before === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk < :before',
      ExpressionAttributeValues: {
        ':pk': keys.statePk(state),
        ...(opts.before === undefined ? {} : { ':before': new Date(opts.before).toISOString() }),
      },
    };
    return await this.queryAll<FileRecord>(input, opts.limit);
  }

  /** Every instance the discoverer has listed (by-state index, `INSTANCES` partition). */
  async instances(): Promise<InstanceMeta[]> {
    return await this.queryAll<InstanceMeta>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byState.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': INSTANCES_PK },
    });
  }

  /** Files of a cluster and log type whose hour is in [fromHour, toHour] (by-cluster-hour index). */
  async clusterFiles(
    cluster: string,
    logType: string,
    fromHour: number,
    toHour: number,
  ): Promise<FileRecord[]> {
    return await this.queryAll<FileRecord>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byClusterHour.name,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.clusterTypePk(cluster, logType),
        ':from': new Date(fromHour).toISOString(),
        // '~' sorts after every character used in the rest of the sort key.
        ':to': `${new Date(toHour).toISOString()}~`,
      },
    });
  }

  /** Listing gaps recorded for a cluster (by-cluster-hour index, `C#<cluster>#GAPS`). */
  async clusterGaps(cluster: string): Promise<ListingGap[]> {
    return await this.queryAll<ListingGap>({
      TableName: this.table,
      IndexName: LEDGER_INDEXES.byClusterHour.name,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.clusterGapsPk(cluster) },
    });
  }

  // ---- discoverer writes ----------------------------------------------------------------------

  /** Records a file seen for the first time. @throws TransitionRefusedError when it already exists. */
  async recordNew(record: FileRecord): Promise<void> {
    await this.guard('recordNew', () =>
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

  /**
   * Moves a file of generation `generation` from one of `from` to `to` (queued or seen), with the
   * listing's size and LastWritten. With `nextGeneration` it starts a new generation (the file grew
   * after it was archived): attempts and the last error start afresh.
   */
  async advance(
    file: Pick<FileRecord, 'instance' | 'logFileName'>,
    args: {
      from: FileState[];
      generation: number;
      to: 'seen' | 'queued';
      listedSize: number;
      lastWritten: number;
      nextGeneration?: boolean;
      now: number;
    },
  ): Promise<void> {
    const index = stateIndex(args.to, args.now, file.instance, file.logFileName)!;
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {
      ':g': args.generation,
      ':to': args.to,
      ':size': args.listedSize,
      ':lw': args.lastWritten,
      ':now': args.now,
      ':zero': 0,
      ':gsi1pk': index.gsi1pk,
      ':gsi1sk': index.gsi1sk,
    };
    const fromList = args.from.map((state, i) => {
      values[`:from${i}`] = state;
      return `:from${i}`;
    });
    let update =
      'SET #state = :to, listedSize = :size, lastWritten = :lw, stateSince = :now, updatedAt = :now, ' +
      'missingListings = :zero, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk';
    if (args.nextGeneration) {
      update += ', generation = :next, attempts = :zero REMOVE lastError, leaseOwner, leaseUntil';
      values[':next'] = args.generation + 1;
    }
    await this.guard(`advance to ${args.to}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.activePk(file.instance), sk: keys.fileSk(file.logFileName) },
          UpdateExpression: update,
          ConditionExpression: `generation = :g AND #state IN (${fromList.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Re-arms stranded work for a new send: queued too long, or archiving with an expired lease.
   * The condition on `stateSince` makes two discoverers re-send it once between them.
   */
  async rearm(file: FileRecord, now: number): Promise<void> {
    const index = stateIndex('queued', now, file.instance, file.logFileName)!;
    await this.guard('rearm', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: file.pk, sk: file.sk },
          UpdateExpression:
            'SET #state = :queued, stateSince = :now, updatedAt = :now, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE leaseOwner, leaseUntil',
          ConditionExpression:
            'generation = :g AND stateSince = :since AND (#state = :queued OR (#state = :archiving AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':g': file.generation,
            ':since': file.stateSince,
            ':queued': 'queued',
            ':archiving': 'archiving',
            ':now': now,
            ':gsi1pk': index.gsi1pk,
            ':gsi1sk': index.gsi1sk,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /** Counts one more listing that did not include the file (not archived yet). */
  async markMissing(file: FileRecord, now: number): Promise<void> {
    await this.guard('markMissing', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: file.pk, sk: file.sk },
          UpdateExpression: 'SET missingListings = :next, updatedAt = :now',
          ConditionExpression: 'generation = :g AND missingListings = :seen AND #state <> :archived',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':next': file.missingListings + 1,
            ':seen': file.missingListings,
            ':g': file.generation,
            ':now': now,
            ':archived': 'archived',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /** Clears the missing count of a file that is listed again. */
  async markPresent(file: FileRecord, now: number): Promise<void> {
    await this.guard('markPresent', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: file.pk, sk: file.sk },
          UpdateExpression: 'SET missingListings = :zero, updatedAt = :now',
          ConditionExpression: 'generation = :g',
          ExpressionAttributeValues: { ':zero': 0, ':g': file.generation, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Marks a generation lost: it left RDS before it was archived. `leaseOwner` (the archiver that
   * holds the claim) or `from` (the discoverer: states nobody is working on) guards the write.
   */
  async markLost(
    file: Pick<FileRecord, 'instance' | 'logFileName' | 'generation'>,
    args: { reason: string; now: number; leaseOwner?: string; from?: FileState[] },
  ): Promise<void> {
    const index = stateIndex('lost', args.now, file.instance, file.logFileName)!;
    const values: Record<string, unknown> = {
      ':lost': 'lost',
      ':g': file.generation,
      ':now': args.now,
      ':reason': args.reason,
      ':gsi1pk': index.gsi1pk,
      ':gsi1sk': index.gsi1sk,
    };
    let condition = 'generation = :g';
    if (args.leaseOwner !== undefined) {
      condition += ' AND #state = :archiving AND leaseOwner = :owner';
      values[':archiving'] = 'archiving';
      values[':owner'] = args.leaseOwner;
    } else {
      const from = args.from ?? ['seen', 'queued', 'failed'];
      const list = from.map((state, i) => {
        values[`:from${i}`] = state;
        return `:from${i}`;
      });
      // An archiving item with an expired lease is abandoned work: it may be declared lost too.
      values[':archiving'] = 'archiving';
      condition += ` AND (#state IN (${list.join(', ')}) OR (#state = :archiving AND leaseUntil < :now))`;
    }
    await this.guard('markLost', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.activePk(file.instance), sk: keys.fileSk(file.logFileName) },
          UpdateExpression:
            'SET #state = :lost, lostReason = :reason, lastError = :reason, stateSince = :now, updatedAt = :now, ' +
            'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE leaseOwner, leaseUntil',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Moves an archived or lost file that RDS no longer lists to the history partition, in one
   * transaction, so the discoverer's per-instance Query stays the size of what RDS holds.
   */
  async retire(file: FileRecord): Promise<void> {
    const retired: FileRecord = { ...file, pk: keys.retiredPk(file.instance) };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: { pk: file.pk, sk: file.sk },
                ConditionExpression: 'generation = :g AND #state = :state',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':g': file.generation, ':state': file.state },
              },
            },
            { Put: { TableName: this.table, Item: retired } },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new TransitionRefusedError('retire', undefined, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Records a successful listing of an instance (its heartbeat) and, when the gap since the last
   * one exceeded the retention, the gap: files may have come and gone unseen in it.
   */
  async recordListing(args: {
    cluster: string;
    instance: string;
    previous: InstanceMeta | undefined;
    now: number;
    count: number;
    retentionMs: number;
  }): Promise<ListingGap | undefined> {
    const { cluster, instance, previous, now } = args;
    const meta: InstanceMeta = {
      pk: keys.activePk(instance),
      sk: META_SK,
      cluster,
      instance,
      firstListedAt: previous?.firstListedAt ?? now,
      lastListedAt: now,
      lastListedCount: args.count,
      retentionMs: args.retentionMs,
      gsi1pk: INSTANCES_PK,
      gsi1sk: keys.instanceSk(cluster, instance),
    };
    // Only move the heartbeat forward: a slower concurrent discoverer must not rewind it.
    await this.doc
      .send(
        new PutCommand({
          TableName: this.table,
          Item: meta,
          ConditionExpression: 'attribute_not_exists(pk) OR lastListedAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    if (!previous || now - previous.lastListedAt <= args.retentionMs) return undefined;
    const gap: ListingGap = {
      pk: keys.activePk(instance),
      sk: keys.gapSk(previous.lastListedAt),
      cluster,
      instance,
      from: previous.lastListedAt,
      to: now,
      retentionMs: args.retentionMs,
      gsi2pk: keys.clusterGapsPk(cluster),
      gsi2sk: keys.gapIndexSk(previous.lastListedAt, instance),
    };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: gap }));
    return gap;
  }

  // ---- archiver writes ------------------------------------------------------------------------

  /**
   * Claims a generation for archiving with a lease. Claimable: queued, failed (redriven), or
   * archiving whose lease expired (its worker died). @returns the claimed record.
   */
  async claim(args: {
    instance: string;
    logFileName: string;
    generation: number;
    owner: string;
    now: number;
    leaseMs: number;
  }): Promise<FileRecord> {
    const index = stateIndex('archiving', args.now, args.instance, args.logFileName)!;
    const out = await this.guard('claim', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.activePk(args.instance), sk: keys.fileSk(args.logFileName) },
          UpdateExpression:
            'SET #state = :archiving, leaseOwner = :owner, leaseUntil = :until, stateSince = :now, updatedAt = :now, ' +
            'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD attempts :one',
          ConditionExpression:
            'generation = :g AND (#state IN (:queued, :failed) OR (#state = :archiving AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':archiving': 'archiving',
            ':queued': 'queued',
            ':failed': 'failed',
            ':owner': args.owner,
            ':until': args.now + args.leaseMs,
            ':now': args.now,
            ':g': args.generation,
            ':one': 1,
            ':gsi1pk': index.gsi1pk,
            ':gsi1sk': index.gsi1sk,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return out.Attributes as FileRecord;
  }

  /** Records the archived object; only the lease holder of that generation can. */
  async completeArchive(
    claimed: FileRecord,
    owner: string,
    result: ArchivedResult,
    now: number,
  ): Promise<void> {
    await this.guard('completeArchive', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: claimed.pk, sk: claimed.sk },
          UpdateExpression:
            'SET #state = :archived, archivedGeneration = :g, archivedBytes = :bytes, archivedGzipBytes = :gz, ' +
            'archivedSha256 = :sha, archivedEtag = :etag, archivedAt = :now, archivedLastWritten = :lw, ' +
            'stateSince = :now, updatedAt = :now' +
            (result.versionId ? ', archivedVersionId = :vid' : '') +
            ' REMOVE leaseOwner, leaseUntil, gsi1pk, gsi1sk, lastError' +
            (result.versionId ? '' : ', archivedVersionId'),
          ConditionExpression: 'generation = :g AND #state = :archiving AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':archived': 'archived',
            ':archiving': 'archiving',
            ':g': claimed.generation,
            ':bytes': result.bytes,
            ':gz': result.gzipBytes,
            ':sha': result.sha256,
            ':etag': result.etag,
            ':lw': result.lastWritten,
            ':now': now,
            ':owner': owner,
            ...(result.versionId ? { ':vid': result.versionId } : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /** Gives the claim back after a retryable failure (queued), or records FAILED on the last attempt. */
  async releaseClaim(
    claimed: FileRecord,
    owner: string,
    args: { to: 'queued' | 'failed'; error: string; now: number },
  ): Promise<void> {
    const index = stateIndex(args.to, args.now, claimed.instance, claimed.logFileName)!;
    await this.guard(`release to ${args.to}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: claimed.pk, sk: claimed.sk },
          UpdateExpression:
            'SET #state = :to, lastError = :error, stateSince = :now, updatedAt = :now, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ' +
            'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'generation = :g AND #state = :archiving AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':to': args.to,
            ':error': args.error.slice(0, 2000),
            ':now': args.now,
            ':g': claimed.generation,
            ':archiving': 'archiving',
            ':owner': owner,
            ':gsi1pk': index.gsi1pk,
            ':gsi1sk': index.gsi1sk,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Operator redrive: a FAILED generation becomes queued again with its attempts reset. Call it only
   * once a message for it is on the archive queue, so the ledger never claims work no message carries.
   */
  async resetFailed(
    file: Pick<FileRecord, 'instance' | 'logFileName' | 'generation'>,
    now: number,
  ): Promise<void> {
    const index = stateIndex('queued', now, file.instance, file.logFileName)!;
    await this.guard('resetFailed', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.activePk(file.instance), sk: keys.fileSk(file.logFileName) },
          UpdateExpression:
            'SET #state = :queued, attempts = :zero, stateSince = :now, updatedAt = :now, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk',
          ConditionExpression: 'generation = :g AND #state = :failed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':failed': 'failed',
            ':zero': 0,
            ':now': now,
            ':g': file.generation,
            ':gsi1pk': index.gsi1pk,
            ':gsi1sk': index.gsi1sk,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  // ---- plumbing -------------------------------------------------------------------------------

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

  private async queryAll<T = Record<string, unknown>>(
    input: QueryCommandInput,
    limit?: number,
  ): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
      if (limit !== undefined && items.length >= limit) return items.slice(0, limit);
    } while (start);
    return items;
  }
}
