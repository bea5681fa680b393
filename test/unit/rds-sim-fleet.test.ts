import { describe, expect, it } from 'vitest';
import { accountId, createAccounts, HUB_ACCOUNT_ID, MAX_ACCOUNTS } from '../../local/rds-sim/accounts.js';
import { eventWindow } from '../../local/rds-sim/events.js';
import { createFleet, resolveRegions, siteNamespace } from '../../local/rds-sim/fleet.js';
import { DEFAULT_SIM_CREDENTIALS, manualClock, type WorkloadOptions } from '../../local/rds-sim/index.js';
import { resolveWorkload } from '../../local/rds-sim/workload.js';
import { createWorld } from '../../local/rds-sim/world.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const WORKLOAD: WorkloadOptions = {
  engines: ['aurora-mysql', 'mysql', 'aurora-postgresql'],
  clusters: 2,
  instancesPerCluster: 2,
  standaloneInstances: 1,
  historyHours: 2,
  writerBytesPerSecond: 64,
};

function fleet(accounts: number, regions: string[], workload: WorkloadOptions = WORKLOAD) {
  return createFleet({
    fleet: { accounts, regions },
    region: regions[0] ?? 'us-east-1',
    hubCredentials: [DEFAULT_SIM_CREDENTIALS],
    workload,
    clock: manualClock(T0),
  });
}

/** Every file of every instance of a world, with the content it names, as one comparable list. */
function inventory(world: ReturnType<typeof createWorld>) {
  return world
    .instances()
    .flatMap((i) =>
      world
        .listFiles(i.id)
        .map((f) => `${i.id} ${f.name} ${f.size} ${f.lastWritten} ${world.file(i.id, f.name)?.content.id}`),
    );
}

