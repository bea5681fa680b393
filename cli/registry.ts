import type { Command } from './command.js';
import { localCommand } from './commands/local.js';

/**
 * Every command, in the order `--help` lists them. To add one: write `cli/commands/<name>.ts`
 * exporting a `Command`, then add one line here.
 */
export const COMMANDS: readonly Command[] = [localCommand];
