import type { Command } from './command.js';
import { archiveCommand } from './commands/archive.js';
import { discoverCommand } from './commands/discover.js';
import { localCommand } from './commands/local.js';
import { runCommand } from './commands/run.js';
import { startCommand } from './commands/start.js';

/**
 * Every command, in the order `--help` lists them. To add one: write `cli/commands/<name>.ts`
 * exporting a `Command`, then add one line here.
 */
export const COMMANDS: readonly Command[] = [
  startCommand,
  discoverCommand,
  archiveCommand,
  runCommand,
  localCommand,
];
