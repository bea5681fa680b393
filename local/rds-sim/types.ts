/** Public types of the RDS simulator. */

import type { BudgetOptions } from './budget.js';
import type { Engine, PgLogFilename } from './engines.js';
import type { SimFleet } from './fleet.js';
import type { SimSts, StsOptions } from './sts.js';

export type { Engine, PgLogFilename } from './engines.js';

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

/** Shape of the generated world: engines -> clusters / standalone instances -> log files. */
export interface WorkloadOptions {
  seed?: number;
  /** Engines of the fleet (default `['aurora-mysql']`); several make a mixed fleet. */
  engines?: Engine[];
  /** Clusters per clustered engine (Aurora); default 2. */
  clusters?: number;
  /** Prefix of the Aurora MySQL cluster ids (default `aurora-audit`). */
  clusterPrefix?: string;
  /**
   * Inserted after every generated id prefix (`aurora-audit-<ns>-1`, `mysql-<ns>-1`): how the
   * worlds of several accounts and Regions get ids of their own. Default none.
   */
  idNamespace?: string;
  instancesPerCluster?: number;
  /** Instances per standalone engine (RDS MySQL, MariaDB, PostgreSQL); default 2. */
  standaloneInstances?: number;
  /** Hours of log files that already exist when the world starts (default 3; may be fractional). */
  historyHours?: number;
  /** Audit writer rate in bytes/s (each writer 80-120% of it); other logs are fractions of it. */
  writerBytesPerSecond?: number;
  /** Aurora MySQL audit rotation size (default 100 MiB). */
  rotateBytes?: number;
  /** Overrides every engine's documented retention: files vanish this long after their last write. */
  retentionHours?: number;
  logKinds?: Array<'audit' | 'error' | 'slowquery' | 'general'>;
  tags?: Record<string, string>;
  /** Writers fall silent now and then (deterministically), so live files go quiet. Default false. */
  quietPeriods?: boolean;
  /** MariaDB audit plugin SERVER_AUDIT_FILE_ROTATE_SIZE (1-1000000000, default 1000000). */
  auditRotateBytes?: number;
  /** MariaDB audit plugin SERVER_AUDIT_FILE_ROTATIONS (0-100, default 9). */
  auditRotations?: number;
  /** PostgreSQL log_filename: `hour` (RDS default), `day`, `minute` (Aurora default). */
  pgLogFilename?: PgLogFilename;
  /** log_destination includes csvlog: a `.csv` file beside each log file. */
  pgCsvlog?: boolean;
  /** log_rotation_age in minutes (1-1440, default 60). */
  pgRotationAgeMinutes?: number;
  /** log_rotation_size in kB (default 100000; 0 disables size rotation). */
  pgRotationSizeKb?: number;
  /** rds.log_retention_period in minutes (default 4320, max 10080). */
  pgRetentionMinutes?: number;
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
  /** Engine of the cluster and its instances (default aurora-mysql). */
  engine?: Engine;
  instances: string[];
  tags: Record<string, string>;
}

/** A DB instance of the simulated world: a cluster member, or standalone (no `cluster`). */
export interface SimInstance {
  id: string;
  engine: Engine;
  cluster?: string;
  tags: Record<string, string>;
}

/**
 * The simulated world of one account and Region: what RDS would list and serve right now.
 * (Several accounts or Regions are several worlds behind one endpoint: see fleet.ts.)
 */
export interface SimWorld {
  clusters(): SimCluster[];
  /** Every DB instance, cluster members and standalone ones. */
  instances(): SimInstance[];
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
  addCluster?(id: string, instances: string[], tags?: Record<string, string>, engine?: Engine): void;
  /** Adds a standalone instance (no cluster) of an engine with its engine's log streams. */
  addInstance?(id: string, engine: Engine, tags?: Record<string, string>): void;
  /**
   * Rotates now, as the engine would: every rotating log of the instance, or those whose current
   * file name contains `file`. Returns the names of the files that were live before the rotation.
   */
  rotate(instance: string, file?: string): string[];
  /**
   * Gives a name other content from now on (a name that comes back with different bytes, as the
   * hourly MySQL logs and the renamed audit files do): size `size` (default: the current size).
   */
  replaceContent(instance: string, name: string, opts?: { size?: number; growing?: boolean }): void;
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
  /** The Region of a one-Region simulator (default us-east-1); ignored when `regions` is given. */
  region?: string;
  /** Regions every account has a fleet in; the first is `region` of the running simulator. */
  regions?: string[];
  /** Accounts of the organisation (default 1): the hub, then members reached by AssumeRole. */
  accounts?: number;
  /** Long-term keys of the hub account (default `DEFAULT_SIM_CREDENTIALS`). */
  credentials?: SimCredentials[];
  /** The RDS API budget per account and Region (default AWS's: burst 300, 12/s); false: none. */
  budget?: BudgetOptions | false;
  sts?: StsOptions;
  clock?: SimClock;
  workload?: WorkloadOptions;
  faults?: Fault[];
  maxClockSkewMs?: number;
}

/** A running simulator. */
export interface RdsSimulator {
  /** The endpoint of RDS and of STS (`AWS_ENDPOINT_URL_RDS`, `AWS_ENDPOINT_URL_STS`). */
  url: string;
  /** The first Region. */
  region: string;
  /** The hub account's long-term keys. */
  credentials: SimCredentials[];
  clock: SimClock;
  /** The hub account's world in the first Region (the whole world of a one-account simulator). */
  world: SimWorld;
  /** Every account and Region, with its world, events and budget. */
  fleet: SimFleet;
  /** The roles and sessions of the simulated STS. */
  sts: SimSts;
  faults: FaultController;
  /**
   * Request counts by action (`DescribeDBLogFiles`, `download.v19`, `sts.AssumeRole`...), refusals
   * (`AuthFailure`, `Throttling`), and per account and Region `requests.<account>.<region>` and
   * `throttled.<account>.<region>` (the RDS budget's view).
   */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}
