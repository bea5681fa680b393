import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  envName,
  loadSettings,
  parseSettings,
  SettingsError,
  settingsFromEnv,
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
    expect(problemsOf({ maxReceiveCount: 4 })).toEqual([
      'maxReceiveCount must be between 5 and 1000 (got 4)',
    ]);
  });

  it('lists every problem at once, including unknown settings', () => {
    const problems = problemsOf({ region: 'mars', batchSize: 'ten', bukketName: 'x', keyPrefix: '/logs' });
    expect(problems).toHaveLength(4);
    expect(problems).toContain('unknown setting "bukketName"');
    expect(problems.join('\n')).toMatch(/region/);
    expect(problems.join('\n')).toMatch(/batchSize must be an integer/);
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

  it('needs a bucket name to use an existing bucket, and no Object Lock on it', () => {
    expect(problemsOf({ createBucket: false })).toEqual(['createBucket=false needs bucketName']);
    expect(
      problemsOf({
        createBucket: false,
        bucketName: 'corp-archive',
        objectLock: { mode: 'governance', days: 30 },
      }),
    ).toEqual(['objectLock can only be set on a bucket this stack creates']);
  });

  it('accepts Object Lock only as off or a mode with days', () => {
    expect(parseSettings({ objectLock: { mode: 'governance', days: 90 } }).objectLock).toEqual({
      mode: 'governance',
      days: 90,
    });
    expect(problemsOf({ objectLock: { mode: 'compliance' } })).toHaveLength(1);
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

describe('settingsFromEnv', () => {
  it('reads ARCHIVER_DEPLOY_* variables with their types', () => {
    expect(envName('archiverTimeoutSeconds')).toBe('ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS');
    expect(
      settingsFromEnv({
        ARCHIVER_DEPLOY_CLUSTERS: 'a-db, b-db',
        ARCHIVER_DEPLOY_ARCHIVER_TIMEOUT_SECONDS: '300',
        ARCHIVER_DEPLOY_CREATE_BUCKET: 'false',
        ARCHIVER_DEPLOY_OBJECT_LOCK: 'governance:30',
        UNRELATED: 'x',
      }),
    ).toEqual({
      clusters: ['a-db', 'b-db'],
      archiverTimeoutSeconds: 300,
      createBucket: false,
      objectLock: { mode: 'governance', days: 30 },
    });
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
      /maxConcurrency must be an integer/,
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
