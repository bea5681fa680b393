import type { SQSClient } from '@aws-sdk/client-sqs';
import { LOG_TYPES } from '../../core/log-types.js';
import { queueDepth } from '../../core/queue-depth.js';
import type { SimWorld } from '../../local/rds-sim/index.js';
import { startLocalStack } from '../../local/stack.js';
import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { type EngineTypeFigures, summarizeByEngineAndType } from '../fleet-summary.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { runPipelineLoop } from '../pipeline-loop.js';
import {
  formatBytes,
  LOG_LEVEL_OPTION,
  logLevel,
  type Pipeline,
  type PipelineCounters,
  pipelineFromEnv,
} from '../pipeline-wiring.js';
import { formatTable } from '../table.js';
import { enginesFrom } from './local-up.js';

/** The default fleet of `npm start`: every engine the simulator models. */
const ARCHIVED_ENGINES = ['aurora-mysql', 'mysql', 'mariadb', 'postgres', 'aurora-postgresql'] as const;

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the whole pipeline on the local stack with a simulated workload (what `npm start` runs)',
  exits: { ok: 'it ran and stopped cleanly' },
  usage: `Usage: rds-log-archiver start [options]

Starts DynamoDB Local, fauxqs (SQS + S3) and the RDS simulator in this process, then runs the
discoverer and the digester on a schedule and the archiver continuously against them: it archives
the simulated history, then keeps going as the simulator writes and rotates new logs on an
accelerated clock, and writes an hourly digest of the archive (_digests/) as each hour closes;
writers fall silent now and then, so live files are archived once quiet and again if they grow.
The fleet mixes Aurora MySQL clusters (unique audit file names), standalone RDS MySQL and MariaDB
instances (server_audit.log renamed .1, .2 ... at each rotation, hourly error and slow query logs
whose names come back every day: each content is archived once, whatever its name), RDS
PostgreSQL instances and Aurora PostgreSQL clusters (postgresql.log with pgAudit lines). Every log
type is archived. Shows live progress; on Ctrl-C prints a summary, split by engine and log type,
and stops everything. Needs Java >= 17 (DynamoDB Local) and nothing from the network.

Options:
  --engine ENGINE        Engines of the simulated fleet (repeatable or a comma list; default every
                         one: aurora-mysql, mysql, mariadb, postgres, aurora-postgresql).
  --clusters N           Simulated Aurora clusters (default 2).
  --instances N          Instances per cluster (default 2).
  --standalone N         Instances per standalone engine (default 1).
  --history-hours H      Hours of logs that already exist at start (default 3).
  --speed X              Simulated seconds per real second (default 60: an hour a minute).
  --seed N               Workload seed (default 1).
  --interval-seconds S   Real seconds between discovery passes (default 5).
  --duration S           Stop by itself after S real seconds (default: run until Ctrl-C).
  --json                 Print the final summary as JSON: stdout is exactly one JSON document
                         (progress and logs go to stderr).
  --log-level LEVEL      debug | info | warn (default) | error | silent (stderr, JSON lines).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      engine: { type: 'string', multiple: true },
      clusters: { type: 'string' },
      instances: { type: 'string' },
      standalone: { type: 'string' },
      'history-hours': { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      'interval-seconds': { type: 'string' },
      duration: { type: 'string' },
      ...JSON_OPTION,
      ...LOG_LEVEL_OPTION,
    });
    const int = (name: string, min: number, max: number) =>
      numberOption(values[name as keyof typeof values] as string | undefined, name, {
        min,
        max,
        integer: true,
      });
    const speed = numberOption(values.speed, 'speed', { min: 1, max: 3600 }) ?? 60;
    const intervalMs = (int('interval-seconds', 1, 3600) ?? 5) * 1000;
    const duration = int('duration', 1, 86_400);
    const level = logLevel(values['log-level']);

    // Progress goes to stderr, like the ticker and the logs: stdout holds only the summary, so that
    // with --json it is exactly one JSON document.
    io.stderr.write('Starting the local stack: DynamoDB Local, fauxqs (SQS + S3), RDS simulator...\n');
    const stack = await startLocalStack({
      prefix: 'start',
      speed,
      workload: {
        engines: enginesFrom(values.engine) ?? [...ARCHIVED_ENGINES],
        // The general log is off by default on RDS (general_log = 0) and dwarfs the others.
        logKinds: ['audit', 'error', 'slowquery'],
        standaloneInstances: int('standalone', 1, 20) ?? 1,
        // The audit plugin keeps 9 rotated files by default; at an hour a minute a 1 MB file
        // rotates every few seconds, faster than the first backlog drains, so keep 30 (AWS allows
        // up to 100): they show the zero-padded names (.01, .02...) too.
        auditRotations: 30,
        quietPeriods: true,
        clusters: int('clusters', 1, 20) ?? 2,
        instancesPerCluster: int('instances', 1, 20) ?? 2,
        historyHours: int('history-hours', 0, 72) ?? 3,
        seed: int('seed', 0, 2 ** 31) ?? 1,
      },
      visibilityTimeoutSeconds: 20,
    });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    io.signal.addEventListener('abort', onSignal, { once: true });
    const timer = duration === undefined ? undefined : setTimeout(onSignal, duration * 1000);
    // The pipeline runs on the simulator's accelerated clock, so scale its time settings with it.
    const env: Record<string, string | undefined> = {
      ...io.env,
      ...stack.env,
      ARCHIVER_SETTLE_SECONDS: '300',
      ARCHIVER_LOG_TYPES: 'all',
      ARCHIVER_LEASE_SECONDS: String(Math.min(43_200, Math.round(speed * 120))),
      ARCHIVER_SWEEP_AFTER_SECONDS: String(Math.min(604_800, Math.round(speed * 300))),
    };
    const pipeline = pipelineFromEnv({ ...io, env }, 'run', level);
    const now = () => stack.rds.clock.now();
    io.stderr.write(
      `Archiving clusters ${env.ARCHIVER_CLUSTERS} and instances ${env.ARCHIVER_INSTANCES} into s3://${stack.resources.bucket} (Ctrl-C to stop).\n`,
    );
    const ticker = startTicker(io, pipeline.counters, pipeline.clients.sqs, stack.resources, now);
    const startedAt = Date.now();
    try {
      await runPipelineLoop({ pipeline, intervalMs, signal: stop.signal, now, functionTimeoutMs: 120_000 });
    } finally {
      clearTimeout(timer);
      await ticker.stop();
      io.signal.removeEventListener('abort', onSignal);
    }
    const byEngine = await figuresByEngine(pipeline, stack.rds.world, now()).catch(() => undefined);
    const depth = await queueDepth(pipeline.clients.sqs, stack.resources.queueUrl).catch(() => undefined);
    const dlq = await queueDepth(pipeline.clients.sqs, stack.resources.dlqUrl).catch(() => undefined);
    const c = pipeline.counters;
    const summary = {
      seconds: Math.round((Date.now() - startedAt) / 1000),
      discoveryPasses: c.discoveryPasses,
      filesArchived: c.filesArchived,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      compressionRatio: c.bytesOut > 0 ? Number((c.bytesIn / c.bytesOut).toFixed(2)) : null,
      retries: c.retries,
      failed: c.failed,
      lost: c.lost,
      digestsWritten: c.digestsWritten,
      queued: depth?.visible ?? null,
      inFlight: depth?.inFlight ?? null,
      dlq: dlq?.visible ?? null,
      bucket: stack.resources.bucket,
      s3Endpoint: stack.endpoints.s3,
      table: stack.resources.table,
      byEngineAndLogType: byEngine ?? null,
    };
    pipeline.clients.destroy();
    await stack.stop();
    if (values.json) writeJson(io, summary);
    else printSummary(io, summary);
    return EXIT.ok;
  },
};

