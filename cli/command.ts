import { EXIT, type ExitMeanings, exitCodesHelp, exitStatusHelp, UsageError } from './errors.js';
import { type CliIo, println } from './io.js';

/**
 * One CLI command. Add a file `cli/commands/<name>.ts` exporting one of these and one line in
 * `cli/registry.ts`. `run` returns the exit code (see `EXIT`); throw `UsageError` for bad input.
 */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The `--help` text (usage line, description, every option); `helpText` adds the exit status. */
  usage: string;
  /** What exit codes 0 and 1 mean for this command (the help's exit status line comes from it). */
  exits: ExitMeanings;
  run(argv: string[], io: CliIo): Promise<number>;
  /** Set on a group (see `commandGroup`), which handles its own `--help`. */
  subcommands?: readonly Command[];
}

/** A command's full `--help` text: its usage and its exit status line (from `EXIT`). */
export function helpText(command: Command): string {
  return command.subcommands === undefined
    ? `${command.usage}\n\n${exitStatusHelp(command.exits)}`
    : command.usage;
}

/**
 * A command made of subcommands (`local up`, `local fault`): dispatches on the first argument
 * and lists the subcommands in its help.
 */
export function commandGroup(name: string, summary: string, subcommands: Command[]): Command {
  const width = Math.max(...subcommands.map((c) => c.name.length));
  const usage = [
    `Usage: rds-log-archiver ${name} <subcommand> [options]`,
    '',
    summary,
    '',
    'Subcommands:',
    ...subcommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run 'rds-log-archiver ${name} <subcommand> --help' for its options.`,
    exitCodesHelp(),
  ].join('\n');
  return {
    name,
    summary,
    usage,
    exits: { ok: 'the subcommand succeeded' },
    subcommands,
    run: async (argv, io) => {
      const [first, ...rest] = argv;
      if (first === undefined) {
        io.stderr.write(`${usage}\n`);
        return EXIT.usage;
      }
      if (first === '--help' || first === '-h' || first === 'help') {
        println(io, usage);
        return EXIT.ok;
      }
      const sub = subcommands.find((c) => c.name === first);
      if (sub === undefined) {
        throw new UsageError(
          `unknown subcommand '${name} ${first}' (try: ${subcommands.map((c) => c.name).join(', ')})`,
        );
      }
      if (rest.includes('--help') || rest.includes('-h')) {
        println(io, helpText(sub));
        return EXIT.ok;
      }
      return sub.run(rest, io);
    },
  };
}
