import type { Command } from './command.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { type CliIo, println } from './io.js';
import { COMMANDS } from './registry.js';
import { version } from './version.js';

const TOOL = 'rds-log-archiver';

export { version };

/** The tool's `--help` text: usage and the command list from the registry. */
export function toolUsage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${TOOL} <command> [options]`,
    '',
    'Archive Amazon Aurora / RDS log files to S3: nothing lost, nothing archived twice.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also after any command)',
    '  -v, --version  print the version',
    '',
    `Run '${TOOL} <command> --help' for a command's options.`,
    'Exit codes: 0 ok, 1 bad answer or failure, 2 usage error.',
  ].join('\n');
}

/** The known command words at the start of argv (`local up`), for the "Run ... --help" hint. */
function helpPath(argv: string[], commands: readonly Command[]): string[] {
  const command = commands.find((c) => c.name === argv[0]);
  if (command === undefined) return [];
  const sub = command.subcommands?.find((c) => c.name === argv[1]);
  return sub === undefined ? [command.name] : [command.name, sub.name];
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code. Never exits the
 * process itself, so tests call it directly with `bufferIo()`.
 */
export async function main(
  argv: string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      io.stderr.write(`${toolUsage(commands)}\n`);
      return EXIT.usage;
    }
    if (first === '--help' || first === '-h') {
      println(io, toolUsage(commands));
      return EXIT.ok;
    }
    if (first === '--version' || first === '-v') {
      println(io, version());
      return EXIT.ok;
    }
    if (first === 'help') {
      const target = commands.find((c) => c.name === rest[0]);
      println(io, target?.usage ?? toolUsage(commands));
      return rest[0] === undefined || target ? EXIT.ok : EXIT.usage;
    }
    const command = commands.find((c) => c.name === first);
    if (command === undefined) {
      throw new UsageError(
        first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`,
      );
    }
    // A group handles --help of its subcommands itself; a plain command's help is printed here.
    if (command.subcommands === undefined && (rest.includes('--help') || rest.includes('-h'))) {
      println(io, command.usage);
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `${TOOL}: ${error.message}\nRun '${[TOOL, ...helpPath(argv, commands), '--help'].join(' ')}' for usage.\n`,
      );
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${TOOL}: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`${TOOL}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.bad;
  }
}

/**
 * Entry point for bin/: real stdio and environment, SIGINT/SIGTERM wired to `io.signal`
 * (first signal asks the command to stop, a second one, or 15 s later, exits at once).
 */
export async function runFromProcess(argv: string[] = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (controller.signal.aborted) process.exit(code);
    controller.abort(new Error(`received ${signal}`));
    setTimeout(() => process.exit(code), 15_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await main(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
