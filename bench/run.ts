/**
 * The whole benchmark in one run on one local stack: transfer, then discovery (Aurora MySQL, then
 * RDS MySQL). Figures from one run are compared with each other only (the machine is shared;
 * absolute numbers drift).
 */
import { manualClock } from '../local/rds-sim/index.js';
import { startLocalStack } from '../local/stack.js';
import { runDiscoveryBench, runRotatingDiscoveryBench, topUpFiles, worldShape } from './discovery.js';
import { runFleetDiscoveryBench } from './discovery-fleet.js';
import { describeMachine } from './machine.js';
import type { BenchResult } from './report.js';
import { type BenchLog, runTransferBench } from './transfer.js';

/** SERVER_AUDIT_FILE_ROTATIONS of the benchmark's RDS MySQL instances. */
const MYSQL_ROTATIONS = 20;

export interface BenchOptions {
  /** Transfer file sizes in MiB; empty skips the transfer benchmark. */
  sizesMB: number[];
  /**
   * Discovery world; undefined skips the discovery benchmark. With `accounts`, one discovery round
   * over an organisation of that many accounts (in `regions`) on a stack of its own with the RDS
   * API budget on, in place of the one-account passes.
   */
  discovery?: { instances: number; files: number; accounts?: number; regions?: string[] };
  gzipLevel?: number;
  partSizeMB?: number;
  queueSize?: number;
  /** Skip the buffer-everything baseline above this size (MiB). */
  baselineMaxMB?: number;
  /** Which logs the transfer files hold, each at every size (default the Aurora MySQL audit log). */
  logs?: readonly BenchLog[];
  progress?: (line: string) => void;
}

/**
 * Runs the selected benchmarks: transfer and the one-account discovery passes on one local stack,
 * the fleet-scale discovery round (with `discovery.accounts`) on a stack of its own.
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const progress = options.progress ?? (() => undefined);
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  const fleet = options.discovery?.accounts === undefined ? undefined : options.discovery;
  const oneAccount = fleet ? undefined : options.discovery;
  const notes: string[] = [];
  let result: Pick<BenchResult, 'transfer' | 'discovery' | 'discoveryMysql'> = {
    transfer: [],
    discovery: null,
    discoveryMysql: null,
  };
  if (options.sizesMB.length > 0 || oneAccount) {
    result = await runOnOneStack(options, oneAccount, machine, progress);
    notes.push(...ONE_STACK_NOTES);
  }
  if (fleet?.accounts !== undefined) {
    const figures = await runFleetDiscoveryBench({
      accounts: fleet.accounts,
      instances: fleet.instances,
      files: fleet.files,
      ...(fleet.regions === undefined ? {} : { regions: fleet.regions }),
      progress,
    });
    result.discovery = { instances: figures.instances, files: fleet.files, fleet: figures };
    notes.push(...FLEET_NOTES);
  }
  return { machine, startedAt, ...result, notes };
}

const ONE_STACK_NOTES = [
  "MB = 2^20 bytes. Each archive runs in its own Node process; peak RSS and CPU are that process's own.",
  'The RDS simulator and the S3 emulator (fauxqs) run in the bench process and share the same CPUs ' +
    '(oursServerCpuSeconds is what they spent during the archiver run).',
  "gzip -N -c is fed the same bytes from the simulator's content generator (no HTTP) and writes to /dev/null.",
  'The archiver also computes SHA-256 and re-stamps the object with a CopyObject; the baseline does neither.',
];

const FLEET_NOTES = [
  'Fleet scale: every place (account and Region) is discovered side by side in this one process, as ' +
    "concurrent discoverer Lambdas would be; the simulator, DynamoDB Local and fauxqs share this machine's CPUs.",
];

/** Starts the local stack, runs transfer and the one-account discovery passes, stops the stack (also on failure). */
async function runOnOneStack(
  options: BenchOptions,
  oneAccount: BenchOptions['discovery'],
  machine: BenchResult['machine'],
  progress: (line: string) => void,
): Promise<Pick<BenchResult, 'transfer' | 'discovery' | 'discoveryMysql'>> {
  const shape = oneAccount ? worldShape(oneAccount.instances) : { clusters: 1, instancesPerCluster: 1 };
  // Beside the Aurora MySQL clusters, as many standalone RDS MySQL instances for the rotating
  // discovery benchmark: 3 h of audit log at the default rate and rotate size fill all
  // MYSQL_ROTATIONS rotated files.
  const mysql = oneAccount ? oneAccount.instances : 0;
  progress(
    `starting the local stack (${shape.clusters * shape.instancesPerCluster} Aurora MySQL and ${mysql} RDS ` +
      `MySQL simulated instances) on ${machine.cpus} CPU(s), ${machine.cpuModel}, node ${machine.node}, ` +
      `load ${machine.loadAverage}`,
  );
  const stack = await startLocalStack({
    prefix: `bench${process.pid}`,
    // The simulated world stands still for the whole bench. On the real clock an hour boundary
    // between the two discovery passes rotated every live file, so the "steady-state" pass met
    // new files (listed 72 instead of 60) and measured new work instead of a steady state.
    clock: manualClock(Date.now()),
    // No RDS API budget: it would never refill on a clock that stands still, and the bench
    // measures our code, not the account's request budget.
    budget: false,
    workload: {
      ...shape,
      historyHours: 3,
      logKinds: ['audit'],
      ...(mysql > 0
        ? { engines: ['aurora-mysql', 'mysql'], standaloneInstances: mysql, auditRotations: MYSQL_ROTATIONS }
        : {}),
    },
  });
  try {
    const transfer =
      options.sizesMB.length === 0
        ? []
        : await runTransferBench(stack, {
            sizesMB: options.sizesMB,
            ...(options.gzipLevel === undefined ? {} : { gzipLevel: options.gzipLevel }),
            ...(options.partSizeMB === undefined ? {} : { partSize: options.partSizeMB * 1024 * 1024 }),
            ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
            ...(options.baselineMaxMB === undefined ? {} : { baselineMaxMB: options.baselineMaxMB }),
            ...(options.logs === undefined ? {} : { logs: options.logs }),
            progress,
          });
    let discovery: BenchResult['discovery'] = null;
    let discoveryMysql: BenchResult['discoveryMysql'] = null;
    if (oneAccount) {
      topUpFiles(stack, oneAccount.files);
      discovery = await runDiscoveryBench(stack, { files: oneAccount.files, progress });
      discoveryMysql = await runRotatingDiscoveryBench(stack, { rotations: MYSQL_ROTATIONS, progress });
    }
    return { transfer, discovery, discoveryMysql };
  } finally {
    progress('stopping the local stack');
    await stack.stop();
  }
}
