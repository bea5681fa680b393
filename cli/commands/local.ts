import { commandGroup } from '../command.js';
import { localFaultCommand } from './local-fault.js';
import { localUpCommand } from './local-up.js';

/** `rds-log-archiver local ...`: the local AWS stack for development and demos. */
export const localCommand = commandGroup('local', 'run the whole stack locally (emulators + RDS simulator)', [
  localUpCommand,
  localFaultCommand,
]);
