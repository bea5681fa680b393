import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import type { Kind } from '../../core/setting-kinds.js';
import { functionEnvironment } from '../../infra/function-environment.js';
import {
  DEFAULT_SETTINGS,
  DEPLOY_SETTINGS,
  envName,
  loadSettings,
  parseSettings,
  retentionPlan,
  SettingsError,
  visibilityTimeoutSeconds,
} from '../../infra/settings.js';

function problemsOf(input: unknown): string[] {
  try {
    parseSettings(input);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseSettings', () => {
  it('fills every setting from the defaults when nothing is given', () => {
    expect(parseSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.architecture).toBe('arm64');
  });

  it('refuses a maxReceiveCount below 5', () => {
    expect(problemsOf({ maxReceiveCount: 4 })).toEqual(['maxReceiveCount must be from 5 to 1000, got 4']);
  });

  it('lists every problem at once, including unknown settings', () => {
    const problems = problemsOf({ region: 'mars', batchSize: 'ten', bukketName: 'x', keyPrefix: '/logs' });
    expect(problems).toHaveLength(4);
    expect(problems).toContain('unknown setting "bukketName"');
    expect(problems.join('\n')).toMatch(/region/);
    expect(problems.join('\n')).toMatch(/batchSize must be a whole number from 1 to 10000, got "ten"/);
    expect(problems.join('\n')).toMatch(/keyPrefix/);
  });

  it('replaces the default tag selector with an explicit cluster list, but refuses both given at once', () => {
    const s = parseSettings({ clusters: ['orders-db'] });
    expect(s.clusters).toEqual(['orders-db']);
    expect(s.clusterTag).toBeUndefined();
    expect(problemsOf({ clusters: ['orders-db'], clusterTag: 'archive=yes' })).toEqual([
      'choose either clusters or clusterTag, not both',
    ]);
  });

  it('takes standalone instances beside the clusters, by identifier or tag', () => {
    expect(parseSettings({ instances: ['billing-mysql'] }).instances).toEqual(['billing-mysql']);
    expect(parseSettings({ clusters: ['orders-db'], instanceTag: 'audit=on' }).instanceTag).toEqual({
      key: 'audit',
      value: 'on',
    });
    expect(problemsOf({ instances: ['billing_mysql'] }).join('\n')).toMatch(
      /instances .*billing_mysql.* is not a DB instance identifier/,
    );
  });

  it('needs a bucket name to use an existing bucket, and sets no Object Lock or logging on it', () => {
    expect(problemsOf({ createBucket: false })).toEqual(['createBucket=false needs bucketName']);
    // The defaults (Object Lock, access logging) are for a bucket the stack creates: not an error.
    expect(problemsOf({ createBucket: false, bucketName: 'corp-archive' })).toEqual([]);
    expect(
      problemsOf({
        createBucket: false,
        bucketName: 'corp-archive',
        objectLock: 'governance',
        accessLogging: true,
      }),
    ).toEqual([
      'objectLock can only be set on a bucket this stack creates',
      'accessLogging can only be set on a bucket this stack creates',
    ]);
    expect(retentionPlan(parseSettings({ createBucket: false, bucketName: 'corp-archive' })).lock).toBe(
      undefined,
    );
  });

  it('takes the Object Lock mode only, and says where the retention went when given the old form', () => {
    expect(parseSettings({ objectLock: 'compliance' }).objectLock).toBe('compliance');
    const [problem, ...rest] = problemsOf({ objectLock: { mode: 'governance', days: 90 } });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^objectLock must be one of governance, compliance, off, got .*auditRetentionDays/,
    );
    expect(problemsOf({ objectLock: 'legal-hold' })).toHaveLength(1);
  });

  it('derives the lock, the version expiry and the access log retention from auditRetentionDays', () => {
    expect(retentionPlan(DEFAULT_SETTINGS)).toEqual({
      lock: { mode: 'GOVERNANCE', days: 400 },
      expireCurrentDays: undefined,
      noncurrentDays: 400,
      accessLogDays: 400,
    });
    const s = parseSettings({
      auditRetentionDays: 2555,
      objectLock: 'compliance',
      expireAfterRetention: true,
      noncurrentVersionExpiryDays: 3000,
    });
    expect(retentionPlan(s)).toEqual({
      lock: { mode: 'COMPLIANCE', days: 2555 },
      expireCurrentDays: 2555,
      noncurrentDays: 3000,
      accessLogDays: 2555,
    });
    expect(retentionPlan(parseSettings({ objectLock: 'off' })).lock).toBeUndefined();
  });

  it('refuses to delete earlier generations of a file before the audit retention ends', () => {
    expect(problemsOf({ noncurrentVersionExpiryDays: 30 })).toEqual([
      'noncurrentVersionExpiryDays (30) must be at least auditRetentionDays (400): an earlier generation of a file is an audit record too',
    ]);
    expect(problemsOf({ auditRetentionDays: 30, noncurrentVersionExpiryDays: 30 })).toEqual([]);
  });

  it('accepts only IAM role, user or account root ARNs as operator principals', () => {
    const role = 'arn:aws:iam::123456789012:role/dba-oncall';
    expect(
      parseSettings({ operatorPrincipals: [role, 'arn:aws:iam::123456789012:root'] }).operatorPrincipals,
    ).toEqual([role, 'arn:aws:iam::123456789012:root']);
    expect(problemsOf({ operatorPrincipals: ['dba-oncall'] })).toEqual([
      'operatorPrincipals "dba-oncall" is not an IAM role, user or account root ARN',
    ]);
  });

  it('checks the rules that tie settings together', () => {
    expect(problemsOf({ batchSize: 50 })).toEqual([
      'batchSize above 10 needs batchingWindowSeconds >= 1 (an SQS rule)',
    ]);
    expect(problemsOf({ subnetIds: ['subnet-0abc'] })).toEqual([
      'subnetIds and securityGroupIds go together',
    ]);
    expect(problemsOf({ scheduleMinutes: 1 })).toEqual([
      'discovererTimeoutSeconds must be shorter than the schedule interval',
    ]);
    expect(problemsOf({ archiverTimeoutSeconds: 900, sweepAfterSeconds: 1000 })).toEqual([
      'sweepAfterSeconds must be at least twice archiverTimeoutSeconds (the lease)',
    ]);
    expect(problemsOf({ logRetentionDays: 10 })).toHaveLength(1);
    expect(
      problemsOf({
        transitions: [
          { days: 90, storageClass: 'GLACIER_IR' },
          { days: 30, storageClass: 'STANDARD_IA' },
        ],
      }),
    ).toEqual(['transitions must be in increasing order of days']);
  });
});

