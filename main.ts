/**
 * CDKTF app: reads the deployment settings, bundles the Lambda handlers and builds the one stack.
 * Settings come from `archiver.settings.json` (or the file named by ARCHIVER_SETTINGS_FILE) and
 * `ARCHIVER_DEPLOY_*` environment variables; see README "Deploy".
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'cdktf';
import { bundleHandlers, PROJECT_ROOT } from './infra/bundle.js';
import { loadSettings } from './infra/settings.js';
import { ArchiverStack } from './infra/stack.js';

const settingsFile = resolve(PROJECT_ROOT, process.env.ARCHIVER_SETTINGS_FILE ?? 'archiver.settings.json');
const explicit = process.env.ARCHIVER_SETTINGS_FILE !== undefined;
if (explicit && !existsSync(settingsFile)) throw new Error(`settings file not found: ${settingsFile}`);
const settings = loadSettings(
  existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : undefined,
  process.env,
);

const bundles = await bundleHandlers();
const app = new App();
new ArchiverStack(app, settings.name, { settings, bundles });
app.synth();