/** The ledger's contents of every group and log type of the fleet, summed by engine and log type. */
async function figuresByEngine(
  pipeline: Pipeline,
  world: SimWorld,
  now: number,
): Promise<EngineTypeFigures[]> {
  const instances = world.instances();
  const engines = new Map(instances.map((i) => [i.id, i.engine]));
  const groups = [...new Set(instances.map((i) => i.cluster ?? i.id))];
  const records = await Promise.all(
    groups.flatMap((group) =>
      LOG_TYPES.map((type) => pipeline.clients.ledger.clusterFiles(group, type, 0, now)),
    ),
  );
  return summarizeByEngineAndType(records.flat(), (instance) => engines.get(instance));
}

function printSummary(
  io: CliIo,
  s: Record<string, unknown> & {
    bytesIn: number;
    bytesOut: number;
    byEngineAndLogType: EngineTypeFigures[] | null;
  },
): void {
  println(io, '');
  println(io, `Summary (${s.seconds} s, ${s.discoveryPasses} discovery passes)`);
  println(io, `  files archived     ${s.filesArchived}`);
  println(io, `  bytes in (logs)    ${formatBytes(s.bytesIn)}`);
  println(io, `  bytes out (gzip)   ${formatBytes(s.bytesOut)}`);
  println(io, `  compression        ${s.compressionRatio ?? '-'}x`);
  println(io, `  retried / failed / lost   ${s.retries} / ${s.failed} / ${s.lost}`);
  println(io, `  digests written    ${s.digestsWritten} (hourly, under _digests/)`);
  println(
    io,
    `  left in queue      ${s.queued ?? '?'} (+${s.inFlight ?? '?'} in flight), DLQ ${s.dlq ?? '?'}`,
  );
  if (s.byEngineAndLogType) {
    println(io, '');
    println(
      io,
      formatTable(s.byEngineAndLogType, [
        { header: '  ENGINE', value: (r) => `  ${r.engine}` },
        { header: 'LOG TYPE', value: (r) => r.logType },
        { header: 'ARCHIVED', value: (r) => r.archived },
        { header: 'BYTES IN', value: (r) => formatBytes(r.bytesIn), align: 'right' },
        { header: 'GZIP', value: (r) => formatBytes(r.bytesOut), align: 'right' },
        { header: 'RATIO', value: (r) => (r.bytesOut > 0 ? `${(r.bytesIn / r.bytesOut).toFixed(1)}x` : '-') },
        { header: 'LOST', value: (r) => r.lost },
      ]),
    );
    println(io, '  (ARCHIVED counts contents: a file, or one content of a name that comes back)');
    println(io, '');
  }
  println(io, `  objects were in    s3://${s.bucket} at ${s.s3Endpoint} (ledger table ${s.table})`);
  println(
    io,
    '  The local stack is in memory and has now stopped; `rds-log-archiver local up` keeps one running.',
  );
}