describe('settings from the environment', () => {
  it('reads ARCHIVER_DEPLOY_* variables with their types', () => {
    expect(envName('archiverTimeoutSeconds')).toBe('ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS');
    const s = loadSettings(undefined, {
      ARCHIVER_DEPLOY_CLUSTERS: 'a-db, b-db',
      ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS: '300',
      ARCHIVER_DEPLOY_CREATE_BUCKET: 'false',
      ARCHIVER_DEPLOY_BUCKET_NAME: 'corp-archive',
      ARCHIVER_DEPLOY_OBJECT_LOCK: 'off',
      ARCHIVER_DEPLOY_TRANSITIONS: '[{"days": 10, "storageClass": "GLACIER_IR"}]',
      UNRELATED: 'x',
    });
    expect(s).toEqual({
      ...DEFAULT_SETTINGS,
      clusters: ['a-db', 'b-db'],
      clusterTag: undefined,
      archiverTimeoutSeconds: 300,
      createBucket: false,
      bucketName: 'corp-archive',
      objectLock: 'off',
      transitions: [{ days: 10, storageClass: 'GLACIER_IR' }],
    });
    expect(loadSettings(undefined, { ARCHIVER_DEPLOY_OBJECT_LOCK: 'compliance' }).objectLock).toBe(
      'compliance',
    );
    expect(() => loadSettings(undefined, { ARCHIVER_DEPLOY_OBJECT_LOCK: 'governance:30' })).toThrow(
      /objectLock \(ARCHIVER_DEPLOY_OBJECT_LOCK\) must be one of .*auditRetentionDays/,
    );
  });

  it('reads every default back from the text it writes (as an ARCHIVER_DEPLOY_* value)', () => {
    for (const [key, declaration] of Object.entries(DEPLOY_SETTINGS)) {
      const kind = declaration.kind as Kind<unknown>;
      if (declaration.default === undefined) continue;
      const text = kind.toText(declaration.default);
      if (text === '') continue;
      expect(kind.fromText(text), key).toEqual({ value: declaration.default });
    }
  });
});

