import {
  AUDIT_PLUGIN,
  ENGINE_SPECS,
  ENGINES,
  type Engine,
  isEngine,
  PG_LOGGING,
  type PgLogFilename,
} from './engines.js';
import { RdsSimError } from './errors.js';
import { hashString, mix } from './random.js';
import type { SimCluster, SimInstance, WorkloadOptions } from './types.js';

/** Workload options with every default applied (retention stays optional: engines have their own). */
export interface ResolvedWorkload {
  seed: number;
  engines: Engine[];
  clusters: number;
  clusterPrefix: string;
  idNamespace: string | undefined;
  instancesPerCluster: number;
  standaloneInstances: number;
  historyHours: number;
  writerBytesPerSecond: number;
  rotateBytes: number;
  /** When set, every file of every engine vanishes this long after its last write. */
  retentionHours: number | undefined;
  logKinds: Array<'audit' | 'error' | 'slowquery' | 'general'>;
  tags: Record<string, string>;
  quietPeriods: boolean;
  auditRotateBytes: number;
  auditRotations: number;
  pgLogFilename: PgLogFilename | undefined;
  pgCsvlog: boolean;
  pgRotationAgeMinutes: number;
  pgRotationSizeKb: number;
  pgRetentionMinutes: number;
}

/** A workload option out of its documented range: one line naming it and the bounds. */
export class WorkloadOptionError extends RdsSimError {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadOptionError';
  }
}

function bounded(name: string, value: number, min: number, max: number, integer = true): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new WorkloadOptionError(
      `${name} must be ${integer ? 'an integer ' : ''}between ${min} and ${max} (got ${value})`,
    );
  }
  return value;
}

/** Applies the documented defaults of {@link WorkloadOptions} and checks the bounds AWS documents. */
export function resolveWorkload(opts: WorkloadOptions = {}): ResolvedWorkload {
  const engines: Engine[] = [];
  for (const e of new Set<string>(opts.engines ?? ['aurora-mysql'])) {
    if (!isEngine(e)) throw new WorkloadOptionError(`unknown engine "${e}" (known: ${ENGINES.join(', ')})`);
    engines.push(e);
  }
  return {
    seed: opts.seed ?? 1,
    engines,
    clusters: opts.clusters ?? 2,
    clusterPrefix: opts.clusterPrefix ?? ENGINE_SPECS['aurora-mysql'].idPrefix,
    idNamespace: namespaceOf(opts.idNamespace),
    instancesPerCluster: opts.instancesPerCluster ?? 2,
    standaloneInstances: opts.standaloneInstances ?? 2,
    historyHours: opts.historyHours ?? 3,
    writerBytesPerSecond: opts.writerBytesPerSecond ?? 2048,
    rotateBytes: opts.rotateBytes ?? 100 * 1024 * 1024,
    retentionHours: opts.retentionHours,
    logKinds: opts.logKinds ?? ['audit', 'error', 'slowquery'],
    tags: opts.tags ?? { archive: 'yes' },
    quietPeriods: opts.quietPeriods ?? false,
    auditRotateBytes: bounded(
      'SERVER_AUDIT_FILE_ROTATE_SIZE (auditRotateBytes)',
      opts.auditRotateBytes ?? AUDIT_PLUGIN.rotateSizeDefault,
      AUDIT_PLUGIN.rotateSizeMin,
      AUDIT_PLUGIN.rotateSizeMax,
    ),
    auditRotations: bounded(
      'SERVER_AUDIT_FILE_ROTATIONS (auditRotations)',
      opts.auditRotations ?? AUDIT_PLUGIN.rotationsDefault,
      AUDIT_PLUGIN.rotationsMin,
      AUDIT_PLUGIN.rotationsMax,
    ),
    pgLogFilename: opts.pgLogFilename,
    pgCsvlog: opts.pgCsvlog ?? false,
    pgRotationAgeMinutes: bounded(
      'log_rotation_age (pgRotationAgeMinutes)',
      opts.pgRotationAgeMinutes ?? PG_LOGGING.rotationAgeMinutesDefault,
      PG_LOGGING.rotationAgeMinutesMin,
      PG_LOGGING.rotationAgeMinutesMax,
    ),
    pgRotationSizeKb: bounded(
      'log_rotation_size (pgRotationSizeKb)',
      opts.pgRotationSizeKb ?? PG_LOGGING.rotationSizeKbDefault,
      0,
      2_097_151,
    ),
    pgRetentionMinutes: bounded(
      'rds.log_retention_period (pgRetentionMinutes)',
      opts.pgRetentionMinutes ?? PG_LOGGING.retentionMinutesDefault,
      1,
      PG_LOGGING.retentionMinutesMax,
    ),
  };
}

