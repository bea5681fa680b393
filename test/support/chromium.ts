/**
 * Headless Chromium for browser tests: Debian's binary, driven by playwright-core (which never
 * downloads a browser of its own). `.ci/run` installs `chromium-headless-shell` when missing.
 */

import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Overrides the lookup: the path of a Chromium (or chrome-headless-shell) binary. */
export const CHROMIUM_ENV = 'CHROMIUM_PATH';

/** Where Debian's packages put the binary, best first (the headless shell is the smaller one). */
export const KNOWN_CHROMIUM_PATHS = [
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/lib/chromium/chromium',
  '/usr/bin/google-chrome',
] as const;

const INSTALL_HINT =
  'install it with `apt-get install -y chromium-headless-shell` (.ci/run does), or set CHROMIUM_PATH to a Chromium binary';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium binary to use: `CHROMIUM_PATH` if set (it must be executable), else the first of
 * the known paths that is. Throws, saying how to install one, when there is none: a browser
 * test must fail, never skip, on a machine without a browser.
 */
export function findChromium(
  env: Record<string, string | undefined> = process.env,
  candidates: readonly string[] = KNOWN_CHROMIUM_PATHS,
  isExecutable: (path: string) => boolean = executable,
): string {
  const override = env[CHROMIUM_ENV];
  if (override !== undefined && override !== '') {
    if (isExecutable(override)) return override;
    throw new Error(`${CHROMIUM_ENV}=${override} is not an executable file: ${INSTALL_HINT}`);
  }
  const found = candidates.find(isExecutable);
  if (found !== undefined) return found;
  throw new Error(`No headless Chromium found (looked at ${candidates.join(', ')}): ${INSTALL_HINT}`);
}

/**
 * Flags for a closed network and a root user: no sandbox (Chromium refuses to run as root with
 * one), no GPU, and none of the background traffic to Google (updates, sync, first-run pings).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Launches the found Chromium headless. */
export function launchChromium(executablePath: string = findChromium()): Promise<Browser> {
  // No launch deadline of its own (playwright's default is 30 s, which a loaded machine reaches):
  // the test's timeout is the bound.
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 0 });
}
