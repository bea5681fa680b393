/**
 * The discovery benchmark: `discover()` from core/discover.ts, twice (first run, then steady
 * state), over a simulated world of many instances with many files each, with the ledger on
 * DynamoDB Local. Every AWS request is counted by a middleware on the SDK clients; RDS requests
 * also by the simulator itself. Beside it, the same over standalone RDS MySQL instances, whose audit
 * files are renamed on every rotation (content identity, issue 11): a rotation must cost the
 * ledger no write for a file whose content did not change.
 */
import { createPipelineClients } from '../core/aws-clients.js';
import { loadConfig } from '../core/config.js';
import { discover } from '../core/discover.js';
import { jsonLog, noMetrics } from '../core/observability.js';
import type { SimWorld } from '../local/rds-sim/index.js';
import type { LocalStack } from '../local/stack.js';
import type { DiscoveryFigures, DiscoveryRunFigures, RotatingDiscoveryFigures } from './report.js';
import { type Counts, countCommands, DYNAMO_READS, DYNAMO_WRITES, delta, total } from './request-counts.js';

const HOUR = 3_600_000;
/** Audit streams per simulated instance (the simulator's writers). */
const WRITERS = 4;

/** Instances-per-cluster for `instances`: the largest divisor not above 10, so the world has exactly `instances`. */
export function worldShape(instances: number): { clusters: number; instancesPerCluster: number } {
  for (let perCluster = Math.min(10, instances); perCluster > 1; perCluster -= 1) {
    if (instances % perCluster === 0)
      return { clusters: instances / perCluster, instancesPerCluster: perCluster };
  }
  return { clusters: instances, instancesPerCluster: 1 };
}

/**
 * Tops every instance up to `files` audit files with rotated files of past hours (inside the
 * 24 h retention, older than the workload's own 3 h history), so each instance lists `files`.
 */
export function topUpFiles(stack: LocalStack, files: number): void {
  topUpWorld(stack.rds.world, stack.rds.clock.now(), files);
}

/** {@link topUpFiles} for one world (one account and Region of a fleet). */
export function topUpWorld(world: SimWorld, now: number, files: number): void {
  const thisHour = Math.floor(now / HOUR) * HOUR;
  for (const cluster of world.clusters()) {
    for (const instance of cluster.instances) {
      const missing = files - world.listFiles(instance).filter((f) => f.name.startsWith('audit/')).length;
      for (let j = 0; j < missing; j += 1) {
        const writer = j % WRITERS;
        const hourStart = thisHour - (5 + (Math.floor(j / WRITERS) % 18)) * HOUR;
        const sequence = 2 + Math.floor(j / (WRITERS * 18));
        const stamp = new Date(hourStart).toISOString().slice(0, 16).replace(/[T:]/g, '-');
        world.addFile(instance, `audit/audit.log.${writer}.${stamp}.${sequence}`, {
          size: 1024 * 1024,
          lastWritten: hourStart + HOUR - 1000,
        });
      }
    }
  }
}

/** One discovery pass to measure, and what to change in the world just before it. */
interface PassSpec {
  label: string;
  before?: () => void;
}

/**
 * Runs `discover()` from the pipeline environment `env` once per pass, counting every request
 * of each pass, and reports the passes in order.
 */
