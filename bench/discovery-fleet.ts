/**
 * The fleet discovery benchmark (issue 14): one discovery round over an organisation of many
 * accounts and Regions, on a simulator whose RDS API budget per account and Region is on (AWS's
 * default, burst 300 and 12 requests/s, with the real `Throttling` answer) and runs on the real
 * clock, since a budget refills only as time passes.
 *
 * The round is what the scheduled discoverer does: every place (account and Region) is discovered
 * side by side, as the discovery queue's tasks are consumed by concurrent Lambdas; here they share
 * this process and its two CPUs with the simulator, DynamoDB Local and fauxqs.
 *
 * What it is measured against: within one place the RDS requests a round needs cannot be served
 * faster than the budget allows, `max(0, requests - burst) / rate` seconds, where the budget is the
 * share of the account's the archiver keeps to (ARCHIVER_RDS_API_RATE and _BURST, half of AWS's
 * by default); places have budgets of their own, so the round's lower bound is the largest of its
 * places' bounds.
 */
import { createPipelineClients, createSourceClients } from '../core/aws-clients.js';
import { loadConfig } from '../core/config.js';
import { discoverFleet, type FleetDiscoverSummary } from '../core/fleet/discover-fleet.js';
import { formatSourceAccounts, type SourceAccount } from '../core/fleet/source-accounts.js';
import { jsonLog, noMetrics } from '../core/observability.js';
import {
  HUB_ACCOUNT_ID,
  memberExternalId,
  memberRoleArn,
  RDS_API_BUDGET,
  type SimSite,
} from '../local/rds-sim/index.js';
import { startLocalStack } from '../local/stack.js';
import { topUpWorld, worldShape } from './discovery.js';
import type { FleetDiscoveryFigures, FleetPlaceFigures, FleetRoundFigures } from './report.js';
import { type Counts, countCommands, DYNAMO_READS, DYNAMO_WRITES, delta, total } from './request-counts.js';

/** Regions of the benchmark's organisation when none are given. */
export const FLEET_REGIONS = ['us-east-1', 'eu-west-1'];

export interface FleetBenchOptions {
  accounts: number;
  regions?: string[];
  /** Instances in the whole organisation, spread evenly over its accounts and Regions. */
  instances: number;
  /** Audit files per instance. */
  files: number;
  progress?: (line: string) => void;
}

/** The lower bound one place's budget sets on serving `requests`. */
export function budgetBoundSeconds(requests: number, budget: { burst: number; perSecond: number }): number {
  return Math.max(0, requests - budget.burst) / budget.perSecond;
}

/** The source accounts a platform team would configure for the simulated organisation. */
function organisation(sites: readonly SimSite[], homeRegion: string): SourceAccount[] {
  const regionsOf = (account: string) =>
    sites.filter((s) => s.account.id === account && !(s.account.hub && s.region === homeRegion));
  const accounts = [...new Set(sites.map((s) => s.account.id))];
  return accounts.flatMap((account): SourceAccount[] => {
    const regions = regionsOf(account).map((s) => s.region);
    if (regions.length === 0) return [];
    const member = account !== HUB_ACCOUNT_ID;
    return [
      {
        account,
        ...(member ? { roleArn: memberRoleArn(account), externalId: memberExternalId(account) } : {}),
        regions,
        // An organisation-wide rollout selects by tag, not by name.
        clusters: [],
        clusterTag: { key: 'archive', value: 'yes' },
        instances: [],
      },
    ];
  });
}

