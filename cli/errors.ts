/** Base class for CLI failures; `exitCode` is what the process exits with. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number = 1;
}

/** Bad invocation: unknown command or option, missing or malformed value. Exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  override readonly exitCode = 2;
}

/** Exit codes shared by every command. */
export const EXIT = {
  /** Done, and the answer is good (e.g. nothing missing). */
  ok: 0,
  /** Ran, but the answer is bad (e.g. gaps found, verification failed) or the operation failed. */
  bad: 1,
  /** Usage error. */
  usage: 2,
} as const;
