import { resolve } from 'node:path';
import type { FleetSettings } from '../../local/env.js';
import {
  readStateFile,
  removeStateFiles,
  renderEnvFile,
  type StackStateFile,
  writeStateFiles,
} from '../../local/env-file.js';
import {
  type BudgetOptions,
  ENGINES,
  type Engine,
  type Fault,
  FaultSpecError,
  isEngine,
  isRegionName,
  parseFaultSpec,
  type SimInstance,
  type WorkloadOptions,
} from '../../local/rds-sim/index.js';
import { startLocalStack } from '../../local/stack.js';
import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';

export const DEFAULT_STATE_DIR = '.local-state';

const OPTIONS = {
  'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
  region: { type: 'string' },
  regions: { type: 'string' },
  accounts: { type: 'string' },
  'api-burst': { type: 'string' },
  'api-rate': { type: 'string' },
  'no-api-budget': { type: 'boolean', default: false },
  'unmetered-downloads': { type: 'boolean', default: false },
  prefix: { type: 'string', default: 'local' },
  seed: { type: 'string' },
  engine: { type: 'string', multiple: true },
  clusters: { type: 'string' },
  standalone: { type: 'string' },
  instances: { type: 'string' },
  'history-hours': { type: 'string' },
  'rotate-mb': { type: 'string' },
  'writer-kbps': { type: 'string' },
  speed: { type: 'string' },
  'retention-hours': { type: 'string' },
  'audit-rotate-bytes': { type: 'string' },
  'audit-rotations': { type: 'string' },
  'steady-writers': { type: 'boolean', default: false },
  fault: { type: 'string', multiple: true },
  'max-receive-count': { type: 'string' },
  'visibility-timeout': { type: 'string' },
  'port-rds': { type: 'string' },
  'port-dynamodb': { type: 'string' },
  'port-fauxqs': { type: 'string' },
  ...JSON_OPTION,
} as const;

