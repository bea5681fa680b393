/**
 * Bundles the Lambda entry points with esbuild: one self-contained ESM file per function, AWS SDK
 * included (the runtime's SDK version is not ours to choose), reproducible byte for byte so the
 * TerraformAsset hash only changes when the code does.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The project root (this file lives in `infra/`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Lambda functions and their entry points, relative to the project root. */
export const HANDLER_ENTRIES = {
  discoverer: 'handlers/discoverer.ts',
  archiver: 'handlers/archiver.ts',
  digester: 'handlers/digester.ts',
} as const;

export type FunctionName = keyof typeof HANDLER_ENTRIES;

/** File name of each bundle inside its folder; the Lambda handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

/** Default output folder (gitignored). */
export const DEFAULT_BUNDLE_DIR = join(PROJECT_ROOT, 'dist', 'lambda');

// ESM bundles have no `require`; CommonJS dependencies inside the SDK call it for Node built-ins.
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** One folder per function, each holding only `index.mjs`: what the TerraformAsset zips. */
export type BundleDirs = Record<FunctionName, string>;

/**
 * Bundles every handler into `<outDir>/<function>/index.mjs`, replacing what was there.
 * @returns the folder of each function's bundle.
 */
export async function bundleHandlers(outDir: string = DEFAULT_BUNDLE_DIR): Promise<BundleDirs> {
  const dirs = {} as BundleDirs;
  for (const [name, entry] of Object.entries(HANDLER_ENTRIES) as [FunctionName, string][]) {
    const dir = resolve(outDir, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await build({
      entryPoints: [join(PROJECT_ROOT, entry)],
      outfile: join(dir, BUNDLE_FILE),
      // Paths in the output's comments are relative to this, so the bytes do not depend on where the
      // checkout lives.
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: { js: BANNER },
      // Readable stack traces without shipping source maps whose paths depend on the output folder.
      minify: false,
      keepNames: true,
      sourcemap: false,
      legalComments: 'none',
      metafile: false,
      logLevel: 'warning',
    });
    dirs[name] = dir;
  }
  return dirs;
}
