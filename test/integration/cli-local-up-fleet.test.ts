import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeDBClustersCommand, DescribeEventsCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackStateFile } from '../../local/env-file.js';
import { type LocalUp, startLocalUp } from '../support/local-up.js';

interface FleetAccount {
  accountId: string;
  roleArn?: string;
  externalId?: string;
  regions: string[];
}

describe('rds-log-archiver local up --accounts --regions', () => {
  let up: LocalUp;
  let env: Record<string, string>;
  let state: StackStateFile;
  const run = (...args: string[]) => up.fault(...args);

  beforeAll(async () => {
    up = await startLocalUp('local-up-fleet-', [
      '--accounts',
      '3',
      '--regions',
      'us-east-1,us-west-2',
      '--clusters',
      '1',
      '--instances',
      '1',
      '--history-hours',
      '1',
      '--api-burst',
      '50',
    ]);
    ({ env, state } = up);
  });

  afterAll(async () => {
    await up?.stop();
  });

  it('writes what a deployment needs: the STS endpoint, each account with its role, external id and regions', () => {
    expect(env.AWS_ENDPOINT_URL_STS).toBe(env.AWS_ENDPOINT_URL_RDS);
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.LOCAL_FLEET_REGIONS).toBe('us-east-1,us-west-2');
    const accounts = JSON.parse(env.LOCAL_FLEET_ACCOUNTS ?? '[]') as FleetAccount[];
    expect(accounts).toHaveLength(3);
    expect(accounts[0]).toEqual({ accountId: '123456789012', regions: ['us-east-1', 'us-west-2'] });
    for (const a of accounts.slice(1)) {
      expect(a.roleArn).toBe(`arn:aws:iam::${a.accountId}:role/rds-log-archiver-member`);
      expect(a.externalId).toMatch(/\S/);
      expect(a.regions).toEqual(['us-east-1', 'us-west-2']);
    }
    expect(state.fleet?.accounts.map((a) => a.accountId)).toEqual(accounts.map((a) => a.accountId));
    expect(state.fleet?.accounts[2]?.clusters).toEqual({
      'us-east-1': ['aurora-audit-a3-1'],
      'us-west-2': ['aurora-audit-a3-uswest2-1'],
    });
    // The hub's own first region is what the pipeline variables name, as with one account.
    expect(env.ARCHIVER_CLUSTERS).toBe('aurora-audit-1');
    expect(up.stderr()).toContain(
      'account 234567890123 (role arn:aws:iam::234567890123:role/rds-log-archiver-member',
    );
  });

  it('lets the hub assume each member role from the env file and list its fleet in each region', async () => {
    const hub = {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    };
    const sts = new STSClient({ endpoint: env.AWS_ENDPOINT_URL_STS, region: 'us-east-1', credentials: hub });
    const member = (JSON.parse(env.LOCAL_FLEET_ACCOUNTS ?? '[]') as FleetAccount[])[1] as FleetAccount;
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: member.roleArn,
          RoleSessionName: 'local-up-test',
          ExternalId: member.externalId,
        }),
      );
      const rds = new RDSClient({
        endpoint: env.AWS_ENDPOINT_URL_RDS,
        region: 'us-west-2',
        credentials: {
          accessKeyId: out.Credentials?.AccessKeyId ?? '',
          secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
          sessionToken: out.Credentials?.SessionToken ?? '',
        },
        maxAttempts: 1,
      });
      try {
        const clusters = await rds.send(new DescribeDBClustersCommand({}));
        expect(clusters.DBClusters?.map((c) => c.DBClusterArn)).toEqual([
          `arn:aws:rds:us-west-2:${member.accountId}:cluster:aurora-audit-uswest2-1`,
        ]);
      } finally {
        rds.destroy();
      }
    } finally {
      sts.destroy();
    }
  });

  it('deletes files under storage pressure in the account and region asked for, and says so in events', async () => {
    const member = (JSON.parse(env.LOCAL_FLEET_ACCOUNTS ?? '[]') as FleetAccount[])[2] as FleetAccount;
    const instance = 'aurora-audit-a3-uswest2-1-instance-1';
    const deleted = await run(
      '--storage-full',
      `${instance}:2`,
      '--account',
      member.accountId,
      '--region',
      'us-west-2',
    );
    expect(deleted.code).toBe(0);
    expect(deleted.out).toMatch(/^deleted: \S+ \(RDS-EVENT-0611\), \S+ \(RDS-EVENT-0611\)\n$/);
    const events = (await (
      await fetch(`${env.AWS_ENDPOINT_URL_RDS}/_sim/events?account=${member.accountId}&region=us-west-2`)
    ).json()) as { events: Array<{ eventId: string; sourceIdentifier: string }> };
    expect(events.events.map((e) => [e.eventId, e.sourceIdentifier])).toEqual([
      ['RDS-EVENT-0611', instance],
      ['RDS-EVENT-0611', instance],
    ]);
    // Not in the hub's fleet, and the hub's DescribeEvents sees none of it.
    const rds = new RDSClient({
      endpoint: env.AWS_ENDPOINT_URL_RDS,
      region: 'us-west-2',
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      },
      maxAttempts: 1,
    });
    try {
      expect((await rds.send(new DescribeEventsCommand({}))).Events).toEqual([]);
    } finally {
      rds.destroy();
    }
  });

  it('takes a member role away and puts it back, and refuses an account it does not have', async () => {
    const member = (JSON.parse(env.LOCAL_FLEET_ACCOUNTS ?? '[]') as FleetAccount[])[1] as FleetAccount;
    expect((await run('--remove-role', member.accountId)).out).toBe(`${member.roleArn} removed\n`);
    expect((await run('--restore-role', member.accountId)).out).toBe(`${member.roleArn} restored\n`);
    expect((await run('--backup', 'aurora-audit-1-instance-1', '--account', '999999999999')).code).toBe(1);
  });

  it('stops on SIGTERM and removes its files', async () => {
    const exited = once(up.child, 'exit');
    up.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, up.stderr()).toBe(0);
    expect(existsSync(join(up.dir, 'env'))).toBe(false);
  });
});
