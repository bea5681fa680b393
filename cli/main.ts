import { type Command, helpText } from './command.js';
import { debugText, describeError, EXIT, exitCodesHelp, UsageError } from './errors.js';
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
    '  --debug        on an error, print its stack trace too (or set DEBUG=1)',
    '',
    `Run '${TOOL} <command> --help' for a command's options.`,
    exitCodesHelp(),
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
  argvWithFlags: string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const { argv, debug } = debugFlag(argvWithFlags, io.env);
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
      println(io, target ? helpText(target) : toolUsage(commands));
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
      println(io, helpText(command));
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (error) {
    // The one error boundary: every command's errors end here (see ERROR_RULES in errors.ts).
    const report = describeError(error, { env: io.env });
    const [first = '', ...more] = report.lines;
    const out = [`${TOOL}: ${first}`, ...more];
    if (report.usageHint)
      out.push(`Run '${[TOOL, ...helpPath(argv, commands), '--help'].join(' ')}' for usage.`);
    if (debug) out.push('', debugText(error).trimEnd());
    else if (!report.known) out.push(`(run with --debug or DEBUG=1 for the stack trace)`);
    io.stderr.write(`${out.join('\n')}\n`);
    return report.exitCode;
  }
}

/** `--debug` anywhere before `--`, or DEBUG=1 / DEBUG=true: show stack traces of errors. */
function debugFlag(argv: string[], env: CliIo['env']): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const tail = end === -1 ? [] : argv.slice(end);
  const debug = head.includes('--debug') || env.DEBUG === '1' || env.DEBUG === 'true';
  return { argv: [...head.filter((arg) => arg !== '--debug'), ...tail], debug };
}

/**
 * How long a command has to stop cleanly after the first SIGINT/SIGTERM before the process exits
 * anyway: only a net for a command that does not stop (a second signal exits at once). A clean
 * stop of `start` (in-flight records abort and give their claims back, the local stack stops) took
 * over 15 s on a 2-core machine at a load of 25, so a shorter net cut good stops short.
 */
const FORCE_EXIT_AFTER_MS = 60_000;

/**
 * Entry point for bin/: real stdio and environment, SIGINT/SIGTERM wired to `io.signal`
 * (first signal asks the command to stop, a second one, or {@link FORCE_EXIT_AFTER_MS} later,
 * exits at once).
 */
export async function runFromProcess(argv: string[] = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (controller.signal.aborted) process.exit(code);
    controller.abort(new Error(`received ${signal}`));
    setTimeout(() => process.exit(code), FORCE_EXIT_AFTER_MS).unref();
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
