import { describe, expect, it } from 'vitest';
import { entriesKey } from '../../core/entries/entry-formats.js';
import { LEDGER_INDEXES, LEDGER_KEY } from '../../core/ledger/table.js';
import { objectKey } from '../../core/s3-keys.js';
import { DEFAULT_SETTINGS } from '../../infra/settings.js';
import {
  archiveBucket,
  functionNamed,
  type Json,
  objectLock,
  onBucket,
  queueNamed,
  roleNamed,
  roleStatements,
  type Synthesized,
  synthStack,
} from './synth.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0f7c1f2e-1111-2222-3333-444455556666';
const HARDENED = {
  region: 'eu-west-1',
  clusters: ['orders-db', 'billing-db'],
  keyLayout: 'hive',
  keyPrefix: 'rds-logs/',
  kmsKeyArn: KEY,
  objectLock: 'compliance',
  auditRetentionDays: 365,
  subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'],
  securityGroupIds: ['sg-0123abcd'],
  alarmEmail: 'dba@example.com',
  archiverTimeoutSeconds: 900,
  batchingWindowSeconds: 20,
  batchSize: 8,
  maxConcurrency: 10,
  maxReceiveCount: 8,
};

const defaults = synthStack();
const hardened = synthStack(HARDENED);

/** The one resource of a type that names the given queue (the archive and the discovery queue have one each). */
function onQueue(
  s: Synthesized,
  type: string,
  field: string,
  suffix: string,
  attribute: 'arn' | 'url',
): Json {
  const [queueId] = queueNamed(s, suffix);
  const found = s.resources(type).filter(([, r]) => r[field] === `\${aws_sqs_queue.${queueId}.${attribute}}`);
  if (found.length !== 1) throw new Error(`expected one ${type} on ${suffix}, found ${found.length}`);
  return found[0]![1];
}
const archiveMapping = (s: Synthesized) =>
  onQueue(s, 'aws_lambda_event_source_mapping', 'event_source_arn', '-archive', 'arn');
const archiveRedrive = (s: Synthesized) =>
  onQueue(s, 'aws_sqs_queue_redrive_policy', 'queue_url', '-archive', 'url');

/** Every Resource of every statement of every role policy. */
function allResources(s: Synthesized): string[] {
  return [...roleStatements(s).values()].flat().flatMap((st: Json) => st.Resource as string[]);
}

