#!/usr/bin/env node
// The rds-log-archiver command. The CLI is TypeScript run through tsx (no build step).
import { register } from 'tsx/esm/api';

// The SDK warns once per process that releases after January 2027 will need Node 22. The tool
// supports Node 20 (and Lambda runs it on 22): keep that warning out of operators' output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { runFromProcess } = await import('../cli/main.ts');
process.exitCode = await runFromProcess();
