import { PassThrough, type Writable } from 'node:stream';

/** An output stream plus what the CLI needs to know about the terminal behind it. */
export type CliOutput = Writable & { isTTY?: boolean; columns?: number };

/** Everything a command touches outside itself; tests pass their own. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * Aborted on the first SIGINT/SIGTERM. Long-running commands watch it (or pass it to SDK calls
   * as `abortSignal`) to stop cleanly; the process is force-exited if they have not returned
   * 60 s later (FORCE_EXIT_AFTER_MS in main.ts), or at once on a second signal.
   */
  signal: AbortSignal;
}

/** Writes one line to stdout. */
export function println(io: Pick<CliIo, 'stdout'>, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** An io that records output in memory, for tests: `out()` and `err()` return what was written. */
export function bufferIo(options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {}) {
  const capture = () => {
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    return { stream, text: () => text };
  };
  const out = capture();
  const err = capture();
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  };
  return { io, out: out.text, err: err.text };
}
