import { describe, expect, it } from 'vitest';
import {
  type DiscoveryTask,
  formatDiscoveryTask,
  parseDiscoveryTask,
  planDiscoveryTasks,
  targetOfTask,
} from '../../core/fleet/discovery-tasks.js';
import type { SourceAccount } from '../../core/fleet/source-accounts.js';
import { MalformedMessageError } from '../../core/messages.js';

const T = Date.UTC(2026, 2, 1);
const MEMBER: SourceAccount = {
  account: '210987654321',
  roleArn: 'arn:aws:iam::210987654321:role/rds-log-archiver-member',
  externalId: 'rds-log-archiver-210987654321',
  regions: ['us-east-1', 'eu-west-1'],
  clusters: [],
  clusterTag: { key: 'archive', value: 'yes' },
  instances: [],
};
const HOME_ONLY = { clusters: ['orders'], clusterTag: undefined, instances: [], instanceTag: undefined };

describe('planDiscoveryTasks', () => {
  it('plans the one home task of a single-account deployment', () => {
    expect(planDiscoveryTasks({ ...HOME_ONLY, sourceAccounts: [] }, T)).toEqual([
      { v: 1, place: 'home', plannedAt: T },
    ]);
  });

  it('plans one task per account and region, home first, and none for a home that selects nothing', () => {
    const tasks = planDiscoveryTasks({ ...HOME_ONLY, sourceAccounts: [MEMBER] }, T);
    expect(tasks.map((task) => task.place)).toEqual([
      'home',
      '210987654321/us-east-1',
      '210987654321/eu-west-1',
    ]);
    expect(tasks[1]).toEqual({
      v: 1,
      place: '210987654321/us-east-1',
      account: '210987654321',
      region: 'us-east-1',
      plannedAt: T,
    });
    const hubOnly = planDiscoveryTasks({ ...HOME_ONLY, clusters: [], sourceAccounts: [MEMBER] }, T);
    expect(hubOnly.map((task) => task.place)).toEqual(['210987654321/us-east-1', '210987654321/eu-west-1']);
  });
});

describe('discovery task messages', () => {
  it('read back what they write', () => {
    for (const task of planDiscoveryTasks({ ...HOME_ONLY, sourceAccounts: [MEMBER] }, T))
      expect(parseDiscoveryTask(formatDiscoveryTask(task))).toEqual(task);
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['another version', JSON.stringify({ v: 2, place: 'home', plannedAt: T }), 'unsupported'],
    ['an unknown field', JSON.stringify({ v: 1, place: 'home', plannedAt: T, x: 1 }), 'unknown field "x"'],
    ['no time', JSON.stringify({ v: 1, place: 'home' }), 'plannedAt'],
    [
      'home with an account',
      JSON.stringify({ v: 1, place: 'home', account: '210987654321', region: 'us-east-1', plannedAt: T }),
      'names no account',
    ],
    [
      'a short account',
      JSON.stringify({ v: 1, place: '2109/us-east-1', account: '2109', region: 'us-east-1', plannedAt: T }),
      '12-digit',
    ],
    [
      'a bad region',
      JSON.stringify({ v: 1, place: 'x', account: '210987654321', region: 'Mars', plannedAt: T }),
      'region "Mars"',
    ],
    [
      'a place that is not its account and region',
      JSON.stringify({
        v: 1,
        place: '210987654321/eu-west-1',
        account: '210987654321',
        region: 'us-east-1',
        plannedAt: T,
      }),
      'is not 210987654321/us-east-1',
    ],
  ])('refuse %s with the reason', (_what, body, reason) => {
    expect(() => parseDiscoveryTask(body)).toThrow(MalformedMessageError);
    expect(() => parseDiscoveryTask(body)).toThrow(reason);
  });
});

describe('targetOfTask', () => {
  const config = { ...HOME_ONLY, sourceAccounts: [MEMBER] };
  const task = (place: string, where: Partial<DiscoveryTask> = {}): DiscoveryTask => ({
    v: 1,
    place,
    ...where,
    plannedAt: T,
  });

  it('finds the configured place, with its source account', () => {
    const target = targetOfTask(
      config,
      task('210987654321/eu-west-1', { account: '210987654321', region: 'eu-west-1' }),
    );
    expect(target).toMatchObject({
      label: '210987654321/eu-west-1',
      where: { account: '210987654321', region: 'eu-west-1' },
      source: MEMBER,
    });
    expect(targetOfTask(config, task('home'))).toEqual({ label: 'home', where: {} });
  });

  it('says why a task names a place the configuration no longer reads', () => {
    expect(
      targetOfTask(
        config,
        task('210987654321/ap-south-1', { account: '210987654321', region: 'ap-south-1' }),
      ),
    ).toEqual({ notConfigured: '210987654321/ap-south-1 is no longer listed in ARCHIVER_SOURCE_ACCOUNTS' });
    expect(targetOfTask({ ...config, clusters: [] }, task('home'))).toEqual({
      notConfigured: expect.stringContaining('the home place selects nothing now'),
    });
  });
});
