/**
 * The engines the simulator models, and every documented fact about their log files in one place:
 * names, rotation and retention. Everything else (the fleet, the streams, the Query API) derives
 * from this table.
 *
 * Sources (checked with the project's document search; quoted where a fact rests on them):
 * - [AMS-LOGS] Aurora User Guide, "Overview of Aurora MySQL database logs"
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_LogAccess.MySQL.LogFileSize.html
 *   and its older copy in github.com/awsdocs/amazon-aurora-user-guide
 *   (doc_source/USER_LogAccess.Concepts.MySQL.md): error log hourly, "files generated during the
 *   last 30 days are retained"; slow/general logs (log_output=FILE) rotated hourly.
 * - [AMS-UPGRADE] Aurora User Guide, Aurora MySQL version 3 upgrade (describe-db-log-files listing):
 *   `error/mysql-error-running.log`, `error/mysql-error-running.log.2021-12-03.20`,
 *   `error/mysql-error.log`: the live running log has no date, rotated hours carry `.YYYY-MM-DD.HH`.
 * - [RDS-MYSQL-LOGS] RDS User Guide, "Overview of RDS for MySQL database logs"
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.MySQL.LogFileSize.html:
 *   "RDS for MySQL writes mysql-error.log to disk every 5 minutes. It appends the contents of the log
 *   to mysql-error-running.log", "rotates the mysql-error-running.log file every hour. It retains
 *   the logs generated during the past two weeks"; slow/general logs rotated hourly, 24 h, 2 % cap.
 * - [RDS-DDLF-EXAMPLE] the DescribeDBLogFiles example of the AWS CLI / @aws-sdk/client-rds
 *   (node_modules/@aws-sdk/client-rds/dist-types/commands/DescribeDBLogFilesCommand.d.ts):
 *   `error/mysql-error-running.log` (live), `.0`, `.18`, `.23`; `.18` last written 17:15 UTC and
 *   `.0` at 23:45 UTC: a rotated hour is suffixed with the UTC hour of its rotation, unpadded.
 * - [MARIADB-LOGS] RDS User Guide, "Log rotation and retention for MariaDB": slow, error and general
 *   logs rotated hourly, files older than 24 hours deleted, 2 % storage cap.
 * - [AUDIT-PLUGIN] RDS User Guide, "MariaDB Audit Plugin support for MySQL" / "Options for MariaDB":
 *   SERVER_AUDIT_FILE_ROTATE_SIZE 1-1000000000, default 1000000; SERVER_AUDIT_FILE_ROTATIONS 0-100,
 *   default 9, "If set to 0, then the log file never rotates"; path /rdsdbdata/log/audit/.
 * - [FILE-LOGGER] MariaDB plugin/server_audit file_logger.c (logger_write, do_rotate, n_dig):
 *   rotation happens before a write once the file size is >= the limit (so a rotated file ends on a
 *   whole record, slightly above the limit: real listings show 1000159, 1000011 bytes), every
 *   `.i` is renamed `.i+1` from the top down, the oldest is overwritten, the live file becomes `.1`;
 *   the suffix has n_dig(rotations) digits: 1 below 10, 2 below 100, 3 from 100.
 * - [PG-LOGS] RDS User Guide, "PostgreSQL database log files" (awsdocs/amazon-rds-user-guide,
 *   doc_source/USER_LogAccess.Concepts.PostgreSQL.md) and AWS-FACTS.md: `rds.log_retention_period`
 *   in minutes, default 4320, max 10080; log_line_prefix `%t:%r:%u@%d:[%p]:`; `csvlog` makes both
 *   files; log_filename `postgresql.log.%Y-%m-%d-%H` (also `%Y-%m-%d`, `%Y-%m-%d-%H%M`);
 *   log_rotation_age 60 min. Aurora PostgreSQL names `...%Y-%m-%d-%H%M`, log_rotation_size in kB.
 */

/** An engine of the simulated fleet, as DescribeDBInstances spells it. */
export type Engine = 'aurora-mysql' | 'mysql' | 'mariadb' | 'postgres' | 'aurora-postgresql';

/** Every engine, in the order `local up --help` lists them. */
export const ENGINES: readonly Engine[] = [
  'aurora-mysql',
  'mysql',
  'mariadb',
  'postgres',
  'aurora-postgresql',
];

/** True for a string that names an engine the simulator models. */
export function isEngine(text: string): text is Engine {
  return (ENGINES as readonly string[]).includes(text);
}