const USAGE = `Usage: rds-log-archiver local up [--state-dir DIR] [options]

Starts DynamoDB Local (Java), fauxqs (SQS + S3) and the RDS simulator in the foreground, creates
the ledger table, archive queue + DLQ and bucket, then writes DIR/env (shell 'export' lines: the
AWS_ENDPOINT_URL_* overrides, AWS_REGION, credentials the simulator accepts, ARCHIVER_* names) and
DIR/endpoints.json. In another shell: '. DIR/env' and run any command against the local stack.
Stops everything on Ctrl-C / SIGTERM and removes both files.

Options:
  --state-dir DIR          where env and endpoints.json go (default ${DEFAULT_STATE_DIR})
  --region REGION          region of every service; requests signed for another are refused
                           (default us-east-1)
  --prefix NAME            resource name prefix: NAME-ledger, NAME-archive, NAME-archive-dlq
                           (default local)
Workload (the simulated fleet):
  --engine ENGINE          engines of the fleet, repeatable or a comma list (default aurora-mysql):
                           aurora-mysql       clusters aurora-audit-<n>, 4 audit writers
                           mysql, mariadb     standalone instances mysql-<n> / mariadb-<n>, audit
                                              plugin (server_audit.log renamed .1, .2 ...),
                                              hourly error/slow/general logs
                           postgres           standalone postgres-<n>, postgresql.log.<date-HH>
                           aurora-postgresql  clusters aurora-pg-<n>, postgresql.log.<date-HHMM>
                           The aurora-mysql clusters go into ARCHIVER_CLUSTERS, the mysql and
                           mariadb instances into ARCHIVER_INSTANCES.
  --seed N                 same seed, same world, same bytes (default 1)
  --clusters N             clusters per Aurora engine (default 2)
  --instances N            instances per cluster (default 2)
  --standalone N           instances per standalone engine (default 2)
  --history-hours H        hours of log files that already exist at start (default 3)
  --rotate-mb MB           size at which an Aurora MySQL audit file rotates (default 100)
  --audit-rotate-bytes N   SERVER_AUDIT_FILE_ROTATE_SIZE of mysql/mariadb (default 1000000)
  --audit-rotations N      SERVER_AUDIT_FILE_ROTATIONS of mysql/mariadb, 0-100 (default 9)
  --writer-kbps KB         audit log growth per writer, KiB/s (4 writers per Aurora instance)
  --steady-writers         writers never pause (by default they fall silent for a few minutes
                           now and then, so live files go quiet)
  --speed X                simulated clock runs X times real time (default 1)
  --retention-hours H      every log file vanishes H hours after last written (default: each
                           engine's documented retention, e.g. Aurora audit 24 h)
  --fault SPEC             inject a fault from the start; repeatable. SPEC is
                           kind[:key=value,...], e.g. throttle:times=3,target=api
                           reset:afterBytes=1000,file=audit.log.0   vanish:file=audit.log.1
                           kinds: throttle, server-error, reset, truncate, slow, empty-listing,
                           vanish, grow-during-download, always-fail, path-unavailable
Organisation (default: one account, one region, as above):
  --accounts N             simulated accounts (default 1): the first is the hub, whose own keys
                           go into DIR/env; each other one has a role the hub assumes with STS
                           (arn:aws:iam::<account>:role/rds-log-archiver-member, external id
                           rds-log-archiver-<account>). DIR/env then also holds
                           AWS_ENDPOINT_URL_STS, LOCAL_FLEET_REGIONS and LOCAL_FLEET_ACCOUNTS
                           (JSON: account id, role ARN, external id, regions)
  --regions R1,R2          regions every account has its own fleet in (replaces --region; the
                           emulators run in the first). Ids: aurora-audit-1 in the hub's first
                           region, with the region in others (aurora-audit-uswest2-1), with
                           a<N> from the third account on (aurora-audit-a3-1); the second
                           account reuses the hub's ids, as two AWS accounts may
RDS API budget (per account and region, on the simulated clock):
  --api-burst N            requests in a burst (default 300, AWS's)
  --api-rate N             requests per second sustained (default 12, AWS's)
  --unmetered-downloads    the signed log file download takes nothing from the budget
  --no-api-budget          no budget: never answer Throttling (faults still can)
Queues:
  --max-receive-count N    receives before a message goes to the DLQ (= ARCHIVER_MAX_ATTEMPTS,
                           default 5)
  --visibility-timeout S   archive queue visibility timeout in seconds (default 30)
Ports (default: free ones):
  --port-rds N, --port-dynamodb N, --port-fauxqs N (SQS and S3 share it)
Output:
  --json                   print endpoints.json instead of the export lines
  -h, --help               this help`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `--engine` values: repeatable, each a comma list; an unknown engine is a usage error. */
export function enginesFrom(values: string[] | undefined): Engine[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const engines: Engine[] = [];
  for (const name of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (name === '') continue;
    if (!isEngine(name))
      throw new UsageError(`--engine ${name}: unknown engine (one of ${ENGINES.join(', ')})`);
    if (!engines.includes(name)) engines.push(name);
  }
  return engines.length > 0 ? engines : undefined;
}

/** One line per engine: which clusters and instances the simulator serves. */
export function describeFleet(instances: SimInstance[]): string[] {
  const lines: string[] = [];
  for (const engine of ENGINES) {
    const of = instances.filter((i) => i.engine === engine);
    if (of.length === 0) continue;
    const clusters = [...new Set(of.flatMap((i) => (i.cluster === undefined ? [] : [i.cluster])))];
    lines.push(
      clusters.length > 0
        ? `${engine}: clusters ${clusters.join(', ')} (instances ${of.map((i) => i.id).join(', ')})`
        : `${engine}: standalone instances ${of.map((i) => i.id).join(', ')}`,
    );
  }
  return lines;
}

