/**
 * The audit-grade defaults of the deployed stack (README "Audit-grade defaults"), each asserted on
 * the synthesized Terraform, and one configuration that opts out of all of them. Expected action
 * sets are written out here, not derived from infra/permissions.ts: adding an action to a role has
 * to be a deliberate change to this file too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  archiveBucket,
  archiveBucketId,
  functionNamed,
  type Json,
  objectLock,
  onBucket,
  queueNamed,
  roleNamed,
  type Synthesized,
  synthStack,
} from './synth.js';

const OPTED_OUT = {
  objectLock: 'off',
  accessLogging: false,
  encryptAlarmTopic: false,
  logRetentionDays: 30,
  auditRetentionDays: 90,
  expireAfterRetention: true,
  noncurrentVersionExpiryDays: 120,
  operatorPrincipals: ['arn:aws:iam::123456789012:role/dba-oncall'],
};

const defaults = synthStack();
const optedOut = synthStack(OPTED_OUT);
// Clusters listed by name: the archiver needs no RDS read at all.
const listed = synthStack({ clusters: ['orders-db'] });

const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;

/** A role's statements as `{ Sid: sorted actions }`. */
function actionsBySid(statements: Json[]): Record<string, string[]> {
  return Object.fromEntries(statements.map((st: Json) => [st.Sid, [...st.Action].sort()]));
}

/** The log bucket: the S3 bucket that is not the archive bucket. */
function logBucketId(s: Synthesized): string {
  const others = s.resources('aws_s3_bucket').filter(([id]) => id !== archiveBucketId(s));
  if (others.length !== 1) throw new Error(`expected one access log bucket, found ${others.length}`);
  return others[0]?.[0] ?? '';
}

function queuePolicyOf(s: Synthesized, suffix: string): Json[] {
  const [queueId] = queueNamed(s, suffix);
  const policy = s
    .resources('aws_sqs_queue_policy')
    .find(([, p]) => p.queue_url === ref('aws_sqs_queue', queueId, 'url'));
  if (!policy) throw new Error(`no queue policy on ${suffix}`);
  return JSON.parse(policy[1].policy).Statement;
}

const DISCOVERER_ACTIONS = {
  RdsClusters: ['rds:DescribeDBClusters'],
  RdsInstances: ['rds:DescribeDBLogFiles'],
  // DescribeEvents has no resource-level permissions: granted on "*" (infra/permissions.ts).
  RdsEvents: ['rds:DescribeEvents'],
  Ledger: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  ArchiveQueue: ['sqs:SendMessage'],
  // The schedule sends one task per place; the event source mapping polls them with this role.
  DiscoveryQueue: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
  Logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
};

const ARCHIVER_ACTIONS = {
  RdsClusters: ['rds:DescribeDBClusters'],
  // Listing a rotating family's stream to locate a content, then the download.
  RdsInstances: ['rds:DescribeDBLogFiles', 'rds:DownloadCompleteDBLogFile'],
  // `complete` is one transaction: the record's update, its archive event, the hour's seal check;
  // Query reads the instance's items to tell the contents of a rotating family apart.
  Ledger: [
    'dynamodb:ConditionCheckItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
  ],
  ArchiveQueue: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
  DeadLetterQueue: ['sqs:SendMessage'],
  ArchivedObjects: [
    's3:AbortMultipartUpload',
    's3:PutObject',
    's3:PutObjectTagging',
    's3:PutObjectVersionTagging',
  ],
  Logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  // A Deny: only the digester writes under _digests/.
  DigestsAreTheDigesters: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObject'],
};

const DIGESTER_ACTIONS = {
  Ledger: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
  Digests: ['s3:PutObject'],
  Logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
};

const OPERATOR_ACTIONS = {
  Ledger: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  ArchiveQueue: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
  DeadLetterQueue: [
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
    'sqs:StartMessageMoveTask',
  ],
  // verify (tags) and verify --digests (listed versions); completeness's digest reads are covered.
  ArchivedObjects: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion'],
  ArchiveBucket: ['s3:ListBucket'],
};

