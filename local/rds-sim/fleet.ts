import { createAccounts, type SimAccount } from './accounts.js';
import { type Budget, type BudgetOptions, createBudget, resolveBudget } from './budget.js';
import { createDeletionWatch, type DeletionWatch } from './deletions.js';
import { RdsSimError } from './errors.js';
import { createEventLog, type EventLog } from './events.js';
import { hashString, mix } from './random.js';
import type { SimClock, SimCredentials, WorkloadOptions } from './types.js';
import { resolveWorkload } from './workload.js';
import { createWorld, type SimWorldInternal } from './world.js';

/**
 * An organisation's fleet: one simulated world per account and Region, each with its own log
 * files, events and API budget ([RDS-THROTTLING] in budget.ts: throttling is "for each AWS account
 * in each AWS Region"). One endpoint serves them all: the Region comes from the SigV4 credential
 * scope, the account from the access key.
 *
 * Ids: the hub's first Region keeps the ids the single-account simulator always had
 * (`aurora-audit-1`). Other Regions add the Region (`aurora-audit-uswest2-1`), accounts from the
 * third on add their number (`aurora-audit-a3-1`). The second account deliberately reuses the hub's
 * ids in every Region: DB identifiers are unique only within an account and Region (RDS API
 * Reference, CreateDBInstance: "Must be unique for all DB instances per AWS account, per AWS
 * Region"), so an archiver has to tell `aurora-audit-1` of one account from `aurora-audit-1` of
 * another by account and Region, never by id alone. The content differs: each world has its own seed.
 */

/** One account in one Region: its world, events, deletion watch and API budget. */
export interface SimSite {
  account: SimAccount;
  region: string;
  world: SimWorldInternal;
  events: EventLog;
  deletions: DeletionWatch;
  /** Undefined when the budget is off. */
  budget: Budget | undefined;
  /** RDS requests (Query API and downloads) this site answered or throttled. */
  counts: { requests: number; throttled: number };
}

/** The whole fleet. */
export interface SimFleet {
  accounts: SimAccount[];
  regions: string[];
  hub: SimAccount;
  sites(): SimSite[];
  site(account: string, region: string): SimSite | undefined;
}

/** Shape of the fleet. */
export interface FleetOptions {
  /** Accounts, the first the hub (default 1). */
  accounts?: number;
  /** Regions every account has a fleet in (default the simulator's one Region). */
  regions?: string[];
}

/** A Region name as AWS spells them (`us-east-1`, `us-gov-west-1`). */
export function isRegionName(text: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(text);
}

/** The id namespace of the world of account `a` and Region `r` (indexes; see the header). */
export function siteNamespace(accountIndex: number, regionIndex: number, region: string): string | undefined {
  const parts: string[] = [];
  if (accountIndex >= 2) parts.push(`a${accountIndex + 1}`);
  if (regionIndex > 0) parts.push(region.replaceAll('-', ''));
  return parts.length > 0 ? parts.join('-') : undefined;
}

/** The workload of one site: the base workload with the site's own seed and id namespace. */
export function siteWorkload(
  base: WorkloadOptions,
  accountIndex: number,
  account: string,
  regionIndex: number,
  region: string,
): WorkloadOptions {
  if (accountIndex === 0 && regionIndex === 0) return base;
  const seed = base.seed ?? 1;
  const namespace = siteNamespace(accountIndex, regionIndex, region);
  return {
    ...base,
    seed: mix(hashString(`${seed}/${account}/${region}`), seed),
    ...(namespace === undefined ? {} : { idNamespace: namespace }),
  };
}

/** Checks the Regions: at least one, each a Region name, no repeats. */
export function resolveRegions(regions: string[]): string[] {
  if (regions.length === 0) throw new RdsSimError('at least one Region is needed');
  const seen = new Set<string>();
  for (const r of regions) {
    if (!isRegionName(r)) throw new RdsSimError(`"${r}" is not a Region name (like us-east-1)`);
    if (seen.has(r)) throw new RdsSimError(`Region ${r} is given twice`);
    seen.add(r);
  }
  return [...regions];
}

/** `arn:aws:rds:<region>:<account>:db:<id>`. */
export function instanceArn(region: string, account: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:db:${id}`;
}

/** `arn:aws:rds:<region>:<account>:cluster:<id>`. */
export function clusterArn(region: string, account: string, id: string): string {
  return `arn:aws:rds:${region}:${account}:cluster:${id}`;
}

/** Creates every site of the fleet on one clock. */
export function createFleet(opts: {
  fleet?: FleetOptions;
  region: string;
  hubCredentials: SimCredentials[];
  workload?: WorkloadOptions;
  budget?: BudgetOptions | false;
  clock: SimClock;
}): SimFleet {
  const regions = resolveRegions(opts.fleet?.regions ?? [opts.region]);
  const accounts = createAccounts(opts.fleet?.accounts ?? 1, opts.hubCredentials);
  const limits = resolveBudget(opts.budget);
  const sites = new Map<string, SimSite>();
  const keyOf = (account: string, region: string) => `${account}/${region}`;
  accounts.forEach((account, a) => {
    regions.forEach((region, r) => {
      const world = createWorld(
        resolveWorkload(siteWorkload(opts.workload ?? {}, a, account.id, r, region)),
        opts.clock,
      );
      const events = createEventLog();
      sites.set(keyOf(account.id, region), {
        account,
        region,
        world,
        events,
        deletions: createDeletionWatch(world, opts.clock, events, {
          arnOf: (instance) => instanceArn(region, account.id, instance),
        }),
        budget: limits === undefined ? undefined : createBudget(limits, opts.clock),
        counts: { requests: 0, throttled: 0 },
      });
    });
  });
  const hub = accounts[0] as SimAccount;
  return {
    accounts,
    regions,
    hub,
    sites: () => [...sites.values()],
    site: (account, region) => sites.get(keyOf(account, region)),
  };
}
