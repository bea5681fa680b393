/**
 * What the operator commands (status, completeness, failures, redrive, verify) share: the
 * pipeline's clients from the environment, and time and filter options. Their errors go to the
 * CLI's one error boundary (cli/errors.ts).
 */

import type { ConfigNeed } from '../../core/config.js';
import { LOG_TYPES, type LogType, readLogTypeOption } from '../../core/log-types.js';
import type { FileFilter } from '../../core/operations/filters.js';
import { parseInstant } from '../../core/time.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { type Pipeline, pipelineFromEnv } from '../pipeline-wiring.js';

/** `--cluster` / `--instance`, for parseCommandArgs. */
export const FILTER_OPTIONS = {
  cluster: { type: 'string' },
  instance: { type: 'string' },
  account: { type: 'string' },
  region: { type: 'string' },
} as const;

/** The help lines of FILTER_OPTIONS. */
export const FILTER_HELP = `  --cluster C              only this DB cluster
  --instance I             only this DB instance
  --account A              only this source account (ARCHIVER_SOURCE_ACCOUNTS), or 'home'
  --region R               only this region (home files are in AWS_REGION)`;

/** `--log-type TYPE`: one log type (core/log-types.ts). */
export const LOG_TYPE_OPTION = { 'log-type': { type: 'string' } } as const;

/** The help line of LOG_TYPE_OPTION; `fallback` says what its absence means. */
export function logTypeHelp(fallback: string): string {
  return `  --log-type TYPE          ${LOG_TYPES.join(', ')} (${fallback})`;
}

/** Reads --log-type; an unknown type is a usage error listing the valid ones. */
export function logTypeFrom(value: string | undefined): LogType | undefined {
  if (value === undefined) return undefined;
  const read = readLogTypeOption(value);
  if ('problem' in read) throw new UsageError(`--log-type: ${read.problem}`);
  return read.value;
}

/** Accepted forms of --from / --to, for help texts. */
export const TIME_HELP = `T is an ISO 8601 UTC time (2026-03-01T10:00Z, 2026-03-01), 'now', or relative to now
(-30m, -6h, -2d; write it with '=': --from=-6h).`;

/** The filter from parsed options; `env` gives the home region (AWS_REGION) for `--region`. */
export function filterFrom(
  values: { cluster?: string; instance?: string; account?: string; region?: string },
  env: Record<string, string | undefined> = {},
): FileFilter {
  const homeRegion = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  return {
    ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
    ...(values.instance !== undefined ? { instance: values.instance } : {}),
    ...(values.account !== undefined ? { account: values.account } : {}),
    ...(values.region !== undefined ? { region: values.region, ...(homeRegion ? { homeRegion } : {}) } : {}),
  };
}

/** Reads a time option; a bad value is a usage error naming the option. */
export function instantOption(value: string | undefined, name: string, now: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseInstant(value, now);
  if (ms === undefined) throw new UsageError(`--${name}: cannot read '${value}' as a time. ${TIME_HELP}`);
  return ms;
}

/**
 * Runs `work` with the pipeline's clients (configuration from `io.env`; by default need `operate`:
 * only AWS_REGION and ARCHIVER_TABLE are required), always destroying them afterwards.
 */
export async function withOperations<T>(
  io: CliIo,
  work: (pipeline: Pipeline) => Promise<T>,
  need: ConfigNeed = 'operate',
): Promise<T> {
  const pipeline = pipelineFromEnv(io, need, 'silent');
  try {
    return await work(pipeline);
  } finally {
    pipeline.clients.destroy();
  }
}
