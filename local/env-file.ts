import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FleetSettings } from './env.js';

/** What `local up` writes to `DIR/endpoints.json`. */
export interface StackStateFile {
  /** pid of the `local up` process. */
  pid: number;
  /** pid of DynamoDB Local's Java process. */
  dynamodbPid: number;
  startedAt: string;
  region: string;
  endpoints: { rds: string; dynamodb: string; sqs: string; s3: string };
  names: { table: string; queueUrl: string; dlqUrl: string; bucket: string };
  clusters: string[];
  /** Every simulated DB instance with its engine (and cluster, when it has one). */
  instances?: Array<{ id: string; engine: string; cluster?: string }>;
  /**
   * With several accounts or Regions: each account's id, role ARN and external id, its Regions and
   * clusters, and the STS endpoint. (`clusters` and `instances` above are the hub's first Region.)
   */
  fleet?: FleetSettings;
  env: Record<string, string>;
}

export const ENV_FILE = 'env';
export const STATE_FILE = 'endpoints.json';

/** Single-quotes a value for POSIX shells (`it's` -> `'it'\''s'`). */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export KEY='value'` lines, sourceable by sh/bash/zsh. */
export function renderEnvFile(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
  return `# written by rds-log-archiver local up; source it: . ${ENV_FILE}\n${lines.join('\n')}\n`;
}

/**
 * Reads what `renderEnvFile` wrote (and plain `KEY=value` lines) back into variables. Handles the
 * single-quote form it writes and double quotes without escapes; comments and blanks are skipped.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.startsWith("'")) {
      value = value.slice(1, -1).replaceAll(`'\\''`, "'");
    } else if (value.startsWith('"')) {
      value = value.slice(1, -1);
    }
    env[key] = value;
  }
  return env;
}

/** Writes `DIR/env` and `DIR/endpoints.json` (creating DIR). The env file is written last. */
export async function writeStateFiles(dir: string, state: StackStateFile): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  // Readers wait for `env`: write it last, so once it exists the state file is complete.
  await writeAtomically(join(dir, ENV_FILE), renderEnvFile(state.env));
}

/**
 * Write-then-rename, so a reader never sees half a file. Readable by the owner only (0600): both
 * files hold credentials (the simulator's, but an operator may reuse the pattern for real ones).
 */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
}

/** Reads `DIR/endpoints.json`, or undefined when no stack wrote one. */
export async function readStateFile(dir: string): Promise<StackStateFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as StackStateFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes both state files (a stopped stack leaves none). */
export async function removeStateFiles(dir: string): Promise<void> {
  await Promise.all([rm(join(dir, ENV_FILE), { force: true }), rm(join(dir, STATE_FILE), { force: true })]);
}