describe('the accounts of the simulated organisation', () => {
  it('gives every account a distinct 12-digit id, the hub first', () => {
    const ids = Array.from({ length: MAX_ACCOUNTS }, (_, i) => accountId(i));
    expect(ids[0]).toBe(HUB_ACCOUNT_ID);
    expect(new Set(ids).size).toBe(MAX_ACCOUNTS);
    for (const id of ids) expect(id).toMatch(/^\d{12}$/);
    expect(() => accountId(MAX_ACCOUNTS)).toThrow(/account index/);
  });

  it('gives each member a role that trusts the hub and demands its own external id', () => {
    const accounts = createAccounts(3, [DEFAULT_SIM_CREDENTIALS]);
    expect(accounts[0]).toMatchObject({
      id: HUB_ACCOUNT_ID,
      hub: true,
      credentials: [DEFAULT_SIM_CREDENTIALS],
    });
    expect(accounts[0]?.role).toBeUndefined();
    const roles = accounts.slice(1).map((a) => a.role);
    expect(roles.map((r) => r?.arn)).toEqual([
      `arn:aws:iam::${accountId(1)}:role/rds-log-archiver-member`,
      `arn:aws:iam::${accountId(2)}:role/rds-log-archiver-member`,
    ]);
    for (const r of roles) expect(r?.trustedAccounts).toEqual([HUB_ACCOUNT_ID]);
    expect(new Set(roles.map((r) => r?.externalId)).size).toBe(2);
    // Each member also has keys of its own, unlike any other account's.
    const keys = accounts.flatMap((a) => a.credentials.map((c) => c.accessKeyId));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the fleet: one world per account and Region', () => {
  it("keeps the hub's first Region exactly the one-account world", () => {
    const sites = fleet(3, ['us-east-1', 'us-west-2']);
    const alone = createWorld(resolveWorkload(WORKLOAD), manualClock(T0));
    const hub = sites.site(HUB_ACCOUNT_ID, 'us-east-1')?.world;
    expect(hub?.clusters()).toEqual(alone.clusters());
    expect(inventory(hub as typeof alone)).toEqual(inventory(alone));
  });

  it('names the worlds apart, except the second account, which reuses the hub ids as AWS allows', () => {
    const sites = fleet(3, ['us-east-1', 'eu-central-1']);
    expect(sites.sites()).toHaveLength(6);
    const ids = (account: string, region: string) =>
      sites
        .site(account, region)
        ?.world.instances()
        .map((i) => i.id) ?? [];
    expect(ids(HUB_ACCOUNT_ID, 'us-east-1')).toContain('aurora-audit-1-instance-1');
    expect(ids(HUB_ACCOUNT_ID, 'us-east-1')).toContain('mysql-1');
    expect(ids(HUB_ACCOUNT_ID, 'eu-central-1')).toContain('aurora-audit-eucentral1-1-instance-1');
    expect(ids(HUB_ACCOUNT_ID, 'eu-central-1')).toContain('aurora-pg-eucentral1-2-instance-2');
    expect(ids(accountId(1), 'us-east-1')).toEqual(ids(HUB_ACCOUNT_ID, 'us-east-1'));
    expect(ids(accountId(1), 'eu-central-1')).toEqual(ids(HUB_ACCOUNT_ID, 'eu-central-1'));
    expect(ids(accountId(2), 'us-east-1')).toContain('mysql-a3-1');
    expect(ids(accountId(2), 'eu-central-1')).toContain('aurora-audit-a3-eucentral1-1-instance-1');
    // Apart from that one pair, no id is in two worlds.
    const everywhere = sites
      .sites()
      .filter((s) => s.account.id !== accountId(1))
      .flatMap((s) => s.world.instances().map((i) => i.id));
    expect(new Set(everywhere).size).toBe(everywhere.length);
    // Every id is a valid DB identifier: a letter first, letters, digits and single hyphens, <= 63.
    for (const s of sites.sites()) {
      for (const i of s.world.instances()) expect(i.id).toMatch(/^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/);
    }
  });

  it('gives the same id in two accounts other content, and is the same on every start', () => {
    const a = fleet(2, ['us-east-1']);
    const b = fleet(2, ['us-east-1']);
    const hub = a.site(HUB_ACCOUNT_ID, 'us-east-1')?.world;
    const member = a.site(accountId(1), 'us-east-1')?.world;
    const instance = 'aurora-audit-1-instance-1';
    const hubFiles = hub?.listFiles(instance).map((f) => hub.file(instance, f.name)?.content.id);
    const memberFiles = member?.listFiles(instance).map((f) => member.file(instance, f.name)?.content.id);
    expect(hubFiles?.length).toBeGreaterThan(0);
    expect(memberFiles?.some((id) => hubFiles?.includes(id))).toBe(false);
    for (const s of a.sites()) {
      const twin = b.site(s.account.id, s.region)?.world;
      expect(inventory(s.world)).toEqual(inventory(twin as typeof s.world));
    }
  });

  it('takes Region names only, once each', () => {
    expect(resolveRegions(['us-east-1', 'us-gov-west-1'])).toEqual(['us-east-1', 'us-gov-west-1']);
    expect(() => resolveRegions([])).toThrow(/at least one/);
    expect(() => resolveRegions(['us-east-1', 'us-east-1'])).toThrow(/twice/);
    expect(() => resolveRegions(['useast1'])).toThrow(/not a Region name/);
    expect(siteNamespace(0, 0, 'us-east-1')).toBeUndefined();
    expect(siteNamespace(1, 0, 'us-east-1')).toBeUndefined();
    expect(siteNamespace(4, 1, 'ap-southeast-2')).toBe('a5-apsoutheast2');
  });
});

describe('the DescribeEvents time window', () => {
  const NOW = T0;
  const window = (q: Record<string, string>) => eventWindow(new URLSearchParams(q), NOW);
  it('is the last hour by default, or the last Duration minutes', () => {
    expect(window({})).toEqual({ from: NOW - 3_600_000, to: NOW });
    expect(window({ Duration: '30' })).toEqual({ from: NOW - 1_800_000, to: NOW });
  });
  it('runs from StartTime, to EndTime, or between them', () => {
    const start = '2026-03-01T10:00:00.000Z';
    const end = '2026-03-01T11:00:00.000Z';
    expect(window({ StartTime: start })).toEqual({ from: Date.parse(start), to: NOW });
    expect(window({ StartTime: start, Duration: '10' })).toEqual({
      from: Date.parse(start),
      to: Date.parse(start) + 600_000,
    });
    expect(window({ EndTime: end })).toEqual({ from: Date.parse(end) - 3_600_000, to: Date.parse(end) });
    expect(window({ StartTime: start, EndTime: end, Duration: '5' })).toEqual({
      from: Date.parse(start),
      to: Date.parse(end),
    });
    expect(() => window({ StartTime: 'yesterday' })).toThrow(/StartTime/);
  });
});