const AUDITOR_ACTIONS = {
  ArchivedObjects: ['s3:GetObject', 's3:GetObjectVersion'],
  ArchiveBucket: ['s3:ListBucket'],
};

describe('audit-grade defaults, on the synthesized Terraform', () => {
  it('logs access to the archive bucket into a separate, unlocked bucket only S3 log delivery may write', () => {
    const archiveId = archiveBucketId(defaults);
    const logId = logBucketId(defaults);
    const logging = onBucket(defaults, 'aws_s3_bucket_logging');
    expect(logging.target_bucket).toBe(ref('aws_s3_bucket', logId, 'bucket'));
    expect(logging.target_prefix).toBe('archive-bucket/');
    expect(logging.target_object_key_format.partitioned_prefix.partition_date_source).toBe('EventTime');

    // S3 refuses a log target with an Object Lock default retention; a customer key would need a grant.
    expect(defaults.resources('aws_s3_bucket_object_lock_configuration').map(([, r]) => r.bucket)).toEqual([
      ref('aws_s3_bucket', archiveId, 'id'),
    ]);
    const [encryption] = onBucket(defaults, 'aws_s3_bucket_server_side_encryption_configuration', logId).rule;
    expect(encryption.apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');

    const statements = JSON.parse(onBucket(defaults, 'aws_s3_bucket_policy', logId).policy).Statement;
    const delivery = statements.find((st: Json) => st.Effect === 'Allow');
    expect(delivery).toEqual({
      Sid: 'S3ServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${ref('aws_s3_bucket', logId, 'arn')}/archive-bucket/*`,
      Condition: {
        ArnLike: { 'aws:SourceArn': ref('aws_s3_bucket', archiveId, 'arn') },
        StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{data\.aws_caller_identity\./) },
      },
    });
    expect(statements.find((st: Json) => st.Sid === 'DenyInsecureTransport')).toBeDefined();
    expect(onBucket(defaults, 'aws_s3_bucket_public_access_block', logId).restrict_public_buckets).toBe(true);
    const [rule] = onBucket(defaults, 'aws_s3_bucket_lifecycle_configuration', logId).rule;
    expect(rule.expiration).toEqual([{ days: 400 }]);
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 400 }]);
    expect(defaults.tf.output.access_log_bucket.value).toBe(ref('aws_s3_bucket', logId, 'bucket'));
  });

  it('locks every object version in governance mode for auditRetentionDays, without replacing the bucket', () => {
    const lock = objectLock(defaults);
    expect(lock.object_lock_enabled).toBe('Enabled');
    expect(lock.rule.default_retention).toEqual({ mode: 'GOVERNANCE', days: 400 });
    expect(lock.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    // Setting object_lock_enabled on the bucket itself forces a new bucket: left to the provider.
    expect(archiveBucket(defaults)).not.toHaveProperty('object_lock_enabled');
  });

  it('keeps earlier generations at least as long as the lock, and expires no current version', () => {
    const rules = onBucket(defaults, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBeGreaterThanOrEqual(
      objectLock(defaults).rule.default_retention.days,
    );
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 400 }]);
    expect(rule.expiration).toBeUndefined();
  });

  it('lets only the discoverer and the operator role send to the archive queue, only the archiver to the DLQ, over TLS only', () => {
    const senders = (suffix: string) => {
      const [deny] = queuePolicyOf(defaults, suffix).filter((st: Json) => st.Sid === 'OnlyListedSenders');
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage' });
      // Never SQS's own move to the DLQ: the Deny is for principals of an account only.
      expect(deny.Condition.Bool).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
      return deny.Condition.ArnNotEquals['aws:PrincipalArn'];
    };
    const roleArn = (suffix: string) => ref('aws_iam_role', roleNamed(defaults, suffix).id, 'arn');
    expect(senders('-archive')).toEqual([roleArn('-discoverer'), roleArn('-operator')]);
    expect(senders('-archive-dlq')).toEqual([roleArn('-archiver')]);
    for (const suffix of ['-archive', '-archive-dlq']) {
      const [queueId] = queueNamed(defaults, suffix);
      expect(queuePolicyOf(defaults, suffix).find((st: Json) => st.Sid === 'DenyInsecureTransport')).toEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:*',
        Resource: [ref('aws_sqs_queue', queueId, 'arn')],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
    // The archiver still consumes the queue through the event source mapping with its own role.
    expect(actionsBySid(roleNamed(defaults, '-archiver').statements).ArchiveQueue).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
  });

  it('gives each role exactly the actions its code uses', () => {
    expect(actionsBySid(roleNamed(defaults, '-discoverer').statements)).toEqual(DISCOVERER_ACTIONS);
    expect(actionsBySid(roleNamed(defaults, '-archiver').statements)).toEqual(ARCHIVER_ACTIONS);
    expect(actionsBySid(roleNamed(defaults, '-operator').statements)).toEqual(OPERATOR_ACTIONS);
    expect(actionsBySid(roleNamed(defaults, '-digester').statements)).toEqual(DIGESTER_ACTIONS);
    expect(actionsBySid(JSON.parse(defaults.one('aws_iam_policy').policy).Statement)).toEqual(
      AUDITOR_ACTIONS,
    );
    // With clusters listed by name the archiver never asks RDS which clusters are selected.
    const { RdsClusters: _, ...withoutTagLookup } = ARCHIVER_ACTIONS;
    expect(actionsBySid(roleNamed(listed, '-archiver').statements)).toEqual(withoutTagLookup);
  });

  it('lets the discoverer find standalone instances, and the archiver read their tags, only when selected', () => {
    const named = synthStack({ clusters: ['orders-db'], instances: ['billing-mysql'] });
    const tagged = synthStack({ clusters: ['orders-db'], instanceTag: 'audit=on' });
    const withInstances = {
      ...DISCOVERER_ACTIONS,
      RdsInstances: ['rds:DescribeDBInstances', 'rds:DescribeDBLogFiles'],
    };
    expect(actionsBySid(roleNamed(named, '-discoverer').statements)).toEqual(withInstances);
    expect(actionsBySid(roleNamed(tagged, '-discoverer').statements)).toEqual(withInstances);
    const { RdsClusters: _, ...archiver } = ARCHIVER_ACTIONS;
    // Named instances need no tag lookup before a download; tagged ones do.
    expect(actionsBySid(roleNamed(named, '-archiver').statements)).toEqual(archiver);
    expect(actionsBySid(roleNamed(tagged, '-archiver').statements)).toEqual({
      ...archiver,
      RdsInstances: ['rds:DescribeDBInstances', ...archiver.RdsInstances],
    });
    const env = functionNamed(named, '-discoverer').environment.variables;
    expect(env.ARCHIVER_INSTANCES).toBe('billing-mysql');
    expect(functionNamed(tagged, '-archiver').environment.variables.ARCHIVER_INSTANCE_TAG).toBe('audit=on');
  });

  it('lets the archiver, recording digests as tags, neither read nor list archived objects', () => {
    expect(functionNamed(defaults, '-archiver').environment.variables.ARCHIVER_OBJECT_DIGEST).toBe('tags');
    const actions = roleNamed(defaults, '-archiver')
      .statements.filter((st: Json) => st.Effect === 'Allow')
      .flatMap((st: Json) => st.Action);
    expect(actions.filter((a: string) => /^s3:(Get|List)/.test(a))).toEqual([]);
  });

  it('keeps each function’s logs in its own log group for 365 days', () => {
    const groups = defaults.resources('aws_cloudwatch_log_group');
    expect(groups).toHaveLength(3);
    for (const suffix of ['-discoverer', '-archiver', '-digester']) {
      const fn = functionNamed(defaults, suffix);
      const group = groups.find(([, g]) => g.name === `/aws/lambda/${fn.function_name}`);
      expect(group?.[1].retention_in_days, suffix).toBe(365);
      expect(fn.logging_config.log_group).toBe(ref('aws_cloudwatch_log_group', group?.[0] ?? '', 'name'));
      // The group exists before the function can write (Lambda would create one kept forever).
      expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${group?.[0]}`);
    }
  });

  it('encrypts the alarm topic with a rotated key whose policy lets CloudWatch alarms publish', () => {
    const [keyId, key] = defaults.resources('aws_kms_key')[0] ?? [];
    expect(defaults.resources('aws_kms_key')).toHaveLength(1);
    expect(defaults.one('aws_sns_topic').kms_master_key_id).toBe(ref('aws_kms_key', keyId ?? '', 'arn'));
    expect(key.enable_key_rotation).toBe(true);
    const statements = JSON.parse(key.policy).Statement;
    expect(statements).toContainEqual({
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    });
    expect(statements.find((st: Json) => st.Sid === 'AccountAdministersTheKey').Principal.AWS).toMatch(
      /:iam::\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:root$/,
    );
  });

  it('creates the operator role, trusted by this account, and outputs its ARN', () => {
    const operator = roleNamed(defaults, '-operator');
    expect(operator.trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: {
          AWS: [expect.stringMatching(/:iam::\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:root$/)],
        },
        Action: 'sts:AssumeRole',
      },
    ]);
    expect(defaults.tf.output.operator_role_arn.value).toBe(ref('aws_iam_role', operator.id, 'arn'));
  });

  it('keeps every Terraform address of release 0.1.0, so an upgrade replaces nothing', () => {
    const previous: string[] = JSON.parse(
      readFileSync(new URL('./fixtures/resource-ids-0.1.0.json', import.meta.url), 'utf8'),
    );
    const now = new Set(
      Object.entries(defaults.tf.resource).flatMap(([type, rs]) =>
        Object.keys(rs as object).map((id) => `${type}.${id}`),
      ),
    );
    expect(previous.length).toBeGreaterThan(30);
    expect(previous.filter((address) => !now.has(address))).toEqual([]);
  });
});

describe('a configuration that opts out of every default that has an opt-out', () => {
  it('creates no Object Lock, no access log bucket and no topic key', () => {
    expect(optedOut.resources('aws_s3_bucket_object_lock_configuration')).toEqual([]);
    expect(optedOut.resources('aws_s3_bucket')).toHaveLength(1);
    expect(optedOut.resources('aws_s3_bucket_logging')).toEqual([]);
    expect(optedOut.tf.output.access_log_bucket).toBeUndefined();
    expect(optedOut.resources('aws_kms_key')).toEqual([]);
    expect(optedOut.one('aws_sns_topic')).not.toHaveProperty('kms_master_key_id');
  });

  it('expires current versions after its retention and earlier generations after their own expiry', () => {
    const rules = onBucket(optedOut, 'aws_s3_bucket_lifecycle_configuration').rule;
    const tiers = rules.find((r: Json) => r.id === 'archive-tiers');
    expect(tiers.expiration).toEqual([{ days: 90 }]);
    expect(tiers.noncurrent_version_expiration).toEqual([{ noncurrent_days: 120 }]);
    expect(rules.find((r: Json) => r.id === 'expired-delete-markers').expiration).toEqual([
      { expired_object_delete_marker: true },
    ]);
  });

  it('keeps logs as long as it says, and trusts only the listed operators', () => {
    for (const [, group] of optedOut.resources('aws_cloudwatch_log_group')) {
      expect(group.retention_in_days).toBe(30);
    }
    expect(roleNamed(optedOut, '-operator').trust.Statement[0].Principal).toEqual({
      AWS: OPTED_OUT.operatorPrincipals,
    });
  });

  it('keeps what has no opt-out: queue policies and least-privilege roles', () => {
    // The archive queue and DLQ, the discovery queue and its DLQ.
    expect(optedOut.resources('aws_sqs_queue_policy')).toHaveLength(4);
    expect(actionsBySid(roleNamed(optedOut, '-archiver').statements)).toEqual(ARCHIVER_ACTIONS);
    expect(actionsBySid(roleNamed(optedOut, '-operator').statements)).toEqual(OPERATOR_ACTIONS);
    expect(actionsBySid(roleNamed(optedOut, '-digester').statements)).toEqual(DIGESTER_ACTIONS);
  });
});
