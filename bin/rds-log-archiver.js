#!/usr/bin/env node
// The rds-log-archiver command. The CLI is TypeScript run through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { runFromProcess } = await import('../cli/main.ts');
process.exitCode = await runFromProcess();