function workloadFrom(values: Record<string, unknown>): WorkloadOptions {
  const v = values as Record<string, string | undefined>;
  const workload: WorkloadOptions = {};
  const set = <K extends keyof WorkloadOptions>(key: K, value: WorkloadOptions[K] | undefined) => {
    if (value !== undefined) workload[key] = value;
  };
  set('engines', enginesFrom(values.engine as string[] | undefined));
  set('standaloneInstances', numberOption(v.standalone, 'standalone', { integer: true, min: 0, max: 1000 }));
  set(
    'auditRotateBytes',
    numberOption(v['audit-rotate-bytes'], 'audit-rotate-bytes', {
      integer: true,
      min: 1,
      max: 1_000_000_000,
    }),
  );
  set(
    'auditRotations',
    numberOption(v['audit-rotations'], 'audit-rotations', { integer: true, min: 0, max: 100 }),
  );
  workload.quietPeriods = values['steady-writers'] !== true;
  set('seed', numberOption(v.seed, 'seed', { integer: true, min: 0 }));
  set('clusters', numberOption(v.clusters, 'clusters', { integer: true, min: 1, max: 1000 }));
  set('instancesPerCluster', numberOption(v.instances, 'instances', { integer: true, min: 1, max: 100 }));
  set('historyHours', numberOption(v['history-hours'], 'history-hours', { min: 0 }));
  const rotateMb = numberOption(v['rotate-mb'], 'rotate-mb', { min: 0.001 });
  set('rotateBytes', rotateMb === undefined ? undefined : Math.round(rotateMb * 1024 * 1024));
  const kbps = numberOption(v['writer-kbps'], 'writer-kbps', { min: 0 });
  set('writerBytesPerSecond', kbps === undefined ? undefined : Math.round(kbps * 1024));
  set('retentionHours', numberOption(v['retention-hours'], 'retention-hours', { min: 0.001 }));
  return workload;
}

/** `--regions` (a comma list) or `--region`, not both unless they agree on the first. */
export function regionsFrom(region: string | undefined, regions: string | undefined): string[] {
  if (regions === undefined) {
    const one = region ?? 'us-east-1';
    if (!isRegionName(one)) throw new UsageError(`--region ${one}: not a region name (like us-east-1)`);
    return [one];
  }
  const list = regions.split(',').map((r) => r.trim());
  for (const r of list) {
    if (!isRegionName(r))
      throw new UsageError(`--regions ${regions}: "${r}" is not a region name (like us-east-1)`);
  }
  if (new Set(list).size !== list.length)
    throw new UsageError(`--regions ${regions}: a region is given twice`);
  if (region !== undefined && region !== list[0]) {
    throw new UsageError(`--region ${region} and --regions ${regions} disagree: give --regions alone`);
  }
  return list;
}

/** The budget options of `local up`; false when `--no-api-budget`. */
export function budgetFrom(values: Record<string, unknown>): BudgetOptions | false {
  const v = values as Record<string, string | boolean | undefined>;
  const burst = numberOption(v['api-burst'] as string | undefined, 'api-burst', { integer: true, min: 1 });
  const perSecond = numberOption(v['api-rate'] as string | undefined, 'api-rate', { min: 0 });
  if (v['no-api-budget'] === true) {
    if (burst !== undefined || perSecond !== undefined || v['unmetered-downloads'] === true) {
      throw new UsageError('--no-api-budget takes no --api-burst, --api-rate or --unmetered-downloads');
    }
    return false;
  }
  return {
    ...(burst === undefined ? {} : { burst }),
    ...(perSecond === undefined ? {} : { perSecond }),
    ...(v['unmetered-downloads'] === true ? { countDownloads: false } : {}),
  };
}

/** One line per account and region of a multi-account stack: its role and clusters. */
export function describeAccounts(fleet: FleetSettings): string[] {
  const lines: string[] = [];
  for (const account of fleet.accounts) {
    const who = account.hub
      ? 'hub, its own keys'
      : `role ${account.roleArn}, external id ${account.externalId}`;
    lines.push(`account ${account.accountId} (${who}):`);
    for (const region of account.regions) {
      lines.push(`  ${region}: clusters ${(account.clusters[region] ?? []).join(', ') || '(none)'}`);
    }
  }
  return lines;
}

