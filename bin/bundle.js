#!/usr/bin/env node
// `npm run bundle`: bundles the Lambda handlers into dist/lambda/<function>/index.mjs.
// tsx loads the TypeScript bundler module; esbuild does the real work.
import { register } from 'tsx/esm/api';

register();
const { bundleHandlers, DEFAULT_BUNDLE_DIR } = await import('../infra/bundle.ts');
const dirs = await bundleHandlers(process.argv[2] ?? DEFAULT_BUNDLE_DIR);
for (const [name, dir] of Object.entries(dirs)) console.log(`${name}: ${dir}`);
