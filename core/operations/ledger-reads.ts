/**
 * Reads the operations need beyond the Ledger class, each served by a key (never a scan).
 */

import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../ledger/records.js';

/**
 * How many files of an instance are retired to history (pk `H#<instance>`): a COUNT Query on the
 * table key. It reads the whole history partition (1 MB per page), so `status` does it only when
 * asked (`--history`).
 */
export async function retiredCount(dynamo: DynamoDBClient, table: string, instance: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: keys.retiredPk(instance) } },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return count;
}
