import type { Command } from './command.js';
import { archiveCommand } from './commands/archive.js';
import { benchCommand } from './commands/bench.js';
import { completenessCommand } from './commands/completeness.js';
import { discoverCommand } from './commands/discover.js';
import { failuresCommand } from './commands/failures.js';
import { localCommand } from './commands/local.js';
import { redriveCommand } from './commands/redrive.js';
import { runCommand } from './commands/run.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';

/**
 * Every command, in the order `--help` lists them. To add one: write `cli/commands/<name>.ts`
 * exporting a `Command`, then add one line here.
 */
export const COMMANDS: readonly Command[] = [
  startCommand,
  discoverCommand,
  archiveCommand,
  runCommand,
  statusCommand,
  completenessCommand,
  failuresCommand,
  redriveCommand,
  verifyCommand,
  localCommand,
  benchCommand,
];