describe.each([
  ['defaults', defaults],
  ['KMS + Object Lock + VPC', hardened],
])('ArchiverStack (%s)', (_name, s) => {
  it('blocks every kind of public access and enforces bucket ownership', () => {
    expect(onBucket(s, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onBucket(s, 'aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
  });

  it('denies every request to the bucket that is not made over TLS', () => {
    const policy = JSON.parse(onBucket(s, 'aws_s3_bucket_policy').policy);
    const deny = policy.Statement.find((st: Json) => st.Effect === 'Deny');
    expect(deny).toMatchObject({
      Principal: '*',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(deny.Resource).toHaveLength(2);
    expect(deny.Resource[1]).toBe(`${deny.Resource[0]}/*`);
    expect(deny.Resource[0]).toMatch(/^\$\{aws_s3_bucket\.[^}]+\.arn\}$/);
  });

  it('versions the bucket and expires noncurrent versions and abandoned uploads', () => {
    expect(onBucket(s, 'aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
    const [rule] = onBucket(s, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rule.status).toBe('Enabled');
    expect(rule.transition.length).toBeGreaterThan(0);
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBeGreaterThan(0);
    expect(rule.abort_incomplete_multipart_upload[0].days_after_initiation).toBe(1);
  });

  it('keeps the ledger recoverable, encrypted and protected from deletion, with the indexes the code uses', () => {
    const table = s.one('aws_dynamodb_table');
    expect(table.billing_mode).toBe('PAY_PER_REQUEST');
    expect(table.point_in_time_recovery.enabled).toBe(true);
    expect(table.server_side_encryption.enabled).toBe(true);
    expect(table.deletion_protection_enabled).toBe(true);
    expect([table.hash_key, table.range_key]).toEqual([LEDGER_KEY.partition, LEDGER_KEY.sort]);
    expect(table.global_secondary_index.map((i: Json) => [i.name, i.hash_key, i.range_key])).toEqual(
      Object.values(LEDGER_INDEXES).map((i) => [i.name, i.partition, i.sort]),
    );
  });

  it('encrypts both queues and gives the archive queue a visibility timeout of at least 6x the archiver timeout', () => {
    const archiver = functionNamed(s, '-archiver');
    const mapping = archiveMapping(s);
    for (const suffix of ['-archive', '-archive-dlq', '-discovery', '-discovery-dlq']) {
      const [, queue] = queueNamed(s, suffix);
      expect(queue.sqs_managed_sse_enabled === true || typeof queue.kms_master_key_id === 'string').toBe(
        true,
      );
    }
    const [, queue] = queueNamed(s, '-archive');
    expect(queue.visibility_timeout_seconds).toBeGreaterThanOrEqual(
      6 * archiver.timeout + mapping.maximum_batching_window_in_seconds,
    );
  });

  it('keeps failed work 14 days on a DLQ reached after at least 5 receives, redrivable only from its queue', () => {
    const [dlqId, dlq] = queueNamed(s, '-archive-dlq');
    const [queueId] = queueNamed(s, '-archive');
    expect(dlq.message_retention_seconds).toBe(14 * 24 * 3600);
    const redrive = archiveRedrive(s);
    expect(redrive.queue_url).toBe(`\${aws_sqs_queue.${queueId}.url}`);
    const policy = JSON.parse(redrive.redrive_policy);
    expect(policy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(policy.deadLetterTargetArn).toBe(`\${aws_sqs_queue.${dlqId}.arn}`);
    const allow = onQueue(s, 'aws_sqs_queue_redrive_allow_policy', 'queue_url', '-archive-dlq', 'url');
    expect(allow.queue_url).toBe(`\${aws_sqs_queue.${dlqId}.url}`);
    expect(JSON.parse(allow.redrive_allow_policy)).toEqual({
      redrivePermission: 'byQueue',
      sourceQueueArns: [`\${aws_sqs_queue.${queueId}.arn}`],
    });
  });

  it('fans discovery out: the discoverer consumes one task per place with partial batch failures, a failing place ends in its DLQ', () => {
    const discoverer = functionNamed(s, '-discoverer');
    const mapping = onQueue(s, 'aws_lambda_event_source_mapping', 'event_source_arn', '-discovery', 'arn');
    expect(mapping.function_name).toMatch(/aws_lambda_function\..*discoverer.*\.arn/);
    expect(mapping.function_response_types).toEqual(['ReportBatchItemFailures']);
    expect(mapping.scaling_config.maximum_concurrency).toBeGreaterThanOrEqual(2);
    const [, queue] = queueNamed(s, '-discovery');
    expect(queue.visibility_timeout_seconds).toBeGreaterThanOrEqual(discoverer.timeout);
    const [dlqId, dlq] = queueNamed(s, '-discovery-dlq');
    expect(dlq.message_retention_seconds).toBe(14 * 24 * 3600);
    const redrive = JSON.parse(
      onQueue(s, 'aws_sqs_queue_redrive_policy', 'queue_url', '-discovery', 'url').redrive_policy,
    );
    expect(redrive).toEqual({ deadLetterTargetArn: `\${aws_sqs_queue.${dlqId}.arn}`, maxReceiveCount: 3 });
    expect(discoverer.environment.variables.ARCHIVER_DISCOVERY_QUEUE_URL).toMatch(
      /^\$\{aws_sqs_queue\..+\.url\}$/,
    );
    const alarm = s
      .resources('aws_cloudwatch_metric_alarm')
      .map(([, a]) => a)
      .find((a) => a.dimensions?.QueueName === `\${aws_sqs_queue.${dlqId}.name}`);
    expect(alarm?.metric_name).toBe('ApproximateNumberOfMessagesVisible');
  });

  it('consumes the queue with partial batch failures, the configured batching and a concurrency cap', () => {
    const mapping = archiveMapping(s);
    const [queueId] = queueNamed(s, '-archive');
    expect(mapping.event_source_arn).toBe(`\${aws_sqs_queue.${queueId}.arn}`);
    expect(mapping.function_response_types).toEqual(['ReportBatchItemFailures']);
    expect(mapping.batch_size).toBeGreaterThanOrEqual(1);
    expect(mapping.scaling_config.maximum_concurrency).toBeGreaterThanOrEqual(2);
  });

  it('runs both functions on nodejs22.x from content-hashed bundles, with JSON logs kept for a while', () => {
    for (const fn of [functionNamed(s, '-archiver'), functionNamed(s, '-discoverer')]) {
      expect(fn.runtime).toBe('nodejs22.x');
      expect(fn.handler).toBe('index.handler');
      expect(fn.architectures).toEqual(['arm64']);
      expect(fn.filename).toMatch(/^assets\/.+\/[0-9A-F]{32}\/archive\.zip$/);
      expect(fn.filename).toContain(fn.source_code_hash);
      expect(fn.logging_config.log_format).toBe('JSON');
    }
    for (const [, group] of s.resources('aws_cloudwatch_log_group')) {
      expect(group.retention_in_days).toBe(DEFAULT_SETTINGS.logRetentionDays);
    }
  });

  it('ties the lease to the archiver timeout and the attempt limit to maxReceiveCount', () => {
    const archiver = functionNamed(s, '-archiver');
    const redrive = JSON.parse(archiveRedrive(s).redrive_policy);
    const env = archiver.environment.variables;
    expect(Number(env.ARCHIVER_LEASE_SECONDS)).toBe(archiver.timeout);
    expect(Number(env.ARCHIVER_MAX_ATTEMPTS)).toBe(redrive.maxReceiveCount);
    expect(env.ARCHIVER_TABLE).toMatch(/^\$\{aws_dynamodb_table\./);
    expect(env.ARCHIVER_QUEUE_URL).toMatch(/^\$\{aws_sqs_queue\..+\.url\}$/);
    expect(env.ARCHIVER_DLQ_URL).toMatch(/^\$\{aws_sqs_queue\..+\.url\}$/);
    expect(env.ARCHIVER_BUCKET).toMatch(/^\$\{aws_s3_bucket\..+\.bucket\}$/);
    // No copy onto itself on AWS: the digest goes in tags, so no second version is kept.
    expect(env.ARCHIVER_OBJECT_DIGEST).toBe('tags');
  });

  it('starts the discoverer and the digester on schedules EventBridge may invoke', () => {
    const rules = Object.fromEntries(s.resources('aws_cloudwatch_event_rule').map(([, r]) => [r.name, r]));
    expect(rules['rds-log-archiver-discover'].schedule_expression).toBe('rate(5 minutes)');
    expect(rules['rds-log-archiver-digester'].schedule_expression).toBe('rate(15 minutes)');
    const idOf = (suffix: string) =>
      s.resources('aws_lambda_function').find(([, fn]) => fn.function_name.endsWith(suffix))?.[0];
    expect(
      s
        .resources('aws_cloudwatch_event_target')
        .map(([, t]) => t.arn)
        .sort(),
    ).toEqual(
      [
        `\${aws_lambda_function.${idOf('-discoverer')}.arn}`,
        `\${aws_lambda_function.${idOf('-digester')}.arn}`,
      ].sort(),
    );
    for (const [, permission] of s.resources('aws_lambda_permission'))
      expect(permission.principal).toBe('events.amazonaws.com');
  });

  it('grants no wildcard action and no unscoped resource but RDS events (no resource-level permissions)', () => {
    const statements = [...roleStatements(s).values()].flat();
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      for (const action of st.Action) expect(action).not.toContain('*');
      if (st.Sid === 'RdsEvents') expect(st.Action).toEqual(['rds:DescribeEvents']);
      else for (const resource of st.Resource) expect(resource).not.toBe('*');
    }
  });

  it('scopes every resource to this stack, or to the RDS instances and clusters of this account and region', () => {
    const region = s.tf.provider.aws[0].region;
    const rds = new RegExp(
      `^arn:\\$\\{data\\.aws_partition\\.[^}]+\\.partition\\}:rds:${region}:\\$\\{data\\.aws_caller_identity\\.[^}]+\\.account_id\\}:(db|cluster):\\*$`,
    );
    const own =
      /^\$\{aws_(dynamodb_table|sqs_queue|s3_bucket|cloudwatch_log_group)\.[^}]+\.arn\}(\/index\/\*|\/[^*]*\*|:\*)?$/;
    for (const resource of allResources(s)) {
      const ok =
        rds.test(resource) || own.test(resource) || resource === HARDENED.kmsKeyArn || resource === '*';
      expect(ok, resource).toBe(true);
    }
  });

  it('lets only the archiver download log files, and only from DB instances', () => {
    const downloads = [...roleStatements(s).entries()].filter(([, sts]) =>
      sts.some((st: Json) => st.Action.includes('rds:DownloadCompleteDBLogFile')),
    );
    expect(downloads.map(([id]) => id)).toEqual([expect.stringMatching(/^archiver_/)]);
    const st = downloads[0]?.[1].find((x: Json) => x.Action.includes('rds:DownloadCompleteDBLogFile'));
    expect(st.Resource).toEqual([expect.stringMatching(/:db:\*$/)]);
  });

  it('sends every alarm to the SNS topic', () => {
    const alarms = s.resources('aws_cloudwatch_metric_alarm').map(([, a]) => a);
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(
      [
        'ApproximateAgeOfOldestMessage',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'Errors',
        'Errors',
        'Errors',
        'FilesLost',
        'Invocations',
        'DigestHoursBehind',
      ].sort(),
    );
    const topicId = s.resources('aws_sns_topic')[0]?.[0];
    for (const alarm of alarms) expect(alarm.alarm_actions).toEqual([`\${aws_sns_topic.${topicId}.arn}`]);
    const silent = alarms.find((a) => a.metric_name === 'Invocations');
    expect(silent.treat_missing_data).toBe('breaching');
    // A digester that does not run publishes nothing: that is the failure.
    expect(alarms.find((a) => a.metric_name === 'DigestHoursBehind').treat_missing_data).toBe('breaching');
  });

  it('outputs what operators need', () => {
    expect(Object.keys(s.tf.output).sort()).toEqual(
      [
        'access_log_bucket',
        'operator_role_arn',
        'alarm_topic',
        'archiver_function',
        'digester_function',
        'digest_auditor_policy',
        'athena_table',
        'athena_workgroup',
        'bucket',
        'discoverer_function',
        'dlq_url',
        'queue_url',
        'table',
      ].sort(),
    );
  });
});

/** The partition template's path with Athena placeholders filled, as Athena would build it. */
function projectedPath(template: string, cluster: string, dt: string): string {
  return template
    .replace(/^s3:\/\/\$\{[^}]+\}\//, '')
    .replaceAll('$${cluster}', cluster)
    .replaceAll('$${dt}', dt);
}

describe('ArchiverStack Athena line tables', () => {
  const every = synthStack({ clusters: ['orders-db'], logTypes: ['all'] });
  const tables = new Map(every.resources('aws_glue_catalog_table').map(([, t]) => [t.name, t]));
  const hour = Date.UTC(2025, 0, 31, 7);

  it('adds a table per line format of the archived log types, none when only audit is archived', () => {
    expect([...tables.keys()].sort()).toEqual([
      'audit_log',
      'mysql_error_log',
      'mysql_slow_query_log',
      'postgresql_csvlog',
      'postgresql_log',
    ]);
    expect(defaults.resources('aws_glue_catalog_table').map(([, t]) => t.name)).toEqual(['audit_log']);
  });

  it.each([
    ['postgresql_log', 'error/postgresql.log.2025-01-31-07', undefined],
    [
      'mysql_error_log',
      'error/mysql-error-running.log',
      { stream: 'error/mysql-error-running.log', contentId: '20250131T075959000Z' },
    ],
  ])('projects %s onto the keys the archiver writes for %s', (name, logFileName, content) => {
    const table = tables.get(name);
    expect(table.storage_descriptor.ser_de_info.serialization_library).toBe(
      'org.apache.hadoop.hive.serde2.RegexSerDe',
    );
    const regex = table.storage_descriptor.ser_de_info.parameters['input.regex'];
    // Hive's RegexSerDe fills the columns from the groups, in order: one group per column.
    expect(new RegExp(`|${regex}`).exec('')!.length - 1).toBe(table.storage_descriptor.columns.length);
    const key = objectKey({
      layout: 'seed',
      prefix: '',
      cluster: 'orders-db',
      instance: 'orders-db-1',
      logFileName,
      hour,
      content,
    });
    expect(
      key.startsWith(
        projectedPath(table.parameters['storage.location.template'], 'orders-db', '2025/01/31/07'),
      ),
    ).toBe(true);
  });
});

describe('ArchiverStack Athena table postgresql_log', () => {
  it.each([
    ['seed', '', '2025/01/31/07'],
    ['hive', 'rds-logs/', '2025-01-31-07'],
  ] as const)(
    'reads the stderr files and none of the csvlog files beside them (%s layout)',
    (keyLayout, keyPrefix, dt) => {
      const synth = synthStack({ clusters: ['orders-db'], logTypes: ['postgresql'], keyLayout, keyPrefix });
      const tables = new Map(synth.resources('aws_glue_catalog_table').map(([, t]) => [t.name, t]));
      const partition = projectedPath(
        tables.get('postgresql_log').parameters['storage.location.template'],
        'orders-db',
        dt,
      );
      const key = (logFileName: string) =>
        objectKey({
          layout: keyLayout,
          prefix: keyPrefix,
          cluster: 'orders-db',
          instance: 'orders-db-1',
          logFileName,
          hour: Date.UTC(2025, 0, 31, 7),
        });
      expect(key('error/postgresql.log.2025-01-31-07').startsWith(partition)).toBe(true);
      expect(key('error/postgresql.log.2025-01-31-07.csv').startsWith(partition)).toBe(false);
      expect(key('error/postgresql.log.2025-01-31-07.csv')).toContain(
        keyLayout === 'hive' ? '/log_type=postgresql-csvlog/' : '/postgresql-csvlog/',
      );
    },
  );
});

describe('ArchiverStack Athena entries tables', () => {
  const hour = Date.UTC(2025, 0, 31, 7);
  const files = [
    ['postgresql_csvlog', 'error/postgresql.log.2025-01-31-07.csv', undefined],
    [
      'mysql_slow_query_log',
      'slowquery/mysql-slowquery.log',
      { stream: 'slowquery/mysql-slowquery.log', contentId: '20250131T075959000Z' },
    ],
  ] as const;

  it.each([
    ['seed', '', '2025/01/31/07'],
    ['hive', 'rds-logs/', '2025-01-31-07'],
  ] as const)(
    'projects each onto the entries objects the archiver writes (%s layout)',
    (keyLayout, keyPrefix, dt) => {
      const synth = synthStack({ clusters: ['orders-db'], logTypes: ['all'], keyLayout, keyPrefix });
      const tables = new Map(synth.resources('aws_glue_catalog_table').map(([, t]) => [t.name, t]));
      for (const [name, logFileName, content] of files) {
        const table = tables.get(name);
        expect(table.storage_descriptor.ser_de_info.serialization_library).toBe(
          'org.apache.hive.hcatalog.data.JsonSerDe',
        );
        const archived = objectKey({
          layout: keyLayout,
          prefix: keyPrefix,
          cluster: 'orders-db',
          instance: 'orders-db-1',
          logFileName,
          hour,
          content,
        });
        const key = entriesKey(archived, keyPrefix);
        const partition = projectedPath(table.parameters['storage.location.template'], 'orders-db', dt);
        expect(key.startsWith(partition)).toBe(true);
        // The archived objects' own tables never read an entries object, nor the reverse.
        expect(archived.startsWith(partition)).toBe(false);
        expect(key.endsWith('.json.gz')).toBe(true);
      }
    },
  );

  it('adds them only for the log types archived', () => {
    const synth = synthStack({ clusters: ['orders-db'], logTypes: ['audit', 'slowquery'] });
    expect(
      synth
        .resources('aws_glue_catalog_table')
        .map(([, t]) => t.name)
        .sort(),
    ).toEqual(['audit_log', 'mysql_slow_query_log']);
  });
});

describe('ArchiverStack Athena table', () => {
  const hour = Date.UTC(2025, 0, 31, 7);
  const file = {
    cluster: 'orders-db',
    instance: 'orders-db-1',
    logFileName: 'audit/audit.log.0.2025-01-31-07-00.1',
    hour,
  };

  it('projects partitions onto the seed layout the archiver writes', () => {
    const table = defaults.one('aws_glue_catalog_table');
    expect(table.parameters['projection.dt.format']).toBe('yyyy/MM/dd/HH');
    expect(table.parameters['projection.cluster.type']).toBe('injected');
    const key = objectKey({ layout: 'seed', prefix: '', ...file });
    const partition = projectedPath(
      table.parameters['storage.location.template'],
      'orders-db',
      '2025/01/31/07',
    );
    expect(key.startsWith(partition)).toBe(true);
    expect(key.slice(partition.length)).toBe('orders-db-1/audit.log.0.2025-01-31-07-00.1.gz');
  });

  it('projects partitions onto the hive layout under a key prefix, listing the configured clusters', () => {
    const table = hardened.one('aws_glue_catalog_table');
    expect(table.parameters['projection.dt.format']).toBe('yyyy-MM-dd-HH');
    expect(table.parameters['projection.cluster.values']).toBe('orders-db,billing-db');
    const key = objectKey({ layout: 'hive', prefix: 'rds-logs/', ...file });
    const partition = projectedPath(
      table.parameters['storage.location.template'],
      'orders-db',
      '2025-01-31-07',
    );
    expect(key.startsWith(partition)).toBe(true);
    expect(table.storage_descriptor.location).toMatch(/\/rds-logs\/$/);
  });

  it('reads the audit CSV columns with single-quoted SQL text, and offers an example query', () => {
    const table = defaults.one('aws_glue_catalog_table');
    expect(table.storage_descriptor.columns.map((c: Json) => c.name)).toEqual([
      'ts_us',
      'serverhost',
      'username',
      'host',
      'connectionid',
      'queryid',
      'operation',
      'database',
      'object',
      'retcode',
    ]);
    expect(table.storage_descriptor.ser_de_info.parameters.quoteChar).toBe("'");
    expect(defaults.one('aws_athena_named_query').query).toContain('FROM "rds_log_archiver"."audit_log"');
    expect(defaults.one('aws_athena_workgroup').configuration.enforce_workgroup_configuration).toBe(true);
  });
});

describe('ArchiverStack defaults', () => {
  it('encrypts the bucket with SSE-S3 and creates no VPC attachment or e-mail subscription', () => {
    const [rule] = onBucket(defaults, 'aws_s3_bucket_server_side_encryption_configuration').rule;
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
    expect(archiveBucket(defaults).force_destroy).toBe(false);
    expect(defaults.resources('aws_iam_role_policy_attachment')).toEqual([]);
    expect(functionNamed(defaults, '-archiver').vpc_config).toBeUndefined();
    expect(defaults.resources('aws_sns_topic_subscription')).toEqual([]);
  });

  it('selects clusters by the opt-in tag', () => {
    const env = functionNamed(defaults, '-discoverer').environment.variables;
    expect(env.ARCHIVER_CLUSTER_TAG).toBe('rds-log-archiver=enabled');
    expect(env.ARCHIVER_CLUSTERS).toBeUndefined();
  });
});

describe('ArchiverStack with KMS, Object Lock and a VPC', () => {
  it('encrypts the bucket with the key and an S3 bucket key', () => {
    const [rule] = onBucket(hardened, 'aws_s3_bucket_server_side_encryption_configuration').rule;
    expect(rule.apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: 'aws:kms',
      kms_master_key_id: KEY,
    });
    expect(rule.bucket_key_enabled).toBe(true);
  });

  it('encrypts the queues and the ledger with the key', () => {
    for (const [, queue] of hardened.resources('aws_sqs_queue')) expect(queue.kms_master_key_id).toBe(KEY);
    expect(hardened.one('aws_dynamodb_table').server_side_encryption).toEqual({
      enabled: true,
      kms_key_arn: KEY,
    });
  });

  it('locks in compliance mode for auditRetentionDays', () => {
    expect(objectLock(hardened).rule.default_retention).toEqual({ mode: 'COMPLIANCE', days: 365 });
  });

  it('lets every role use the key, and nothing else', () => {
    for (const [id, statements] of roleStatements(hardened)) {
      if (statements.every((st: Json) => st.Effect === 'Deny')) continue;
      const kms = statements.filter((st: Json) => st.Action.some((a: string) => a.startsWith('kms:')));
      expect(kms, id).toEqual([
        { Sid: 'Key', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [KEY] },
      ]);
    }
  });

  it('places every function in the subnets with the ENI-management policy', () => {
    for (const suffix of ['-archiver', '-discoverer', '-digester']) {
      expect(functionNamed(hardened, suffix).vpc_config).toEqual({
        subnet_ids: HARDENED.subnetIds,
        security_group_ids: HARDENED.securityGroupIds,
      });
    }
    const attachments = hardened.resources('aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn);
    expect(attachments).toHaveLength(3);
    for (const arn of attachments)
      expect(arn).toMatch(/:iam::aws:policy\/service-role\/AWSLambdaVPCAccessExecutionRole$/);
  });

  it('writes only under the key prefix and passes the explicit cluster list', () => {
    const write = roleStatements(hardened)
      .get([...roleStatements(hardened).keys()].find((id) => id.startsWith('archiver_')) ?? '')
      ?.find((st: Json) => st.Sid === 'ArchivedObjects');
    expect(write.Resource).toEqual([expect.stringMatching(/\.arn\}\/rds-logs\/\*$/)]);
    const env = functionNamed(hardened, '-archiver').environment.variables;
    expect(env.ARCHIVER_CLUSTERS).toBe('orders-db,billing-db');
    expect(env.ARCHIVER_CLUSTER_TAG).toBeUndefined();
    expect(env.ARCHIVER_KEY_LAYOUT).toBe('hive');
  });

  it('subscribes the alarm e-mail address', () => {
    expect(hardened.one('aws_sns_topic_subscription')).toMatchObject({
      protocol: 'email',
      endpoint: HARDENED.alarmEmail,
    });
  });
});

describe('ArchiverStack with an existing bucket', () => {
  const existing = synthStack({ createBucket: false, bucketName: 'corp-audit-archive' });

  it('manages nothing about the bucket and scopes access to it by name', () => {
    expect(existing.resources('aws_s3_bucket')).toEqual([]);
    expect(existing.resources('aws_s3_bucket_policy')).toEqual([]);
    const resources = allResources(existing).filter((r) => r.includes(':s3:::'));
    // The partition comes from a Terraform data source reference.
    const partition = /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:s3:::/;
    expect([...new Set(resources.map((r) => r.replace(partition, '')))].sort()).toEqual([
      'corp-audit-archive',
      'corp-audit-archive/*',
      'corp-audit-archive/_digests/*',
    ]);
    for (const resource of resources) expect(resource).toMatch(partition);
    expect(functionNamed(existing, '-archiver').environment.variables.ARCHIVER_BUCKET).toBe(
      'corp-audit-archive',
    );
  });
});

describe('ArchiverStack digest chain', () => {
  const SIGNING = 'arn:aws:kms:eu-west-1:123456789012:key/9e9e9e9e-1111-2222-3333-444455556666';
  const signed = synthStack({ ...HARDENED, digestSigningKeyArn: SIGNING, digestScheduleMinutes: 30 });
  const statementsOf = (s: Synthesized, prefix: string) =>
    [...roleStatements(s).entries()].filter(([id]) => id.startsWith(prefix)).flatMap(([, sts]) => sts);

  it('runs one digester at a time, on its schedule, signing with the KMS key when one is set', () => {
    const fn = functionNamed(signed, '-digester');
    expect(fn.reserved_concurrent_executions).toBe(1);
    expect(fn.environment.variables.ARCHIVER_DIGEST_SIGNING_KEY).toBe(SIGNING);
    expect(fn.environment.variables.ARCHIVER_KEY_PREFIX).toBe('rds-logs/');
    expect(
      functionNamed(defaults, '-digester').environment.variables.ARCHIVER_DIGEST_SIGNING_KEY,
    ).toBeUndefined();
    const rule = signed
      .resources('aws_cloudwatch_event_rule')
      .find(([, r]) => r.name.endsWith('-digester'))?.[1];
    expect(rule.schedule_expression).toBe('rate(30 minutes)');
  });

  it('lets the digester read and write only its ledger items and the digests, and only it sign', () => {
    const digester = statementsOf(signed, 'digests_digester_');
    expect(digester.map((st: Json) => st.Sid)).toEqual([
      'Ledger',
      'Digests',
      'DigestSigningKey',
      'Logs',
      'Key',
    ]);
    expect(digester.find((st: Json) => st.Sid === 'Digests').Resource).toEqual([
      expect.stringMatching(/\.arn\}\/rds-logs\/_digests\/\*$/),
    ]);
    expect(digester.flatMap((st: Json) => st.Action).filter((a: string) => /^(sqs|rds):/.test(a))).toEqual(
      [],
    );
    const signers = [...roleStatements(signed).entries()].filter(([, sts]) =>
      sts.some((st: Json) => st.Action.includes('kms:Sign')),
    );
    expect(signers.map(([id]) => id)).toEqual([expect.stringMatching(/^digests_digester_/)]);
    expect(digester.find((st: Json) => st.Sid === 'DigestSigningKey')).toEqual({
      Sid: 'DigestSigningKey',
      Effect: 'Allow',
      Action: ['kms:Sign'],
      Resource: [SIGNING],
    });
  });

  it('denies the archiver, and only it, writing or deleting digests, in its own policy', () => {
    const denying = [...roleStatements(signed).entries()].filter(([, sts]) =>
      sts.some((st: Json) => st.Effect === 'Deny'),
    );
    expect(denying.map(([id]) => id)).toEqual([expect.stringMatching(/^archiver_/)]);
    expect(roleNamed(signed, '-archiver').statements.filter((st: Json) => st.Effect === 'Deny')).toEqual([
      {
        Sid: 'DigestsAreTheDigesters',
        Effect: 'Deny',
        Action: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: [expect.stringMatching(/\.arn\}\/rds-logs\/_digests\/\*$/)],
      },
    ]);
  });

  it('offers an auditor policy that only reads and lists the archive', () => {
    const policy = JSON.parse(signed.one('aws_iam_policy').policy);
    expect(policy.Statement.flatMap((st: Json) => st.Action).sort()).toEqual(
      ['kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'].sort(),
    );
    expect(policy.Statement.every((st: Json) => st.Effect === 'Allow')).toBe(true);
  });
});
