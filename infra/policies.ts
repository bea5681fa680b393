/**
 * Least-privilege IAM policies for the two functions, as plain data: every action is named (no
 * wildcards) and every resource is this stack's table, queues, bucket, key and log group, or the RDS
 * instances/clusters of this account and region. Kept pure so tests can read them directly.
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

/** ARNs (usually Terraform references) the policies are scoped to. */
export interface PolicyArns {
  table: string;
  queue: string;
  dlq: string;
  bucket: string;
  /** Key prefix the archiver writes under (empty for the whole bucket). */
  keyPrefix: string;
  kmsKey: string | undefined;
  logGroup: string;
  /** `arn:<partition>:rds:<region>:<account>` */
  rdsArnPrefix: string;
}

// Every ledger operation the code performs: GetItem, PutItem, UpdateItem, DeleteItem, Query, and the
// parts of TransactWriteItems (which IAM checks as the individual item actions plus ConditionCheckItem).
const LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Query',
];

function ledger(a: PolicyArns): PolicyStatement {
  return {
    Sid: 'Ledger',
    Effect: 'Allow',
    Action: LEDGER_ACTIONS,
    Resource: [a.table, `${a.table}/index/*`],
  };
}

function logs(a: PolicyArns): PolicyStatement {
  // The log group itself is created by Terraform, so the function only writes streams and events.
  return {
    Sid: 'Logs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [`${a.logGroup}:*`],
  };
}

function kms(a: PolicyArns): PolicyStatement[] {
  if (!a.kmsKey) return [];
  return [
    { Sid: 'Key', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [a.kmsKey] },
  ];
}

/** The discoverer lists clusters, instances and log files, records work in the ledger and queues it. */
export function discovererStatements(a: PolicyArns): PolicyStatement[] {
  return [
    {
      Sid: 'DescribeClusters',
      Effect: 'Allow',
      Action: ['rds:DescribeDBClusters'],
      Resource: [`${a.rdsArnPrefix}:cluster:*`],
    },
    {
      Sid: 'DescribeInstancesAndLogs',
      Effect: 'Allow',
      Action: ['rds:DescribeDBInstances', 'rds:DescribeDBLogFiles'],
      Resource: [`${a.rdsArnPrefix}:db:*`],
    },
    ledger(a),
    {
      Sid: 'Enqueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
      Resource: [a.queue],
    },
    logs(a),
    ...kms(a),
  ];
}

/** The archiver consumes the queue, downloads log files and writes them to the bucket. */
export function archiverStatements(a: PolicyArns): PolicyStatement[] {
  return [
    // A file is only downloaded when its cluster is selected: with a tag selector, that is one
    // DescribeDBClusters per cluster (core/rds/cluster-selection.ts).
    {
      Sid: 'CheckClusterSelection',
      Effect: 'Allow',
      Action: ['rds:DescribeDBClusters'],
      Resource: [`${a.rdsArnPrefix}:cluster:*`],
    },
    {
      Sid: 'DownloadLogs',
      Effect: 'Allow',
      Action: ['rds:DownloadCompleteDBLogFile', 'rds:DescribeDBLogFiles'],
      Resource: [`${a.rdsArnPrefix}:db:*`],
    },
    ledger(a),
    {
      Sid: 'ConsumeQueue',
      Effect: 'Allow',
      Action: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      Resource: [a.queue],
    },
    // Messages that cannot be processed (malformed, or failed for good) are parked on the DLQ with a reason.
    { Sid: 'ParkMalformed', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [a.dlq] },
    // After the upload the archiver tags the object version with the source SHA-256 and size
    // (ARCHIVER_OBJECT_DIGEST=tags). GetObject(Version) serves the `metadata` mode's CopyObject.
    {
      Sid: 'WriteArchive',
      Effect: 'Allow',
      Action: [
        's3:PutObject',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      Resource: [`${a.bucket}/${a.keyPrefix}*`],
    },
    // Without ListBucket a HEAD on a missing key answers 403 instead of 404.
    { Sid: 'ListArchive', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [a.bucket] },
    logs(a),
    ...kms(a),
  ];
}

/** A policy document (JSON) from statements. */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The trust policy letting Lambda assume a role. */
export function lambdaTrustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
}