describe('kmsKeyArn', () => {
  it('accepts a key ARN and refuses an alias ARN, saying why and what to use instead', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/0f7c1f2e-1111-2222-3333-444455556666';
    expect(parseSettings({ kmsKeyArn: key }).kmsKeyArn).toBe(key);
    expect(
      parseSettings({ kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd' }).kmsKeyArn,
    ).toMatch(/mrk-/);
    const [problem, ...rest] = problemsOf({ kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/archive' });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^kmsKeyArn must be the key's ARN .*not an alias ARN: IAM ignores alias ARNs/);
    expect(problem).toContain(
      'aws kms describe-key --key-id arn:aws:kms:eu-west-1:123456789012:alias/archive',
    );
    expect(problemsOf({ kmsKeyArn: 'my-key' })).toEqual([
      'kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), got "my-key"',
    ]);
  });
});

describe('loadSettings', () => {
  it('lets the environment override the file', () => {
    const file = JSON.stringify({ region: 'eu-west-1', batchSize: 2 });
    const s = loadSettings(file, { ARCHIVER_DEPLOY_BATCH_SIZE: '6' });
    expect([s.region, s.batchSize]).toEqual(['eu-west-1', 6]);
  });

  it('reports a file that is not JSON', () => {
    expect(() => loadSettings('{ region: ', {})).toThrow(SettingsError);
  });

  it('reports an environment value of the wrong type by the setting it belongs to', () => {
    expect(() => loadSettings(undefined, { ARCHIVER_DEPLOY_MAX_CONCURRENCY: 'lots' })).toThrow(
      /maxConcurrency \(ARCHIVER_DEPLOY_MAX_CONCURRENCY\) must be a whole number from 2 to 1000, got "lots"/,
    );
  });
});

describe('visibilityTimeoutSeconds', () => {
  it('is six archiver timeouts plus the batching window', () => {
    expect(
      visibilityTimeoutSeconds({
        ...DEFAULT_SETTINGS,
        archiverTimeoutSeconds: 600,
        batchingWindowSeconds: 20,
      }),
    ).toBe(3620);
  });
});

describe('functionEnvironment', () => {
  const resources = {
    table: 'archiver-ledger',
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/archive',
    dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/archive-dlq',
    discoveryQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/discovery',
    bucket: 'archiver-archive',
  };

  it('is read back by the functions as the configuration the settings mean', () => {
    const s = parseSettings({
      region: 'eu-west-1',
      clusters: ['orders-db'],
      keyLayout: 'hive',
      keyPrefix: 'rds-logs/',
      settleSeconds: 120,
      sweepAfterSeconds: 2400,
      archiverTimeoutSeconds: 900,
      maxReceiveCount: 8,
      rdsLogRetentionHours: 48,
      logTypes: ['audit/', 'error/'],
    });
    // AWS_REGION comes from Lambda itself.
    const config = loadConfig({ ...functionEnvironment(s, resources), AWS_REGION: s.region }, 'run');
    expect(config).toMatchObject({
      ...resources,
      region: 'eu-west-1',
      clusters: ['orders-db'],
      clusterTag: undefined,
      logTypes: ['audit', 'error', 'postgresql'],
      keyLayout: 'hive',
      keyPrefix: 'rds-logs/',
      settleMs: 120_000,
      leaseMs: 900_000,
      sweepAfterMs: 2_400_000,
      maxAttempts: 8,
      retentionMs: 48 * 3_600_000,
      objectDigest: 'tags',
    });
  });

  it('passes the default tag selector on when no clusters are listed', () => {
    const config = loadConfig(
      { ...functionEnvironment(DEFAULT_SETTINGS, resources), AWS_REGION: 'us-east-1' },
      'run',
    );
    expect(config.clusterTag).toEqual({ key: 'rds-log-archiver', value: 'enabled' });
    expect(config.clusters).toEqual([]);
  });
});
