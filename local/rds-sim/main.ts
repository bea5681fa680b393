/**
 * Runs the RDS simulator as its own process: `node --import tsx local/rds-sim/main.ts [options]`.
 * Prints the endpoint URL as the first line of stdout, then serves until SIGINT/SIGTERM.
 *
 * Options (env in brackets): --port [RDS_SIM_PORT], --host, --region [AWS_REGION], --seed [RDS_SIM_SEED],
 * --engine (repeatable or comma list), --clusters, --instances, --standalone, --history-hours,
 * --writer-bps, --rotate-bytes, --retention-hours, --audit-rotate-bytes, --audit-rotations,
 * --quiet (writers fall silent now and then),
 * --speed (accelerated clock) [RDS_SIM_SPEED], --start (ISO time or epoch ms), --fault SPEC (repeatable),
 * --accounts N, --regions r1,r2 (several accounts and Regions; STS on the same endpoint),
 * --api-burst N, --api-rate N, --no-api-budget (the RDS API budget per account and Region).
 */
import { parseArgs } from 'node:util';
import { acceleratedClock, type Engine, parseFaultSpec, startRdsSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    region: { type: 'string' },
    seed: { type: 'string' },
    engine: { type: 'string', multiple: true },
    standalone: { type: 'string' },
    'audit-rotate-bytes': { type: 'string' },
    'audit-rotations': { type: 'string' },
    quiet: { type: 'boolean' },
    clusters: { type: 'string' },
    instances: { type: 'string' },
    'history-hours': { type: 'string' },
    'writer-bps': { type: 'string' },
    'rotate-bytes': { type: 'string' },
    'retention-hours': { type: 'string' },
    speed: { type: 'string' },
    start: { type: 'string' },
    fault: { type: 'string', multiple: true },
    accounts: { type: 'string' },
    regions: { type: 'string' },
    'api-burst': { type: 'string' },
    'api-rate': { type: 'string' },
    'no-api-budget': { type: 'boolean' },
  },
});

const int = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${text}`);
  return n;
};
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const start = values.start === undefined ? Date.now() : (int(values.start) ?? Date.parse(values.start));
const speed = int(values.speed ?? process.env.RDS_SIM_SPEED) ?? 1;

const sim = await startRdsSimulator(
  defined({
    host: values.host,
    port: int(values.port ?? process.env.RDS_SIM_PORT),
    region: values.region ?? process.env.AWS_REGION,
    regions: values.regions?.split(',').map((r) => r.trim()),
    accounts: int(values.accounts),
    budget: values['no-api-budget']
      ? (false as const)
      : defined({ burst: int(values['api-burst']), perSecond: int(values['api-rate']) }),
    clock: acceleratedClock(Number.isNaN(start) ? Date.now() : start, speed),
    faults: (values.fault ?? []).map(parseFaultSpec),
    workload: defined({
      engines: values.engine?.flatMap((e) => e.split(',')).filter((e) => e !== '') as Engine[] | undefined,
      standaloneInstances: int(values.standalone),
      auditRotateBytes: int(values['audit-rotate-bytes']),
      auditRotations: int(values['audit-rotations']),
      quietPeriods: values.quiet,
      seed: int(values.seed ?? process.env.RDS_SIM_SEED),
      clusters: int(values.clusters),
      instancesPerCluster: int(values.instances),
      historyHours: int(values['history-hours']),
      writerBytesPerSecond: int(values['writer-bps']),
      rotateBytes: int(values['rotate-bytes']),
      retentionHours: int(values['retention-hours']),
    }),
  }),
);
process.stdout.write(`${sim.url}\n`);

const shutdown = () => {
  void sim.stop().finally(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
