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

export interface BenchResult {
  machine: MachineInfo;
  startedAt: string;
  transfer: TransferFigures[];
  discovery: DiscoveryFigures | null;
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