async function measurePasses(
  stack: LocalStack,
  env: Record<string, string>,
  description: string,
  passes: PassSpec[],
  progress: (line: string) => void,
): Promise<DiscoveryRunFigures[]> {
  const config = loadConfig(env, 'discover');
  const clients = createPipelineClients(config, {
    env,
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
      : {}),
  });
  const dynamo: Counts = {};
  const sqs: Counts = {};
  const s3: Counts = {};
  const rdsSdk: Counts = {};
  countCommands(clients.dynamo, dynamo);
  countCommands(clients.sqs, sqs);
  countCommands(clients.s3, s3);
  countCommands(clients.rds, rdsSdk);
  let sqsMessages = 0;
  clients.sqs.middlewareStack.add(
    (next) => async (args) => {
      const entries = (args.input as { Entries?: unknown[] }).Entries;
      sqsMessages += entries?.length ?? 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountMessages' },
  );
  const log = jsonLog(() => undefined, 'silent');

  const pass = async (label: string): Promise<DiscoveryRunFigures> => {
    progress(`discovery ${label} run: ${description} ...`);
    const before = {
      dynamo: { ...dynamo },
      sqs: { ...sqs },
      s3: { ...s3 },
      rds: stack.rds.stats(),
      msgs: sqsMessages,
    };
    const started = performance.now();
    const summary = await discover({
      rds: clients.rds,
      sqs: clients.sqs,
      ledger: clients.ledger,
      config,
      log,
      metrics: noMetrics,
      // The simulator's clock, as the pipeline runs on it locally: the world's files and the
      // discoverer's settle decisions see the same time.
      now: () => stack.rds.clock.now(),
    });
    const wallSeconds = (performance.now() - started) / 1000;
    if (summary.errors.length > 0)
      throw new Error(`discovery failed: ${summary.errors.slice(0, 3).join('; ')}`);
    // The simulator's own counters: one per request it served, by action (dotted keys are breakdowns).
    const rdsByAction = delta(
      Object.fromEntries(
        Object.entries(stack.rds.stats()).filter(([k]) => !k.includes('.') && k !== 'downloadBytes'),
      ),
      before.rds,
    );
    const d = delta(dynamo, before.dynamo);
    const q = delta(sqs, before.sqs);
    const listed = summary.instances.reduce((n, o) => n + o.listed, 0);
    const figures: DiscoveryRunFigures = {
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      rdsRequests: total(rdsByAction),
      rdsByAction,
      dynamoReads: total(d, (n) => DYNAMO_READS.test(n)),
      dynamoWrites: total(d, (n) => DYNAMO_WRITES.test(n)),
      dynamoByCommand: d,
      sqsSends: total(q, (n) => n.startsWith('SendMessage')),
      sqsMessages: sqsMessages - before.msgs,
      s3Requests: total(delta(s3, before.s3)),
      listed,
      enqueued: summary.enqueued,
      seedHeadRequests: listed,
    };
    progress(
      `discovery ${label} run: ${figures.wallSeconds} s, ${figures.rdsRequests} RDS, ` +
        `${figures.dynamoReads} DynamoDB reads, ${figures.dynamoWrites} writes, ${figures.sqsSends} SQS sends`,
    );
    return figures;
  };

  try {
    const figures: DiscoveryRunFigures[] = [];
    for (const spec of passes) {
      spec.before?.();
      figures.push(await pass(spec.label));
    }
    return figures;
  } finally {
    clients.destroy();
  }
}

/** The stack's pipeline environment with only these clusters or instances selected. */
function selecting(stack: LocalStack, selection: { clusters?: string[]; instances?: string[] }) {
  const env = { ...stack.env };
  delete env.ARCHIVER_CLUSTERS;
  delete env.ARCHIVER_INSTANCES;
  if (selection.clusters?.length) env.ARCHIVER_CLUSTERS = selection.clusters.join(',');
  if (selection.instances?.length) env.ARCHIVER_INSTANCES = selection.instances.join(',');
  return env;
}

/** Runs discovery twice against the stack's Aurora MySQL clusters (already topped up) and reports both runs. */
export async function runDiscoveryBench(
  stack: LocalStack,
  options: { files: number; progress?: (line: string) => void },
): Promise<DiscoveryFigures> {
  const clusters = stack.rds.world.clusters();
  const instances = clusters.reduce((n, c) => n + c.instances.length, 0);
  const env = selecting(stack, { clusters: clusters.map((c) => c.id) });
  const [first, steady] = await measurePasses(
    stack,
    env,
    `${instances} instances x ${options.files} files`,
    [{ label: 'first' }, { label: 'steady-state' }],
    options.progress ?? (() => undefined),
  );
  return { instances, files: options.files, first: first!, steady: steady! };
}

/** The RDS MySQL audit plugin's rotated names: `server_audit.log.<n>` (zero-padded from 10 rotations). */
const ROTATED_AUDIT = /^audit\/server_audit\.log\.\d+$/;

/**
 * Discovery over the stack's standalone RDS MySQL instances, whose audit plugin renames on
 * rotation: a first pass, a steady-state pass, then one rotation on every instance (every rotated
 * file's name shifts by one, the live file becomes `.1`, the oldest falls off) and a pass after it.
 */
export async function runRotatingDiscoveryBench(
  stack: LocalStack,
  options: { rotations: number; progress?: (line: string) => void },
): Promise<RotatingDiscoveryFigures> {
  const world = stack.rds.world;
  const instances = world
    .instances()
    .filter((i) => i.engine === 'mysql' && i.cluster === undefined)
    .map((i) => i.id);
  const audit = (instance: string) => world.listFiles(instance).filter((f) => f.name.startsWith('audit/'));
  let renamed = 0;
  const rotateAll = () => {
    for (const instance of instances) {
      const rotated = audit(instance).filter((f) => ROTATED_AUDIT.test(f.name)).length;
      // Each rotated file moves to the next name; the one at the last name falls off.
      renamed += Math.min(rotated, options.rotations - 1);
      world.rotate(instance, 'server_audit');
    }
  };
  const env = selecting(stack, { instances });
  const [first, steady, rotated] = await measurePasses(
    stack,
    env,
    `${instances.length} RDS MySQL instances, up to ${options.rotations + 1} audit files each`,
    [
      { label: 'mysql first' },
      { label: 'mysql steady-state' },
      { label: 'mysql rotated', before: rotateAll },
    ],
    options.progress ?? (() => undefined),
  );
  return {
    engine: 'mysql',
    instances: instances.length,
    rotations: options.rotations,
    first: first!,
    steady: steady!,
    rotated: { ...rotated!, renamed },
  };
}
