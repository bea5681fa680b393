import { configEnvironment } from '../core/config.js';
import { DEFAULT_LOCAL_REGION, type EmulatorEndpoints } from './aws-config.js';
import { startEmulators } from './emulators.js';
import { type FleetSettings, fleetEnv, pipelineEnv } from './env.js';
import {
  acceleratedClock,
  type BudgetOptions,
  type Fault,
  type RdsSimulator,
  type SimClock,
  type SimCredentials,
  type StsOptions,
  startRdsSimulator,
  type WorkloadOptions,
} from './rds-sim/index.js';
import {
  createPipelineResources,
  type PipelineNames,
  type PipelineResources,
  pipelineNames,
} from './resources.js';

/** Options of `startLocalStack`. Everything is optional; defaults give a small two-cluster world. */
export interface LocalStackOptions {
  /** The Region of every service (default us-east-1); with `regions`, their first. */
  region?: string;
  /** Regions every simulated account has a fleet in (the emulators run in the first). */
  regions?: string[];
  /** Simulated accounts: the hub, then members reached by STS AssumeRole (default 1). */
  accounts?: number;
  /** The simulated RDS API budget per account and Region (default AWS's); false: none. */
  budget?: BudgetOptions | false;
  sts?: StsOptions;
  /** Resource name prefix (`<prefix>-ledger`, ...); default `local`. */
  prefix?: string;
  workload?: WorkloadOptions;
  faults?: Fault[];
  /** The simulator's clock; default real time, or `acceleratedClock(now, speed)` when speed is set. */
  clock?: SimClock;
  speed?: number;
  /** Credentials the simulator accepts; the first set goes into `env`. Default: the simulator's. */
  credentials?: SimCredentials[];
  /** = ARCHIVER_MAX_ATTEMPTS; default 5. */
  maxReceiveCount?: number;
  /** Archive queue visibility timeout for local runs; default 30 s. */
  visibilityTimeoutSeconds?: number;
  ports?: { rds?: number; dynamodb?: number; fauxqs?: number };
}

/** The running local stack. */
export interface LocalStack {
  /** Exactly the variables the pipeline reads (endpoints, region, credentials, ARCHIVER_*). */
  env: Record<string, string>;
  endpoints: EmulatorEndpoints & { rds: string };
  names: PipelineNames;
  resources: PipelineResources;
  region: string;
  rds: RdsSimulator;
  /** The accounts and Regions, when there are several (otherwise undefined: a one-account stack). */
  fleet?: FleetSettings;
  dynamodbPid: number;
  /** Stops the simulator and both emulators; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local, fauxqs and the RDS simulator, creates the pipeline's table, queues and
 * bucket, and returns the environment that points the pipeline at them. One code path for the
 * tests, `rds-log-archiver local up` and the benchmarks. A failed start stops what did start.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const region = options.regions?.[0] ?? options.region ?? DEFAULT_LOCAL_REGION;
  const names = pipelineNames(options.prefix ?? 'local');
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const clock =
    options.clock ?? (options.speed === undefined ? undefined : acceleratedClock(Date.now(), options.speed));
  const emulators = await startEmulators({
    region,
    ...(options.ports?.dynamodb === undefined ? {} : { dynamodbPort: options.ports.dynamodb }),
    ...(options.ports?.fauxqs === undefined ? {} : { fauxqsPort: options.ports.fauxqs }),
  });
  let rds: RdsSimulator | undefined;
  try {
    const [resources, simulator] = await Promise.all([
      createPipelineResources(emulators.endpoints, names, {
        region,
        maxReceiveCount,
        ...(options.visibilityTimeoutSeconds === undefined
          ? {}
          : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
      }),
      startRdsSimulator({
        host: '127.0.0.1',
        region,
        ...(options.regions === undefined ? {} : { regions: options.regions }),
        ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
        ...(options.budget === undefined ? {} : { budget: options.budget }),
        ...(options.sts === undefined ? {} : { sts: options.sts }),
        ...(options.ports?.rds === undefined ? {} : { port: options.ports.rds }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        ...(clock === undefined ? {} : { clock }),
        ...(options.workload === undefined ? {} : { workload: options.workload }),
        ...(options.faults === undefined ? {} : { faults: options.faults }),
      }).then((started) => {
        rds = started;
        return started;
      }),
    ]);
    const credentials = simulator.credentials[0];
    if (credentials === undefined) throw new Error('the RDS simulator accepts no credentials');
    // Every cluster and standalone instance of the fleet is selected; ARCHIVER_LOG_TYPES (audit
    // unless set) decides which of their logs are archived.
    const archived = simulator.world.clusters().map((cluster) => cluster.id);
    const standalone = simulator.world
      .instances()
      .filter((i) => i.cluster === undefined)
      .map((i) => i.id);
    const env = pipelineEnv({
      region,
      credentials,
      endpoints: emulators.endpoints,
      rdsUrl: simulator.url,
      resources,
      ...(archived.length > 0 ? { clusters: archived } : {}),
      ...(standalone.length > 0 ? { instances: standalone } : {}),
      maxAttempts: maxReceiveCount,
      ...(options.workload?.retentionHours === undefined
        ? {}
        : { retentionHours: options.workload.retentionHours }),
    });
    // A simulator without an RDS API budget never throttles: the pipeline need not share one
    // either (it would only add DynamoDB writes to what the benchmarks count).
    if (options.budget === false) Object.assign(env, configEnvironment({ rdsApiRate: 0 }));
    const fleet = fleetSettingsOf(simulator);
    if (fleet !== undefined) Object.assign(env, fleetEnv(fleet));
    let stopping: Promise<void> | undefined;
    return {
      env,
      endpoints: { ...emulators.endpoints, rds: simulator.url },
      names,
      resources,
      region,
      rds: simulator,
      ...(fleet === undefined ? {} : { fleet }),
      dynamodbPid: emulators.dynamodbPid,
      stop: () => {
        stopping ??= Promise.all([simulator.stop(), emulators.stop()]).then(() => undefined);
        return stopping;
      },
    };
  } catch (error) {
    await Promise.allSettled([rds?.stop(), emulators.stop()]);
    throw error;
  }
}

/** The fleet of a simulator with several accounts or Regions; undefined for one account in one Region. */
export function fleetSettingsOf(sim: RdsSimulator): FleetSettings | undefined {
  const { fleet } = sim;
  if (fleet.accounts.length === 1 && fleet.regions.length === 1) return undefined;
  const roles = new Map(sim.sts.roles().map((r) => [r.account, r]));
  return {
    hubAccount: fleet.hub.id,
    regions: [...fleet.regions],
    stsEndpoint: sim.url,
    accounts: fleet.accounts.map((account) => {
      const role = roles.get(account.id);
      return {
        accountId: account.id,
        hub: account.hub,
        ...(role === undefined ? {} : { roleArn: role.arn }),
        ...(role?.externalId === undefined ? {} : { externalId: role.externalId }),
        regions: [...fleet.regions],
        clusters: Object.fromEntries(
          fleet.regions.map((region) => [
            region,
            (fleet.site(account.id, region)?.world.clusters() ?? [])
              .filter((c) => (c.engine ?? 'aurora-mysql') === 'aurora-mysql')
              .map((c) => c.id),
          ]),
        ),
      };
    }),
  };
}
