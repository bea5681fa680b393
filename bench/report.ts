/**
 * The benchmark's result shape (stable, so runs can be compared) and the pure arithmetic that
 * turns raw run figures into it. MB means MiB (2^20 bytes) throughout, for sizes and rates alike.
 */
import type { MachineInfo } from './machine.js';

const MiB = 1024 * 1024;

/** Raw figures of one run (see transfer.ts). */
export interface RunInput {
  bytes: number;
  gzipBytes?: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  parentCpuSeconds: number;
  peakArrayBuffersBytes?: number;
}

/** One transfer size, three ways. */
export interface TransferFigures {
  /** The log whose lines the file held (bench/transfer.ts BENCH_LOGS). */
  log: string;
  sizeMB: number;
  /** Source MB per second through the archiver's path (download -> sha256 -> gzip -> upload -> digest copy). */
  oursMBps: number;
  /** Source MB per second through `gzip -6 -c` alone. */
  gzipMBps: number;
  /** Source MB per second through the buffer-everything baseline (null when skipped). */
  baselineMBps: number | null;
  oursPeakRssMB: number;
  baselinePeakRssMB: number | null;
  /** Peak Buffer memory (process.memoryUsage().arrayBuffers) of the archiver: parts plus not-yet-collected chunks. */
  oursPeakBuffersMB: number | null;
  /** Compression ratio, source bytes / gzip bytes (archiver's output). */
  ratio: number;
  oursCpuSeconds: number;
  gzipCpuSeconds: number;
  baselineCpuSeconds: number | null;
  /** CPU the bench process (RDS simulator + in-process S3 emulator) spent during the archiver run. */
  oursServerCpuSeconds: number;
  /** ours/gzip throughput (target >= 0.9). */
  oursVsGzip: number;
  /** ours/baseline throughput. */
  oursVsBaseline: number | null;
  /** baseline/ours peak RSS. */
  baselineVsOursRss: number | null;
}

export interface DiscoveryRunFigures {
  wallSeconds: number;
  /** Requests the RDS simulator served (its own counters), by action. */
  rdsRequests: number;
  rdsByAction: Record<string, number>;
  dynamoReads: number;
  dynamoWrites: number;
  /** DynamoDB requests by command name. */
  dynamoByCommand: Record<string, number>;
  /** SendMessageBatch requests, and the messages they carried. */
  sqsSends: number;
  sqsMessages: number;
  s3Requests: number;
  /** Files listed in this pass (all instances). */
  listed: number;
  enqueued: number;
  /** The seed article's approach: one S3 HEAD per listed file per run. */
  seedHeadRequests: number;
}

export interface DiscoveryFigures {
  instances: number;
  /** Files per instance. */
  files: number;
  first: DiscoveryRunFigures;
  steady: DiscoveryRunFigures;
}

/** Discovery over standalone RDS MySQL instances, whose audit plugin renames files on rotation. */
export interface RotatingDiscoveryFigures {
  engine: 'mysql';
  instances: number;
  /** SERVER_AUDIT_FILE_ROTATIONS: rotated files each instance keeps (`listed` says how many it has). */
  rotations: number;
  first: DiscoveryRunFigures;
  steady: DiscoveryRunFigures;
  /**
   * The pass after one rotation on every instance. `renamed`: rotated files (all instances) whose
   * name shifted by one with their content unchanged: none of them should cost a write.
   */
  rotated: DiscoveryRunFigures & { renamed: number };
}

/** One account and Region of the fleet discovery round. */
export interface FleetPlaceFigures {
  account: string;
  region: string;
  instances: number;
  /** RDS requests the place's simulated account received (throttled ones included). */
  rdsRequests: number;
  /** Of those, refused with `Throttling` by the account's budget. */
  throttled: number;
  /** `max(0, served - burst) / rate`: the least time the budget allows for the served requests. */
  budgetBoundSeconds: number;
}

