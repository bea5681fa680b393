/**
 * The RDS API budget's buckets in the ledger table: one UpdateItem per lease, conditional on the
 * version read (or on no item for the first), which on refusal returns the item as it is
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): a lost race costs one write and no read.
 * The discoverer and the archiver roles already hold UpdateItem on the table.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { BucketState } from './bucket.js';
import { type BudgetStore, budgetKey, type StoredBucket, type SwapResult } from './store.js';

function bucketOf(item: Record<string, unknown> | undefined): StoredBucket | undefined {
  if (item === undefined) return undefined;
  const { tokens, at, version } = item;
  if (typeof tokens !== 'number' || typeof at !== 'number' || typeof version !== 'number') return undefined;
  return { tokens, at, version };
}

/** The budget's buckets in a DynamoDB table with the ledger's key schema. */
export class DynamoBudgetStore implements BudgetStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async read(place: string): Promise<StoredBucket | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: budgetKey(place), ConsistentRead: true }),
    );
    return bucketOf(out.Item);
  }

  async swap(place: string, expected: StoredBucket | undefined, next: BucketState): Promise<SwapResult> {
    const version = (expected?.version ?? 0) + 1;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: budgetKey(place),
          UpdateExpression: 'SET #tokens = :tokens, #at = :at, #version = :version',
          ConditionExpression: expected === undefined ? 'attribute_not_exists(#pk)' : '#version = :expected',
          ExpressionAttributeNames: {
            '#tokens': 'tokens',
            '#at': 'at',
            '#version': 'version',
            ...(expected === undefined ? { '#pk': 'pk' } : {}),
          },
          ExpressionAttributeValues: {
            ':tokens': next.tokens,
            ':at': next.at,
            ':version': version,
            ...(expected === undefined ? {} : { ':expected': expected.version }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, stored: { tokens: next.tokens, at: next.at, version } };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The document client does not unmarshall the item a refused condition carries.
      return { ok: false, current: bucketOf(error.Item ? unmarshall(error.Item) : undefined) };
    }
  }
}