/**
 * A namespace for generated ids: lower-case letters and digits in hyphen-separated words, so that
 * `<prefix>-<namespace>-<n>` stays a valid DB identifier (a letter first, no `--`, no trailing `-`:
 * RDS API Reference, CreateDBInstance DBInstanceIdentifier constraints).
 */
function namespaceOf(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(text) || text.length > 30) {
    throw new WorkloadOptionError(
      `idNamespace must be lower-case letters and digits in hyphen-separated words, at most 30 characters (got "${text}")`,
    );
  }
  return text;
}

/**
 * The MariaDB audit plugin writes the server's host name, not the instance id (`ip-172-27-1-97` in
 * real RDS MySQL audit lines): a stable private-address host name per instance.
 */
export function instanceHostName(instance: string): string {
  const h = hashString(instance);
  return `ip-10-${h & 3}-${(h >>> 2) & 255}-${1 + ((h >>> 10) % 254)}`;
}

function withNamespace(prefix: string, w: ResolvedWorkload): string {
  return w.idNamespace === undefined ? prefix : `${prefix}-${w.idNamespace}`;
}

/**
 * The generated fleet: for each clustered engine, `clusters` clusters `<prefix>-<n>` of
 * `instancesPerCluster` instances `<cluster>-instance-<i>` (the first the writer); for each
 * standalone engine, `standaloneInstances` instances `<prefix>-<n>` with no cluster. With an id
 * namespace, every prefix becomes `<prefix>-<namespace>`.
 */
export function generatedFleet(w: ResolvedWorkload): { clusters: SimCluster[]; instances: SimInstance[] } {
  const clusters: SimCluster[] = [];
  const instances: SimInstance[] = [];
  for (const engine of w.engines) {
    const spec = ENGINE_SPECS[engine];
    if (spec.clustered) {
      const prefix = withNamespace(engine === 'aurora-mysql' ? w.clusterPrefix : spec.idPrefix, w);
      for (let c = 1; c <= w.clusters; c++) {
        const id = `${prefix}-${c}`;
        const members: string[] = [];
        for (let i = 1; i <= w.instancesPerCluster; i++) {
          const instance = `${id}-instance-${i}`;
          members.push(instance);
          instances.push({ id: instance, engine, cluster: id, tags: { ...w.tags } });
        }
        clusters.push({ id, engine, instances: members, tags: { ...w.tags } });
      }
    } else {
      for (let n = 1; n <= w.standaloneInstances; n++) {
        instances.push({ id: `${withNamespace(spec.idPrefix, w)}-${n}`, engine, tags: { ...w.tags } });
      }
    }
  }
  return { clusters, instances };
}

/** Each audit writer writes at its own steady rate, 80-120% of the configured one. */
export function writerRate(w: ResolvedWorkload, instance: string, writer: number): number {
  const u = mix(hashString(`${w.seed}/${instance}`), writer) / 4294967296;
  return Math.max(1, Math.round(w.writerBytesPerSecond * (0.8 + 0.4 * u)));
}

/** A smaller log's rate: `fraction` of the writer rate, 50-150% per instance. */
export function sideRate(w: ResolvedWorkload, instance: string, fraction: number, salt: number): number {
  return Math.max(
    1,
    Math.round(w.writerBytesPerSecond * fraction * (0.5 + mix(hashString(instance), salt) / 4294967296)),
  );
}