/** What RDS calls a log family; DescribeDBLogFiles names start with it (`audit/`, `error/`...). */
export type LogKind = 'audit' | 'error' | 'slowquery' | 'general';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The static description of an engine: how its instances look and how long its logs live. */
export interface EngineSpec {
  engine: Engine;
  /** Aurora engines have DB clusters; RDS MySQL, MariaDB and PostgreSQL are standalone instances here. */
  clustered: boolean;
  engineVersion: string;
  port: number;
  /** Default id prefix of generated clusters (Aurora) or instances (standalone). */
  idPrefix: string;
  /** Documented retention per log kind, in ms, when the workload does not override it. */
  retentionMs: Record<LogKind, number>;
}

/** One home for the engines' facts (see the sources at the top of this file). */
export const ENGINE_SPECS: Record<Engine, EngineSpec> = {
  'aurora-mysql': {
    engine: 'aurora-mysql',
    clustered: true,
    engineVersion: '8.0.mysql_aurora.3.08.2',
    port: 3306,
    idPrefix: 'aurora-audit',
    // AWS-FACTS: audit ~24 h; [AMS-LOGS]: error 30 days; slow/general 24 h.
    retentionMs: { audit: DAY, error: 30 * DAY, slowquery: DAY, general: DAY },
  },
  mysql: {
    engine: 'mysql',
    clustered: false,
    engineVersion: '8.0.40',
    port: 3306,
    idPrefix: 'mysql',
    // [RDS-MYSQL-LOGS]: error two weeks, slow/general 24 h. The audit plugin's own rotation count
    // bounds the audit files; no time-based deletion is documented for them (assumption: 2 weeks).
    retentionMs: { audit: 14 * DAY, error: 14 * DAY, slowquery: DAY, general: DAY },
  },
  mariadb: {
    engine: 'mariadb',
    clustered: false,
    engineVersion: '10.11.10',
    port: 3306,
    idPrefix: 'mariadb',
    // [MARIADB-LOGS]: error/slow/general 24 h; audit as for MySQL (assumption).
    retentionMs: { audit: 14 * DAY, error: DAY, slowquery: DAY, general: DAY },
  },
  postgres: {
    engine: 'postgres',
    clustered: false,
    engineVersion: '16.6',
    port: 5432,
    idPrefix: 'postgres',
    // [PG-LOGS]: rds.log_retention_period default 4320 min; PostgreSQL has only `error/` files.
    retentionMs: { audit: 3 * DAY, error: 3 * DAY, slowquery: 3 * DAY, general: 3 * DAY },
  },
  'aurora-postgresql': {
    engine: 'aurora-postgresql',
    clustered: true,
    engineVersion: '16.6',
    port: 5432,
    idPrefix: 'aurora-pg',
    retentionMs: { audit: 3 * DAY, error: 3 * DAY, slowquery: 3 * DAY, general: 3 * DAY },
  },
};

/** MariaDB Audit Plugin defaults on RDS ([AUDIT-PLUGIN]). */
export const AUDIT_PLUGIN = {
  rotateSizeDefault: 1_000_000,
  rotateSizeMin: 1,
  rotateSizeMax: 1_000_000_000,
  rotationsDefault: 9,
  rotationsMin: 0,
  rotationsMax: 100,
} as const;

/**
 * The suffix the audit plugin gives rotated file `n` when it keeps `rotations` files: `.%0*u` with
 * n_dig(rotations) digits ([FILE-LOGGER]): `.1` with 9 rotations, `.01` with 10 to 99, `.001` from 100.
 */
export function auditRotationSuffix(n: number, rotations: number): string {
  const digits = rotations < 10 ? 1 : rotations < 100 ? 2 : 3;
  return `.${String(n).padStart(digits, '0')}`;
}

/** PostgreSQL `log_filename` patterns RDS allows ([PG-LOGS]). */
export type PgLogFilename = 'day' | 'hour' | 'minute';

/** RDS PostgreSQL log settings with their documented defaults and bounds. */
export const PG_LOGGING = {
  /** `rds.log_retention_period`, minutes. */
  retentionMinutesDefault: 4320,
  retentionMinutesMax: 10_080,
  /** `log_rotation_age`, minutes (1-1440). */
  rotationAgeMinutesDefault: 60,
  rotationAgeMinutesMin: 1,
  rotationAgeMinutesMax: 1440,
  /**
   * `log_rotation_size`, kB. Aurora PostgreSQL documents 50,000-1,000,000 kB (AWS-FACTS); the RDS
   * default is taken as 100,000 kB for both (assumption: AWS does not state it on the pages read).
   */
  rotationSizeKbDefault: 100_000,
} as const;