function faultsFrom(specs: string[]): Fault[] {
  return specs.map((spec) => {
    try {
      return parseFaultSpec(spec);
    } catch (error) {
      if (error instanceof FaultSpecError) throw new UsageError(`--fault ${spec}: ${error.message}`);
      throw error;
    }
  });
}

/** Resolves once `signal` is aborted. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener('abort', () => done(), { once: true }));
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS);
  const workload = workloadFrom(values);
  const faults = faultsFrom(values.fault ?? []);
  const speed = numberOption(values.speed, 'speed', { min: 0.001 });
  const maxReceiveCount = numberOption(values['max-receive-count'], 'max-receive-count', {
    integer: true,
    min: 1,
    max: 1000,
  });
  const visibility = numberOption(values['visibility-timeout'], 'visibility-timeout', {
    integer: true,
    min: 0,
    max: 43_200,
  });
  const port = (name: 'port-rds' | 'port-dynamodb' | 'port-fauxqs') =>
    numberOption(values[name], name, { integer: true, min: 1, max: 65_535 });
  const ports = { rds: port('port-rds'), dynamodb: port('port-dynamodb'), fauxqs: port('port-fauxqs') };
  const dir = resolve(io.cwd, values['state-dir']);
  const regions = regionsFrom(values.region, values.regions);
  const accounts = numberOption(values.accounts, 'accounts', { integer: true, min: 1, max: 100 });
  const budget = budgetFrom(values);

  const existing = await readStateFile(dir);
  if (existing !== undefined && existing.pid !== process.pid && alive(existing.pid)) {
    throw new CliError(`a local stack is already running from ${dir} (pid ${existing.pid}); stop it first`);
  }

  io.stderr.write('starting DynamoDB Local, fauxqs and the RDS simulator...\n');
  const stack = await startLocalStack({
    regions,
    ...(accounts === undefined ? {} : { accounts }),
    budget,
    prefix: values.prefix,
    workload,
    faults,
    ...(speed === undefined ? {} : { speed }),
    ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }),
    ...(visibility === undefined ? {} : { visibilityTimeoutSeconds: visibility }),
    ports: Object.fromEntries(Object.entries(ports).filter(([, p]) => p !== undefined)),
  });
  try {
    const state: StackStateFile = {
      pid: process.pid,
      dynamodbPid: stack.dynamodbPid,
      startedAt: new Date().toISOString(),
      region: stack.region,
      endpoints: stack.endpoints,
      names: stack.resources,
      clusters: stack.rds.world.clusters().map((c) => c.id),
      instances: stack.rds.world.instances().map((i) => ({
        id: i.id,
        engine: i.engine,
        ...(i.cluster === undefined ? {} : { cluster: i.cluster }),
      })),
      ...(stack.fleet === undefined ? {} : { fleet: stack.fleet }),
      env: stack.env,
    };
    await writeStateFiles(dir, state);
    if (values.json) {
      writeJson(io, state);
    } else {
      for (const line of describeFleet(stack.rds.world.instances())) io.stderr.write(`${line}\n`);
      if (stack.fleet !== undefined)
        for (const line of describeAccounts(stack.fleet)) io.stderr.write(`${line}\n`);
      io.stdout.write(renderEnvFile(stack.env));
      io.stderr.write(`\nready: '. ${dir}/env' in another shell; Ctrl-C stops the stack.\n`);
    }
    await untilAborted(io.signal);
    io.stderr.write('stopping...\n');
  } finally {
    await removeStateFiles(dir);
    await stack.stop();
  }
  io.stderr.write('stopped\n');
  return EXIT.ok;
}

/** `local up`: the whole stack in the foreground, described in DIR/env. */
export const localUpCommand: Command = {
  name: 'up',
  summary: 'start emulators + RDS simulator in the foreground; write DIR/env',
  exits: { ok: 'the stack ran and stopped cleanly' },
  usage: USAGE,
  run,
};
