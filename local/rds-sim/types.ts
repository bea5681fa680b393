/** Public types of the RDS simulator (the contract in SIM-CONTRACT.md). */

/** An access key the simulator accepts; a session token makes it a temporary credential. */
export interface SimCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The simulator's notion of "now" (epoch ms); tests drive it by hand, benchmarks speed it up. */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

/** Shape of the generated world: clusters -> instances -> log files. */
export interface WorkloadOptions {
  seed?: number;
  clusters?: number;
  clusterPrefix?: string;
  instancesPerCluster?: number;
  historyHours?: number;
  writerBytesPerSecond?: number;
  rotateBytes?: number;
  retentionHours?: number;
  logKinds?: Array<'audit' | 'error' | 'slowquery'>;
  tags?: Record<string, string>;
}

/** A log file as DescribeDBLogFiles reports it. */
export interface SimLogFile {
  instance: string;
  name: string;
  size: number;
  lastWritten: number;
}

/** A cluster of the simulated world; the first instance is the writer. */
export interface SimCluster {
  id: string;
  instances: string[];
  tags: Record<string, string>;
}

/** The simulated world: what RDS would list and serve right now. */
export interface SimWorld {
  clusters(): SimCluster[];
  listFiles(instance: string): SimLogFile[];
  read(instance: string, name: string, opts?: { start?: number; end?: number }): NodeJS.ReadableStream;
  sha256(instance: string, name: string, size?: number): Promise<string>;
  addFile(
    instance: string,
    name: string,
    opts: { size: number; lastWritten?: number; growing?: boolean },
  ): void;
  setSize(instance: string, name: string, size: number, lastWritten?: number): void;
  removeFile(instance: string, name: string): void;
  addCluster?(id: string, instances: string[], tags?: Record<string, string>): void;
}

/** What can go wrong, on demand. */
export type FaultSpec =
  | { kind: 'throttle'; target?: 'api' | 'download' }
  | { kind: 'server-error'; status?: number; target?: 'api' | 'download' }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'truncate'; afterBytes: number }
  | { kind: 'slow'; bytesPerSecond: number }
  | { kind: 'empty-listing' }
  | { kind: 'vanish' }
  | { kind: 'grow-during-download'; growBytes: number }
  | { kind: 'always-fail' }
  /** The path answers as an unknown route: `status` (default 404) with `code` (default UnknownOperationException). */
  | { kind: 'path-unavailable'; version: 'v13' | 'v19'; status?: number; code?: string };

/** A fault plus where it applies: `instance` exact, `file` substring, `times` counts down per match. */
export type Fault = FaultSpec & { instance?: string; file?: string; times?: number };

/** Faults currently armed in a simulator. */
export interface FaultController {
  add(f: Fault): string;
  remove(id: string): void;
  clear(): void;
  list(): Fault[];
}

/** Options of {@link startRdsSimulator}. */
export interface RdsSimulatorOptions {
  host?: string;
  port?: number;
  region?: string;
  credentials?: SimCredentials[];
  clock?: SimClock;
  workload?: WorkloadOptions;
  faults?: Fault[];
  maxClockSkewMs?: number;
}

/** A running simulator. */
export interface RdsSimulator {
  url: string;
  region: string;
  credentials: SimCredentials[];
  clock: SimClock;
  world: SimWorld;
  faults: FaultController;
  stats(): Record<string, number>;
  stop(): Promise<void>;
}
