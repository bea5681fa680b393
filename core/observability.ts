/**
 * What the use cases need from logging and metrics, as small interfaces: the Lambda handlers back
 * them with Powertools (JSON logs, CloudWatch embedded metric format), the CLI with its own
 * progress display. Core never decides where logs go.
 */

/** The service name on every log line and metric, and the metrics namespace (alarms use both). */
export const SERVICE_NAME = 'rds-log-archiver';
export const METRICS_NAMESPACE = 'RdsLogArchiver';

export type LogAttributes = Record<string, unknown>;

export interface Log {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
  /** A logger that adds these attributes to every line (cluster, instance, file, generation...). */
  child(attributes: LogAttributes): Log;
}

/** Events the pipeline reports; each implementation turns them into metrics or progress. */
export interface PipelineMetrics {
  fileArchived(event: { bytes: number; gzipBytes: number; lagMs: number }): void;
  fileFailed(event: { final: boolean }): void;
  fileLost(): void;
  discovered(event: { instances: number; listed: number; enqueued: number; writes: number }): void;
}

/**
 * What the RDS API budget (core/rds-budget/budget.ts) tells as it happens, per place
 * (`<account>#<region>`): a wait for an empty bucket, and a throttling answer all the same.
 */
export interface RdsApiBudgetEvents {
  waited(place: string, ms: number): void;
  throttled(place: string, api: string): void;
}

export const noMetrics: PipelineMetrics = {
  fileArchived() {},
  fileFailed() {},
  fileLost() {},
  discovered() {},
};

/** A JSON-lines logger on a stream (CLI and tests); `level` filters. */
export function jsonLog(
  write: (line: string) => void,
  level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info',
  base: LogAttributes = {},
): Log {
  const order = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
  const emit = (lvl: keyof typeof order, message: string, attributes?: LogAttributes) => {
    if (order[lvl] < order[level]) return;
    write(
      `${JSON.stringify({ level: lvl.toUpperCase(), timestamp: new Date().toISOString(), message, ...base, ...redact(attributes) })}\n`,
    );
  };
  return {
    debug: (m, a) => emit('debug', m, a),
    info: (m, a) => emit('info', m, a),
    warn: (m, a) => emit('warn', m, a),
    error: (m, a) => emit('error', m, a),
    child: (attributes) => jsonLog(write, level, { ...base, ...attributes }),
  };
}

const SECRET_KEY = /secret|signature|authorization|token|password|credential/i;

/** Drops values whose attribute names look like secrets, and turns errors into plain objects. */
export function redact(attributes: LogAttributes | undefined): LogAttributes {
  if (!attributes) return {};
  const out: LogAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
    else out[key] = value;
  }
  return out;
}