/** Starts an organisation on the local stack, runs one discovery round over it, and reports it. */
export async function runFleetDiscoveryBench(options: FleetBenchOptions): Promise<FleetDiscoveryFigures> {
  const progress = options.progress ?? (() => undefined);
  const regions = options.regions ?? FLEET_REGIONS;
  const places = options.accounts * regions.length;
  const perPlace = Math.ceil(options.instances / places);
  const shape = worldShape(perPlace);
  progress(
    `starting an organisation of ${options.accounts} accounts x ${regions.length} Regions, ` +
      `${shape.clusters * shape.instancesPerCluster} Aurora MySQL instances each, RDS API budget on`,
  );
  const stack = await startLocalStack({
    prefix: `benchfleet${process.pid}`,
    accounts: options.accounts,
    regions,
    // AWS's budget per account and Region, refilled in real time.
    budget: {},
    // A moment of history: each instance starts with its writers' live files only, and the top-up
    // below brings it to exactly `files` (when that is at least the number of writers).
    workload: { ...shape, historyHours: 0.01, logKinds: ['audit'] },
  });
  try {
    const sites = stack.rds.fleet.sites();
    const now = stack.rds.clock.now();
    for (const site of sites) topUpWorld(site.world, now, options.files);
    const instances = sites.reduce((n, s) => n + s.world.instances().length, 0);
    const env: Record<string, string> = {
      ...stack.env,
      AWS_ENDPOINT_URL_STS: stack.rds.url,
      ARCHIVER_SOURCE_ACCOUNTS: formatSourceAccounts(organisation(sites, stack.region)),
    };
    const config = loadConfig(env, 'discover');
    const credentials =
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
        : {};
    const clients = createPipelineClients(config, { env, ...credentials });
    // One budget per process, as in a discoverer Lambda: every place takes from its own bucket.
    const sources = createSourceClients(config, { env, ...credentials, rdsBudget: clients.rdsBudget });
    // What binds a place: our own share of its budget (ARCHIVER_RDS_API_RATE/BURST), which the
    // discoverer keeps to so that other tools keep the rest; the account's own budget without it.
    const budget =
      config.rdsApiRate > 0 ? { burst: config.rdsApiBurst, perSecond: config.rdsApiRate } : RDS_API_BUDGET;
    const dynamo: Counts = {};
    countCommands(clients.dynamo, dynamo);
    const sqs = { messages: 0 };
    clients.sqs.middlewareStack.add(
      (next) => async (args) => {
        sqs.messages += (args.input as { Entries?: unknown[] }).Entries?.length ?? 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchCountMessages' },
    );
    const runRound = async (label: string): Promise<FleetRoundFigures> => {
      progress(
        `${label} discovery round over ${sites.length} places, ${instances} instances x ${options.files} files ...`,
      );
      const before = { rds: stack.rds.stats(), dynamo: { ...dynamo }, messages: sqs.messages };
      const started = performance.now();
      const summary = await discoverFleet({
        rds: clients.rds,
        sqs: clients.sqs,
        ledger: clients.ledger,
        sources,
        config,
        log: jsonLog(() => undefined, 'silent'),
        metrics: noMetrics,
        now: () => stack.rds.clock.now(),
      });
      const wallSeconds = (performance.now() - started) / 1000;
      const figures = roundFigures({
        sites,
        wallSeconds,
        rds: delta(stack.rds.stats(), before.rds),
        dynamo: delta(dynamo, before.dynamo),
        messages: sqs.messages - before.messages,
        summary,
        instances,
        budget,
      });
      progress(
        `${label} discovery round: ${figures.wallSeconds} s (budget bound ${figures.budgetBoundSeconds} s), ` +
          `${figures.rdsRequests} RDS requests, ${figures.throttled} throttled, ` +
          `${figures.skippedInstances} instances skipped, ${figures.surfacedErrors} errors`,
      );
      return figures;
    };
    try {
      const first = await runRound('first');
      const steady = await runRound('steady');
      return {
        accounts: options.accounts,
        regions,
        places: sites.length,
        instances,
        files: options.files,
        budget: { burst: budget.burst, perSecond: budget.perSecond },
        accountBudget: { burst: RDS_API_BUDGET.burst, perSecond: RDS_API_BUDGET.perSecond },
        ...first,
        steady,
      };
    } finally {
      clients.destroy();
      sources.destroy();
    }
  } finally {
    progress('stopping the local stack');
    await stack.stop();
  }
}

/** A round's figures from what was counted during it. */
function roundFigures(input: {
  sites: readonly SimSite[];
  wallSeconds: number;
  rds: Counts;
  dynamo: Counts;
  messages: number;
  summary: FleetDiscoverSummary;
  instances: number;
  budget: { burst: number; perSecond: number };
}): FleetRoundFigures {
  const perPlace: FleetPlaceFigures[] = input.sites.map((site) => {
    const requests = input.rds[`requests.${site.account.id}.${site.region}`] ?? 0;
    const throttled = input.rds[`throttled.${site.account.id}.${site.region}`] ?? 0;
    return {
      account: site.account.id,
      region: site.region,
      instances: site.world.instances().length,
      rdsRequests: requests,
      throttled,
      budgetBoundSeconds: round(budgetBoundSeconds(requests - throttled, input.budget)),
    };
  });
  const bound = Math.max(...perPlace.map((p) => p.budgetBoundSeconds));
  const { summary } = input;
  return {
    wallSeconds: round(input.wallSeconds),
    budgetBoundSeconds: bound,
    vsBound: bound > 0 ? round(input.wallSeconds / bound, 2) : null,
    rdsRequests: perPlace.reduce((n, p) => n + p.rdsRequests, 0),
    throttled: perPlace.reduce((n, p) => n + p.throttled, 0),
    skippedInstances: input.instances - summary.instances.length,
    listed: summary.instances.reduce((n, o) => n + o.listed, 0),
    surfacedErrors: summary.errors.length,
    firstErrors: summary.errors.slice(0, 3),
    dynamoReads: total(input.dynamo, (n) => DYNAMO_READS.test(n)),
    dynamoWrites: total(input.dynamo, (n) => DYNAMO_WRITES.test(n)),
    sqsMessages: input.messages,
    enqueued: summary.enqueued,
    perPlace,
  };
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
