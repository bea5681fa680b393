/**
 * `rds-log-archiver local up` as a user runs it: a child process, waited on until it has written
 * DIR/env (state, not time), plus `local fault` against the same state dir. Shared by the CLI tests
 * of `local up`, so each says only which options it starts the stack with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvFile, type StackStateFile } from '../../local/env-file.js';
import { alive } from './processes.js';
import { waitUntil } from './wait.js';

export const BIN = join(process.cwd(), 'bin', 'rds-log-archiver.js');

export interface LocalUp {
  dir: string;
  child: ChildProcess;
  env: Record<string, string>;
  state: StackStateFile;
  /** What `local up` wrote to stderr so far. */
  stderr(): string;
  /** Runs `local fault ARGS --state-dir DIR` to its end. */
  fault(...args: string[]): Promise<{ code: number; out: string }>;
  /** Kills the stack (and its Java, should the CLI be gone first) and removes DIR. */
  stop(): Promise<void>;
}

/** Starts `local up --state-dir <fresh dir> ...args` and resolves once DIR/env is written. */
export async function startLocalUp(dirPrefix: string, args: readonly string[]): Promise<LocalUp> {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const child = spawn(process.execPath, [BIN, 'local', 'up', '--state-dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const envFile = join(dir, 'env');
  await waitUntil('DIR/env', () => existsSync(envFile) || child.exitCode !== null);
  if (child.exitCode !== null) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`local up exited ${child.exitCode} before writing DIR/env:\n${stderr}`);
  }
  const env = parseEnvFile(await readFile(envFile, 'utf8'));
  const state = JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')) as StackStateFile;
  return {
    dir,
    child,
    env,
    state,
    stderr: () => stderr,
    async fault(...faultArgs) {
      const p = spawn(process.execPath, [BIN, 'local', 'fault', ...faultArgs, '--state-dir', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      p.stderr?.resume();
      const [code] = (await once(p, 'exit')) as [number];
      return { code, out };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      if (alive(state.dynamodbPid)) process.kill(state.dynamodbPid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