/** One discovery round over every place of the organisation. */
export interface FleetRoundFigures {
  wallSeconds: number;
  /** The largest place's bound: places have budgets of their own and run side by side. */
  budgetBoundSeconds: number;
  /** wallSeconds / budgetBoundSeconds (goal <= 1.3); null when no place had to wait. */
  vsBound: number | null;
  rdsRequests: number;
  throttled: number;
  /** Instances of the organisation that the round did not list. */
  skippedInstances: number;
  /** Log files listed (all instances). */
  listed: number;
  /** Errors the round reported (a throttle that outlived its retries would be one). */
  surfacedErrors: number;
  firstErrors: string[];
  dynamoReads: number;
  dynamoWrites: number;
  sqsMessages: number;
  enqueued: number;
  perPlace: FleetPlaceFigures[];
}

/**
 * Discovery at fleet scale (issue 14): the first round over an organisation (every file new: its
 * figures are the top level) and the steady round after it (what every 5-minute schedule does).
 */
export interface FleetDiscoveryFigures extends FleetRoundFigures {
  accounts: number;
  regions: string[];
  places: number;
  instances: number;
  /** Audit files per instance. */
  files: number;
  /** The budget the bound is computed from: the archiver's share per place (ARCHIVER_RDS_API_RATE, _BURST). */
  budget: { burst: number; perSecond: number };
  /** The budget of each simulated account and Region (AWS's default), which throttles what is over it. */
  accountBudget: { burst: number; perSecond: number };
  steady: FleetRoundFigures;
}

/** The discovery benchmark at fleet scale (`bench --accounts N`), in place of the one-account passes. */
export interface FleetDiscoveryResult {
  instances: number;
  files: number;
  fleet: FleetDiscoveryFigures;
}

export interface BenchResult {
  machine: MachineInfo;
  startedAt: string;
  transfer: TransferFigures[];
  discovery: DiscoveryFigures | FleetDiscoveryResult | null;
  /** The discovery benchmark over an RDS MySQL fleet (renaming rotation), beside the Aurora one. */
  discoveryMysql: RotatingDiscoveryFigures | null;
  notes: string[];
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function rate(run: RunInput): number {
  return run.bytes / MiB / Math.max(run.seconds, 1e-9);
}

/** Turns the three runs of one size into the reported figures and ratios. */
export function transferFigures(input: {
  log: string;
  sizeMB: number;
  gzip: RunInput;
  ours: RunInput;
  baseline?: RunInput;
}): TransferFigures {
  const { gzip, ours, baseline } = input;
  return {
    log: input.log,
    sizeMB: input.sizeMB,
    oursMBps: round(rate(ours)),
    gzipMBps: round(rate(gzip)),
    baselineMBps: baseline ? round(rate(baseline)) : null,
    oursPeakRssMB: round(ours.peakRssBytes / MiB, 0),
    baselinePeakRssMB: baseline ? round(baseline.peakRssBytes / MiB, 0) : null,
    oursPeakBuffersMB:
      ours.peakArrayBuffersBytes === undefined ? null : round(ours.peakArrayBuffersBytes / MiB, 0),
    ratio: round(ours.bytes / Math.max(ours.gzipBytes ?? ours.bytes, 1), 2),
    oursCpuSeconds: round(ours.cpuSeconds, 2),
    gzipCpuSeconds: round(gzip.cpuSeconds, 2),
    baselineCpuSeconds: baseline ? round(baseline.cpuSeconds, 2) : null,
    oursServerCpuSeconds: round(ours.parentCpuSeconds, 2),
    oursVsGzip: round(rate(ours) / rate(gzip), 2),
    oursVsBaseline: baseline ? round(rate(ours) / rate(baseline), 2) : null,
    baselineVsOursRss: baseline ? round(baseline.peakRssBytes / Math.max(ours.peakRssBytes, 1), 2) : null,
  };
}