/** Live progress: redrawn in place on a terminal, a line every 15 s elsewhere. */
function startTicker(
  io: CliIo,
  c: PipelineCounters,
  sqs: SQSClient,
  resources: { queueUrl: string; dlqUrl: string },
  now: () => number,
) {
  const tty = io.stderr.isTTY === true;
  let last = '';
  let ticks = 0;
  const tick = async () => {
    const [queue, dlq] = await Promise.all([
      queueDepth(sqs, resources.queueUrl),
      queueDepth(sqs, resources.dlqUrl),
    ]).catch(() => [undefined, undefined]);
    const ratio = c.bytesOut > 0 ? `${(c.bytesIn / c.bytesOut).toFixed(1)}x` : '-';
    last =
      `sim ${new Date(now()).toISOString().slice(0, 16)}Z  archived ${c.filesArchived} files, ` +
      `${formatBytes(c.bytesIn)} -> ${formatBytes(c.bytesOut)} (${ratio})  ` +
      `queue ${queue?.visible ?? '?'} (+${queue?.inFlight ?? '?'} in flight)  DLQ ${dlq?.visible ?? '?'}  ` +
      `retried ${c.retries} lost ${c.lost}`;
    if (tty) io.stderr.write(`\r${last.slice(0, (io.stderr.columns ?? 160) - 1)}\x1b[K`);
    else if (ticks % 15 === 0) io.stderr.write(`${last}\n`);
    ticks += 1;
  };
  let running = tick();
  const interval = setInterval(() => {
    running = running.then(tick);
  }, 1000);
  return {
    async stop() {
      clearInterval(interval);
      await running.catch(() => undefined);
      if (tty) io.stderr.write('\n');
    },
  };
}
