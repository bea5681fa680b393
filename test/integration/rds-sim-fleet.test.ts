import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBLogFilesCommand,
} from '@aws-sdk/client-rds';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountId,
  DEFAULT_SIM_CREDENTIALS,
  HUB_ACCOUNT_ID,
  manualClock,
  memberExternalId,
  memberRoleArn,
  type RdsSimulator,
  type SimCredentials,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';
import { drainBody, signedDownload, simRdsClient } from '../support/sim-client.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const REGIONS = ['us-east-1', 'eu-west-1'];
const MEMBER = accountId(1);
const THIRD = accountId(2);

function stsClient(sim: RdsSimulator, credentials: SimCredentials = DEFAULT_SIM_CREDENTIALS): STSClient {
  return new STSClient({ endpoint: sim.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** AssumeRole into a member account as the SDK does it; the temporary credentials it returns. */
async function assume(
  sts: STSClient,
  account: string,
  extra: { ExternalId?: string; DurationSeconds?: number } = { ExternalId: memberExternalId(account) },
) {
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: memberRoleArn(account), RoleSessionName: 'archiver', ...extra }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
    throw new Error('no credentials');
  return {
    credentials: {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    },
    expiration: c.Expiration,
    arn: out.AssumedRoleUser?.Arn,
  };
}

async function clustersOf(sim: RdsSimulator, credentials: SimCredentials, region: string) {
  const rds = simRdsClient(sim, { credentials, region });
  try {
    const out = await rds.send(new DescribeDBClustersCommand({}));
    return (out.DBClusters ?? []).map((c) => ({ id: c.DBClusterIdentifier, arn: c.DBClusterArn }));
  } finally {
    rds.destroy();
  }
}

describe('RDS simulator: an organisation of accounts and Regions behind STS', () => {
  let sim: RdsSimulator;
  let sts: STSClient;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(T0),
      accounts: 3,
      regions: REGIONS,
      workload: { clusters: 2, instancesPerCluster: 1, historyHours: 1, writerBytesPerSecond: 64 },
    });
    sts = stsClient(sim);
  });
  afterAll(async () => {
    sts?.destroy();
    await sim?.stop();
  });

  it('lists three accounts in two Regions with the hub keys and assumed credentials, each its own fleet', async () => {
    const seen: Record<string, string[]> = {};
    for (const region of REGIONS) {
      const hub = await clustersOf(sim, DEFAULT_SIM_CREDENTIALS, region);
      seen[`${HUB_ACCOUNT_ID}/${region}`] = hub.map((c) => c.id ?? '');
      for (const c of hub) expect(c.arn).toBe(`arn:aws:rds:${region}:${HUB_ACCOUNT_ID}:cluster:${c.id}`);
      for (const account of [MEMBER, THIRD]) {
        const { credentials } = await assume(sts, account);
        const listed = await clustersOf(sim, credentials, region);
        seen[`${account}/${region}`] = listed.map((c) => c.id ?? '');
        for (const c of listed) expect(c.arn).toBe(`arn:aws:rds:${region}:${account}:cluster:${c.id}`);
      }
    }
    expect(seen).toEqual({
      // The hub's first Region keeps the one-account ids.
      [`${HUB_ACCOUNT_ID}/us-east-1`]: ['aurora-audit-1', 'aurora-audit-2'],
      [`${HUB_ACCOUNT_ID}/eu-west-1`]: ['aurora-audit-euwest1-1', 'aurora-audit-euwest1-2'],
      // The second account reuses the hub's ids, as two AWS accounts may.
      [`${MEMBER}/us-east-1`]: ['aurora-audit-1', 'aurora-audit-2'],
      [`${MEMBER}/eu-west-1`]: ['aurora-audit-euwest1-1', 'aurora-audit-euwest1-2'],
      [`${THIRD}/us-east-1`]: ['aurora-audit-a3-1', 'aurora-audit-a3-2'],
      [`${THIRD}/eu-west-1`]: ['aurora-audit-a3-euwest1-1', 'aurora-audit-a3-euwest1-2'],
    });
  });

  it('serves different files under the same instance id in two accounts: only account and Region tell them apart', async () => {
    const instance = 'aurora-audit-1-instance-1';
    const { credentials } = await assume(sts, MEMBER);
    const hubRds = simRdsClient(sim);
    const memberRds = simRdsClient(sim, { credentials });
    try {
      const name = (r: typeof hubRds) =>
        r
          .send(
            new DescribeDBLogFilesCommand({
              DBInstanceIdentifier: instance,
              FilenameContains: 'audit.log.0',
            }),
          )
          .then((o) => o.DescribeDBLogFiles?.[0]);
      const [hubFile, memberFile] = await Promise.all([name(hubRds), name(memberRds)]);
      expect(hubFile?.LogFileName).toBe(memberFile?.LogFileName);
      const file = hubFile?.LogFileName ?? '';
      const hubBody = await drainBody(await signedDownload(sim, instance, file));
      const memberBody = await drainBody(await signedDownload(sim, instance, file, { credentials }));
      expect(hubBody.bytes).toBeGreaterThan(0);
      expect(memberBody.bytes).toBeGreaterThan(0);
      expect(memberBody.sha256).not.toBe(hubBody.sha256);
      expect(hubBody.sha256).toBe(await sim.world.sha256(instance, file));
      const memberWorld = sim.fleet.site(MEMBER, 'us-east-1')?.world;
      expect(memberBody.sha256).toBe(await memberWorld?.sha256(instance, file));
    } finally {
      hubRds.destroy();
      memberRds.destroy();
    }
  });

  it('answers GetCallerIdentity and AssumeRole as STS does: the session, its account and an Expiration', async () => {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(HUB_ACCOUNT_ID);
    const session = await assume(sts, MEMBER);
    expect(session.arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/rds-log-archiver-member/archiver`);
    // Default DurationSeconds: one hour on the simulator's clock.
    expect(session.expiration.getTime()).toBe(sim.clock.now() + 3_600_000);
    const asMember = stsClient(sim, session.credentials);
    try {
      const who = await asMember.send(new GetCallerIdentityCommand({}));
      expect(who.Account).toBe(MEMBER);
      expect(who.Arn).toBe(session.arn);
    } finally {
      asMember.destroy();
    }
  });

  it('accepts assumed credentials only for the role account: another account ARN is not found', async () => {
    const { credentials } = await assume(sts, THIRD);
    const rds = simRdsClient(sim, { credentials });
    try {
      const own = await rds.send(new DescribeDBInstancesCommand({}));
      expect(own.DBInstances?.every((i) => i.DBInstanceArn?.includes(`:${THIRD}:db:`))).toBe(true);
      await expect(
        rds.send(
          new DescribeDBInstancesCommand({
            DBInstanceIdentifier: `arn:aws:rds:us-east-1:${HUB_ACCOUNT_ID}:db:aurora-audit-1-instance-1`,
          }),
        ),
      ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
      // An id of another account's fleet is simply not there.
      await expect(
        rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: 'aurora-audit-1-instance-1' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    } finally {
      rds.destroy();
    }
  });

  it('refuses a wrong or missing external id with AccessDenied, as STS answers it', async () => {
    for (const extra of [{ ExternalId: 'not-the-id' }, {}]) {
      await expect(assume(sts, MEMBER, extra)).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:iam::${HUB_ACCOUNT_ID}:user/local-sim is not authorized to perform: sts:AssumeRole on resource: ${memberRoleArn(MEMBER)}`,
      });
    }
  });

  it('refuses a caller whose account the role does not trust, and a role that does not exist', async () => {
    // A member's own keys: its account is not the hub, so the other member's role does not trust it.
    const memberKeys = sim.fleet.accounts.find((a) => a.id === MEMBER)?.credentials[0];
    const asMember = stsClient(sim, memberKeys);
    try {
      await expect(assume(asMember, THIRD)).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      asMember.destroy();
    }
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${MEMBER}:role/no-such-role`,
          RoleSessionName: 'archiver',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it('refuses AssumeRole once the role is removed, and accepts it again when it is back', async () => {
    const control = (method: string) =>
      fetch(`${sim.url}/_sim/roles`, { method, body: JSON.stringify({ account: THIRD }) }).then((r) =>
        r.json(),
      );
    expect(await control('DELETE')).toEqual({ roleArn: memberRoleArn(THIRD), changed: true });
    try {
      await expect(assume(sts, THIRD)).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      expect(await control('POST')).toEqual({ roleArn: memberRoleArn(THIRD), changed: true });
    }
    await expect(assume(sts, THIRD)).resolves.toMatchObject({ arn: expect.stringContaining(THIRD) });
  });

  it('checks DurationSeconds: at least 900, at most the role MaxSessionDuration', async () => {
    await expect(
      assume(sts, MEMBER, { ExternalId: memberExternalId(MEMBER), DurationSeconds: 899 }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining('greater than or equal to 900'),
    });
    await expect(
      assume(sts, MEMBER, { ExternalId: memberExternalId(MEMBER), DurationSeconds: 7200 }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    const short = await assume(sts, MEMBER, { ExternalId: memberExternalId(MEMBER), DurationSeconds: 900 });
    expect(short.expiration.getTime()).toBe(sim.clock.now() + 900_000);
  });

  it('expires temporary credentials on the simulator clock: ExpiredToken for the Query API and the download', async () => {
    const { credentials, expiration } = await assume(sts, MEMBER, {
      ExternalId: memberExternalId(MEMBER),
      DurationSeconds: 900,
    });
    const rds = simRdsClient(sim, { credentials });
    const instance = 'aurora-audit-1-instance-1';
    try {
      const listed = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
      const file = listed.DescribeDBLogFiles?.[0]?.LogFileName ?? '';
      sim.clock.advance(expiration.getTime() - sim.clock.now() - 1);
      // One millisecond before: still good.
      expect(
        (await signedDownload(sim, instance, file, { credentials, signingDate: new Date() })).status,
      ).toBe(200);
      sim.clock.advance(1);
      await expect(
        rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance })),
      ).rejects.toMatchObject({
        name: 'ExpiredToken',
        $metadata: { httpStatusCode: 403 },
        message: 'The security token included in the request is expired',
      });
      const refused = await signedDownload(sim, instance, file, { credentials });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('<Code>ExpiredToken</Code>');
      // The hub's own keys never expire; a fresh session works again.
      const again = await assume(sts, MEMBER);
      for (const credentials of [DEFAULT_SIM_CREDENTIALS, again.credentials]) {
        const fresh = simRdsClient(sim, { credentials });
        await expect(fresh.send(new DescribeDBClustersCommand({}))).resolves.toBeDefined();
        fresh.destroy();
      }
    } finally {
      rds.destroy();
    }
  });

  it('caps credential lifetimes when a test asks, and says so in Expiration', async () => {
    const cap = await fetch(`${sim.url}/_sim/sts`, {
      method: 'POST',
      body: JSON.stringify({ maxCredentialLifetimeMs: 5_000 }),
    }).then((r) => r.json());
    expect(cap).toEqual({ maxCredentialLifetimeMs: 5_000 });
    try {
      const { credentials, expiration } = await assume(sts, MEMBER);
      expect(expiration.getTime()).toBe(sim.clock.now() + 5_000);
      const rds = simRdsClient(sim, { credentials });
      await expect(rds.send(new DescribeDBClustersCommand({}))).resolves.toBeDefined();
      sim.clock.advance(5_000);
      await expect(rds.send(new DescribeDBClustersCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      });
      rds.destroy();
    } finally {
      await fetch(`${sim.url}/_sim/sts`, {
        method: 'POST',
        body: JSON.stringify({ maxCredentialLifetimeMs: null }),
      });
    }
  });

  it('refuses a Region the fleet is not in, and STS signed for its global Region', async () => {
    const elsewhere = simRdsClient(sim, { region: 'ap-south-1' });
    await expect(elsewhere.send(new DescribeDBClustersCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    elsewhere.destroy();
    const regional = new STSClient({
      endpoint: sim.url,
      region: 'eu-west-1',
      credentials: DEFAULT_SIM_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      await expect(regional.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Account: HUB_ACCOUNT_ID,
      });
    } finally {
      regional.destroy();
    }
  });

  it('counts STS calls apart from RDS requests', () => {
    const stats = sim.stats();
    expect(stats['sts.AssumeRole']).toBeGreaterThan(5);
    expect(stats[`requests.${MEMBER}.us-east-1`]).toBeGreaterThan(0);
    expect(stats[`requests.${THIRD}.eu-west-1`]).toBeGreaterThan(0);
  });
});
