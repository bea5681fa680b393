import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import { Construct } from 'constructs';
import { ledgerTableDefinition } from '../core/ledger/table.js';

export interface LedgerTableProps {
  tableName: string;
  kmsKeyArn: string | undefined;
}

/**
 * The DynamoDB ledger, declared from the same definition the runtime and the local stack use, so the
 * keys and indexes in Terraform cannot drift from what the code queries.
 */
export class LedgerTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: LedgerTableProps) {
    super(scope, id);
    const definition = ledgerTableDefinition(props.tableName);
    const keyOf = (schema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[], type: 'HASH' | 'RANGE') =>
      schema.find((key) => key.KeyType === type)?.AttributeName;
    const hashOf = (schema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]) => {
      const name = keyOf(schema, 'HASH');
      if (name === undefined) throw new Error('ledger table definition has a key schema without a HASH key');
      return name;
    };

    this.table = new DynamodbTable(this, 'table', {
      name: definition.TableName,
      billingMode: definition.BillingMode,
      hashKey: hashOf(definition.KeySchema),
      rangeKey: keyOf(definition.KeySchema, 'RANGE'),
      attribute: definition.AttributeDefinitions.map((a) => ({
        name: a.AttributeName,
        type: a.AttributeType,
      })),
      globalSecondaryIndex: definition.GlobalSecondaryIndexes.map((index) => ({
        name: index.IndexName,
        hashKey: hashOf(index.KeySchema),
        rangeKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: index.Projection.ProjectionType,
      })),
      pointInTimeRecovery: { enabled: true },
      // Without a customer key: the AWS managed key `aws/dynamodb` (its use shows in CloudTrail).
      serverSideEncryption: props.kmsKeyArn
        ? { enabled: true, kmsKeyArn: props.kmsKeyArn }
        : { enabled: true },
      deletionProtectionEnabled: true,
    });
  }
}
