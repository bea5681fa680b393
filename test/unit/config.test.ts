import { describe, expect, it } from 'vitest';
import {
  type ArchiverConfig,
  ConfigError,
  type ConfigNeed,
  configEnvironment,
  loadConfig,
  RUNTIME_SETTINGS,
} from '../../core/config.js';
import type { Kind } from '../../core/setting-kinds.js';
import { validEnv } from '../support/factories.js';

/** The problems `loadConfig` reports for an environment (fails the test if it accepts it). */
function problemsOf(env: Record<string, string | undefined>, need: ConfigNeed = 'discover'): string[] {
  try {
    loadConfig(env, need);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to reject the environment');
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('fills every optional setting with its documented default', () => {
      const config = loadConfig(
        { AWS_REGION: 'eu-west-1', ARCHIVER_TABLE: 'ledger', ARCHIVER_CLUSTERS: 'a' },
        'operate',
      );
      expect(config).toEqual({
        region: 'eu-west-1',
        table: 'ledger',
        sourceAccounts: [],
        queueUrl: undefined,
        dlqUrl: undefined,
        bucket: undefined,
        clusters: ['a'],
        clusterTag: undefined,
        instances: [],
        instanceTag: undefined,
        logTypes: ['audit'],
        keyLayout: 'seed',
        keyPrefix: '',
        settleMs: 300_000,
        leaseMs: 900_000,
        sweepAfterMs: 1_800_000,
        maxAttempts: 5,
        retentionMs: undefined,
        rdsApiRate: 6,
        rdsApiBurst: 150,
        gzipLevel: 6,
        partSizeBytes: 5 * 1024 * 1024,
        uploadConcurrency: 2,
        downloadPath: 'auto',
        objectDigest: 'metadata',
        digestDelayMs: 300_000,
        digestSigningKey: undefined,
      });
    });

    it('treats blank variables as unset', () => {
      const config = loadConfig(validEnv({ ARCHIVER_GZIP_LEVEL: '  ', ARCHIVER_KEY_LAYOUT: '' }), 'discover');
      expect(config.gzipLevel).toBe(6);
      expect(config.keyLayout).toBe('seed');
    });

    it('falls back to AWS_DEFAULT_REGION when AWS_REGION is unset', () => {
      const config = loadConfig(
        validEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: 'ap-southeast-2' }),
        'discover',
      );
      expect(config.region).toBe('ap-southeast-2');
    });
  });

  describe('parsing', () => {
    it('parses every variable into its typed setting', () => {
      const config = loadConfig(
        {
          AWS_REGION: 'us-west-2',
          ARCHIVER_TABLE: 'tbl',
          ARCHIVER_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q',
          ARCHIVER_DLQ_URL: 'https://sqs.us-west-2.amazonaws.com/1/dlq',
          ARCHIVER_BUCKET: 'my.bucket-1',
          ARCHIVER_CLUSTERS: ' orders-db , billing-db ,, ',
          ARCHIVER_CLUSTER_TAG: ' archive = yes=please ',
          ARCHIVER_INSTANCES: 'mysql-1, mariadb-2',
          ARCHIVER_INSTANCE_TAG: 'audit=on',
          ARCHIVER_LOG_TYPES: 'audit/, error/',
          ARCHIVER_KEY_LAYOUT: 'hive',
          ARCHIVER_KEY_PREFIX: 'rds-logs',
          ARCHIVER_SETTLE_SECONDS: '0',
          ARCHIVER_LEASE_SECONDS: '600',
          ARCHIVER_SWEEP_AFTER_SECONDS: '1200',
          ARCHIVER_MAX_ATTEMPTS: '8',
          ARCHIVER_RETENTION_HOURS: '72',
          ARCHIVER_RDS_API_RATE: '0',
          ARCHIVER_RDS_API_BURST: '20',
          ARCHIVER_GZIP_LEVEL: '9',
          ARCHIVER_PART_SIZE_MB: '16',
          ARCHIVER_UPLOAD_CONCURRENCY: '2',
          ARCHIVER_DOWNLOAD_PATH: 'v13',
          ARCHIVER_OBJECT_DIGEST: 'tags',
          ARCHIVER_DIGEST_DELAY_SECONDS: '60',
          ARCHIVER_DIGEST_SIGNING_KEY: ' /etc/keys/digest.pem ',
        },
        'archive',
      );
      expect(config).toEqual({
        region: 'us-west-2',
        table: 'tbl',
        sourceAccounts: [],
        queueUrl: 'http://127.0.0.1:4566/000000000000/q',
        dlqUrl: 'https://sqs.us-west-2.amazonaws.com/1/dlq',
        bucket: 'my.bucket-1',
        clusters: ['orders-db', 'billing-db'],
        // Only the first `=` splits: tag values may hold `=`.
        clusterTag: { key: 'archive', value: 'yes=please' },
        instances: ['mysql-1', 'mariadb-2'],
        instanceTag: { key: 'audit', value: 'on' },
        logTypes: ['audit', 'error', 'postgresql'],
        keyLayout: 'hive',
        keyPrefix: 'rds-logs/',
        settleMs: 0,
        leaseMs: 600_000,
        sweepAfterMs: 1_200_000,
        maxAttempts: 8,
        retentionMs: 72 * 3_600_000,
        rdsApiRate: 0,
        rdsApiBurst: 20,
        gzipLevel: 9,
        partSizeBytes: 16 * 1024 * 1024,
        uploadConcurrency: 2,
        downloadPath: 'v13',
        objectDigest: 'tags',
        digestDelayMs: 60_000,
        digestSigningKey: { kind: 'pem', path: '/etc/keys/digest.pem' },
      });
    });

    it('keeps a key prefix that already ends in a slash as it is', () => {
      expect(loadConfig(validEnv({ ARCHIVER_KEY_PREFIX: 'a/b/' }), 'discover').keyPrefix).toBe('a/b/');
    });

    it('accepts a cluster tag with an empty value', () => {
      expect(loadConfig(validEnv({ ARCHIVER_CLUSTER_TAG: 'archive=' }), 'discover').clusterTag).toEqual({
        key: 'archive',
        value: '',
      });
    });
  });

  describe('errors', () => {
    it.each([
      ['ARCHIVER_GZIP_LEVEL', 'fast', /ARCHIVER_GZIP_LEVEL must be a whole number from 1 to 9, got "fast"/],
      ['ARCHIVER_SETTLE_SECONDS', '-5', /ARCHIVER_SETTLE_SECONDS must be a whole number/],
      ['ARCHIVER_LEASE_SECONDS', '1.5', /ARCHIVER_LEASE_SECONDS must be a whole number/],
      ['ARCHIVER_KEY_LAYOUT', 'flat', /ARCHIVER_KEY_LAYOUT must be one of seed, hive, got "flat"/],
      ['ARCHIVER_DOWNLOAD_PATH', 'v20', /ARCHIVER_DOWNLOAD_PATH must be one of auto, v19, v13, got "v20"/],
      ['ARCHIVER_CLUSTER_TAG', 'archive', /ARCHIVER_CLUSTER_TAG must be `key=value`, got "archive"/],
      ['ARCHIVER_CLUSTER_TAG', '=yes', /ARCHIVER_CLUSTER_TAG must be `key=value`/],
      ['ARCHIVER_QUEUE_URL', 'not a url', /ARCHIVER_QUEUE_URL must be a URL, got "not a url"/],
      ['ARCHIVER_DLQ_URL', 'ftp://host/q', /ARCHIVER_DLQ_URL must be a URL/],
      ['ARCHIVER_BUCKET', 'My_Bucket', /ARCHIVER_BUCKET must be a valid S3 bucket name, got "My_Bucket"/],
      ['ARCHIVER_CLUSTERS', 'ok,1bad', /ARCHIVER_CLUSTERS "1bad" is not a DB cluster identifier/],
      [
        'ARCHIVER_LOG_TYPES',
        'audit,slow',
        /^ARCHIVER_LOG_TYPES "slow" is not a log type: use audit, error, slowquery, general, postgresql or all \(the prefix form audit\/, error\/, slowquery\/, general\/ still works\)\.$/,
      ],
      ['ARCHIVER_LOG_TYPES', '/audit/', /ARCHIVER_LOG_TYPES "\/audit\/" is not a log type: use audit, error/],
      ['ARCHIVER_LOG_TYPES', '../x,trace/', /ARCHIVER_LOG_TYPES "..\/x", "trace\/" are not log types/],
      ['ARCHIVER_LOG_TYPES', ',', /ARCHIVER_LOG_TYPES must name at least one log type/],
    ])('names %s and the expected form when it is %j', (name, value, message) => {
      const problems = problemsOf(validEnv({ [name]: value }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    it('names each missing always-required variable', () => {
      const problems = problemsOf({ ARCHIVER_CLUSTERS: 'a' }, 'operate');
      expect(problems).toEqual([
        expect.stringMatching(/^AWS_REGION is required/),
        expect.stringMatching(/^ARCHIVER_TABLE is required/),
      ]);
    });

    it('reports all problems at once, in one ConfigError', () => {
      const problems = problemsOf(
        {
          ARCHIVER_GZIP_LEVEL: '0',
          ARCHIVER_PART_SIZE_MB: 'big',
          ARCHIVER_KEY_LAYOUT: 'flat',
          ARCHIVER_KEY_PREFIX: '/abs',
        },
        'archive',
      );
      const text = problems.join('\n');
      for (const name of [
        'AWS_REGION',
        'ARCHIVER_TABLE',
        'ARCHIVER_DLQ_URL',
        'ARCHIVER_BUCKET',
        'ARCHIVER_GZIP_LEVEL',
        'ARCHIVER_PART_SIZE_MB',
        'ARCHIVER_KEY_LAYOUT',
        'ARCHIVER_KEY_PREFIX',
        'ARCHIVER_CLUSTERS',
      ]) {
        expect(text).toContain(name);
      }
      expect(problems).toHaveLength(9);
    });

    it('puts every problem into the error message', () => {
      let caught: unknown;
      try {
        loadConfig({}, 'operate');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).name).toBe('ConfigError');
      expect((caught as ConfigError).message).toContain('AWS_REGION');
      expect((caught as ConfigError).message).toContain('ARCHIVER_TABLE');
    });
  });

  describe('need-specific requirements', () => {
    it('discover needs the queue URL', () => {
      expect(problemsOf(validEnv({ ARCHIVER_QUEUE_URL: undefined }), 'discover')).toEqual([
        expect.stringMatching(/^ARCHIVER_QUEUE_URL is required: the archive queue, an SQS queue URL/),
      ]);
    });

    it('discover needs clusters or a cluster tag', () => {
      const problems = problemsOf(validEnv({ ARCHIVER_CLUSTERS: undefined }), 'discover');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/ARCHIVER_CLUSTERS.*ARCHIVER_CLUSTER_TAG/);
      expect(
        loadConfig(validEnv({ ARCHIVER_CLUSTERS: undefined, ARCHIVER_CLUSTER_TAG: 'k=v' }), 'discover')
          .clusterTag,
      ).toEqual({ key: 'k', value: 'v' });
    });

    it('discover needs neither bucket nor DLQ', () => {
      const config = loadConfig(
        validEnv({ ARCHIVER_BUCKET: undefined, ARCHIVER_DLQ_URL: undefined }),
        'discover',
      );
      expect(config.bucket).toBeUndefined();
      expect(config.dlqUrl).toBeUndefined();
    });

    it('archive needs the bucket and the DLQ URL', () => {
      const problems = problemsOf(
        validEnv({ ARCHIVER_BUCKET: undefined, ARCHIVER_DLQ_URL: undefined }),
        'archive',
      );
      expect(problems).toEqual([
        expect.stringMatching(/^ARCHIVER_DLQ_URL is required/),
        expect.stringMatching(/^ARCHIVER_BUCKET is required/),
      ]);
    });

    it('archive needs no queue URL, but clusters or a tag: it refuses files of other clusters', () => {
      expect(loadConfig(validEnv({ ARCHIVER_QUEUE_URL: undefined }), 'archive').queueUrl).toBeUndefined();
      expect(problemsOf(validEnv({ ARCHIVER_CLUSTERS: undefined }), 'archive')).toEqual([
        expect.stringMatching(/ARCHIVER_CLUSTERS.*ARCHIVER_CLUSTER_TAG/),
      ]);
    });
  });

  describe('bounds', () => {
    it.each([
      ['ARCHIVER_GZIP_LEVEL', '1', '9', '0', '10'],
      ['ARCHIVER_PART_SIZE_MB', '5', '512', '4', '513'],
      ['ARCHIVER_MAX_ATTEMPTS', '1', '1000', '0', '1001'],
      ['ARCHIVER_UPLOAD_CONCURRENCY', '1', '16', '0', '17'],
      ['ARCHIVER_SETTLE_SECONDS', '0', '86400', undefined, '86401'],
      ['ARCHIVER_LEASE_SECONDS', '10', '43200', '9', '43201'],
      ['ARCHIVER_RETENTION_HOURS', '1', '2160', '0', '2161'],
      ['ARCHIVER_RDS_API_RATE', '0', '10000', undefined, '10001'],
      ['ARCHIVER_RDS_API_BURST', '1', '100000', '0', '100001'],
    ])('%s accepts %s..%s and rejects values outside', (name, min, max, below, above) => {
      expect(() => loadConfig(validEnv({ [name]: min }), 'discover')).not.toThrow();
      expect(() => loadConfig(validEnv({ [name]: max }), 'discover')).not.toThrow();
      for (const bad of [below, above]) {
        if (bad === undefined) continue;
        expect(problemsOf(validEnv({ [name]: bad }))).toEqual([
          `${name} must be from ${min} to ${max}, got ${bad}.`,
        ]);
      }
    });

    it('converts the part size to bytes at both bounds', () => {
      expect(loadConfig(validEnv({ ARCHIVER_PART_SIZE_MB: '5' }), 'archive').partSizeBytes).toBe(5_242_880);
      expect(loadConfig(validEnv({ ARCHIVER_PART_SIZE_MB: '512' }), 'archive').partSizeBytes).toBe(
        536_870_912,
      );
    });
  });

  describe('key prefix safety', () => {
    it.each(['/rds-logs', '../escape', 'a/../b', 'a/..', './rds-logs', 'a/./b', 'tab\there', 'bell\u0007'])(
      'rejects %j',
      (prefix) => {
        const problems = problemsOf(validEnv({ ARCHIVER_KEY_PREFIX: prefix }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^ARCHIVER_KEY_PREFIX must not/);
      },
    );

    it.each(['rds-logs/', 'team a/logs', 'ünïcode/x', 'dotted.name/v1.2/'])('accepts %j', (prefix) => {
      const config = loadConfig(validEnv({ ARCHIVER_KEY_PREFIX: prefix }), 'discover');
      expect(config.keyPrefix.endsWith('/')).toBe(true);
      expect(config.keyPrefix.startsWith(prefix)).toBe(true);
    });
  });

  describe('needs of each use', () => {
    const bare = { AWS_REGION: 'us-east-1', ARCHIVER_TABLE: 't', ARCHIVER_CLUSTERS: 'a' };
    const missing = (need: ConfigNeed | ConfigNeed[]) =>
      problemsOf(bare, need as ConfigNeed).map((p) => p.split(' ')[0]);

    it.each<[ConfigNeed | ConfigNeed[], string[]]>([
      ['operate', []],
      ['discover', ['ARCHIVER_QUEUE_URL']],
      ['archive', ['ARCHIVER_DLQ_URL', 'ARCHIVER_BUCKET']],
      ['drain', ['ARCHIVER_QUEUE_URL', 'ARCHIVER_DLQ_URL', 'ARCHIVER_BUCKET']],
      ['run', ['ARCHIVER_QUEUE_URL', 'ARCHIVER_DLQ_URL', 'ARCHIVER_BUCKET']],
      ['redrive', ['ARCHIVER_QUEUE_URL', 'ARCHIVER_DLQ_URL']],
      ['redrive-native', ['ARCHIVER_DLQ_URL']],
      ['verify', ['ARCHIVER_BUCKET']],
      ['digest', ['ARCHIVER_BUCKET']],
      [
        ['discover', 'verify'],
        ['ARCHIVER_QUEUE_URL', 'ARCHIVER_BUCKET'],
      ],
    ])('%j requires %j', (need, variables) => {
      if (variables.length === 0) expect(() => loadConfig(bare, need)).not.toThrow();
      else expect(missing(need)).toEqual(variables);
    });

    it('verify --digests (audit) needs the region and the bucket, and no table', () => {
      expect(problemsOf({}, 'audit').map((p) => p.split(' ')[0])).toEqual(['AWS_REGION', 'ARCHIVER_BUCKET']);
      expect(() => loadConfig({ AWS_REGION: 'us-east-1', ARCHIVER_BUCKET: 'bkt' }, 'audit')).not.toThrow();
      expect(problemsOf({ AWS_REGION: 'us-east-1', ARCHIVER_BUCKET: 'bkt' }, 'operate')).toEqual([
        expect.stringMatching(/^ARCHIVER_TABLE is required/),
      ]);
    });

    it('reads a digest signing key as KMS (ARN or alias) or a PEM file', () => {
      const key = (value: string) =>
        loadConfig(validEnv({ ARCHIVER_DIGEST_SIGNING_KEY: value }), 'digest').digestSigningKey;
      expect(key('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab')).toEqual({
        kind: 'kms',
        keyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab',
      });
      expect(key('alias/digests')).toEqual({ kind: 'kms', keyId: 'alias/digests' });
      expect(key('./keys/digest.pem')).toEqual({ kind: 'pem', path: './keys/digest.pem' });
    });

    it.each<[ConfigNeed | ConfigNeed[], string[]]>([
      [
        ['discover', 'verify'],
        ['ARCHIVER_QUEUE_URL', 'ARCHIVER_BUCKET'],
      ],
    ])('%j requires %j', (need, variables) => {
      if (variables.length === 0) expect(() => loadConfig(bare, need)).not.toThrow();
      else expect(missing(need)).toEqual(variables);
    });

    it('reports a missing queue URL together with every other problem', () => {
      const problems = problemsOf({ ARCHIVER_GZIP_LEVEL: 'x' }, 'drain');
      expect(problems.map((p) => p.split(' ')[0])).toEqual([
        'AWS_REGION',
        'ARCHIVER_TABLE',
        'ARCHIVER_QUEUE_URL',
        'ARCHIVER_DLQ_URL',
        'ARCHIVER_BUCKET',
        'ARCHIVER_GZIP_LEVEL',
        // Nothing selected: "Set ARCHIVER_CLUSTERS or ARCHIVER_INSTANCES ...".
        'Set',
      ]);
    });

    it('accepts standalone instances alone as the selection, for the discoverer and the archiver', () => {
      const env = validEnv({ ARCHIVER_CLUSTERS: undefined, ARCHIVER_INSTANCES: 'mysql-1' });
      expect(loadConfig(env, 'run').instances).toEqual(['mysql-1']);
      const tagged = validEnv({ ARCHIVER_CLUSTERS: undefined, ARCHIVER_INSTANCE_TAG: 'audit=on' });
      expect(loadConfig(tagged, 'run').instanceTag).toEqual({ key: 'audit', value: 'on' });
      expect(problemsOf(validEnv({ ARCHIVER_CLUSTERS: undefined }), 'archive')).toEqual([
        'Set ARCHIVER_CLUSTERS or ARCHIVER_INSTANCES (comma lists) and/or ARCHIVER_CLUSTER_TAG or ARCHIVER_INSTANCE_TAG (key=value): nothing to archive.',
      ]);
      expect(problemsOf(validEnv({ ARCHIVER_INSTANCES: 'mysql_1' }), 'discover')).toEqual([
        'ARCHIVER_INSTANCES "mysql_1" is not a DB instance identifier (letters, digits, hyphens).',
      ]);
    });
  });
});

describe('RUNTIME_SETTINGS', () => {
  const declarations = Object.entries(RUNTIME_SETTINGS);

  it('gives every setting its own variable', () => {
    const variables = declarations.map(([, d]) => d.variable);
    expect(new Set(variables).size).toBe(variables.length);
    for (const variable of variables) expect(variable).toMatch(/^(AWS|ARCHIVER)_[A-Z0-9_]+$/);
  });

  it('reads every default back from the text it writes', () => {
    for (const [field, declaration] of declarations) {
      const kind = declaration.kind as Kind<unknown>;
      const text = kind.toText(declaration.default);
      if (text === '') continue;
      expect(kind.fromText(text), field).toEqual({ value: declaration.default });
    }
  });

  it('says what to set for every setting some use requires', () => {
    for (const [field, declaration] of declarations) {
      if ('requiredBy' in declaration) expect(declaration.missing, field).toBeTruthy();
    }
  });
});

describe('configEnvironment', () => {
  it('writes variables that loadConfig reads back as the same configuration', () => {
    const config: ArchiverConfig = {
      region: 'eu-central-1',
      table: 'ledger',
      queueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/q',
      dlqUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/dlq',
      discoveryQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/discovery',
      bucket: 'audit-archive',
      clusters: ['a-db', 'b-db'],
      clusterTag: { key: 'archive', value: 'yes=please' },
      instances: ['mysql-1'],
      instanceTag: { key: 'audit', value: 'on' },
      sourceAccounts: [
        {
          account: '210987654321',
          roleArn: 'arn:aws:iam::210987654321:role/rds-log-archiver-member',
          externalId: 'rds-log-archiver-210987654321',
          regions: ['eu-central-1', 'eu-west-1'],
          clusters: ['orders'],
          instances: [],
          instanceTag: { key: 'audit', value: 'on' },
        },
      ],
      logTypes: ['audit', 'error'],
      keyLayout: 'hive',
      keyPrefix: 'rds-logs/',
      settleMs: 60_000,
      leaseMs: 600_000,
      sweepAfterMs: 3_600_000,
      maxAttempts: 7,
      retentionMs: 48 * 3_600_000,
      rdsApiRate: 3,
      rdsApiBurst: 40,
      gzipLevel: 9,
      partSizeBytes: 8 * 1024 * 1024,
      uploadConcurrency: 3,
      downloadPath: 'v13',
      objectDigest: 'tags',
      digestDelayMs: 120_000,
      digestSigningKey: { kind: 'kms', keyId: 'arn:aws:kms:eu-central-1:123456789012:key/abcd-1234' },
    };
    const env = configEnvironment(config);
    expect(env.ARCHIVER_DIGEST_SIGNING_KEY).toBe('arn:aws:kms:eu-central-1:123456789012:key/abcd-1234');
    expect(env.ARCHIVER_SETTLE_SECONDS).toBe('60');
    expect(env.ARCHIVER_PART_SIZE_MB).toBe('8');
    expect(env.ARCHIVER_CLUSTER_TAG).toBe('archive=yes=please');
    expect(loadConfig(env, 'run')).toEqual(config);
  });

  it('leaves out what is not given or undefined', () => {
    expect(configEnvironment({ table: 't', bucket: undefined })).toEqual({ ARCHIVER_TABLE: 't' });
  });
});
