/**
 * CDKTF app for a member account (`npm run synth:member`): the role the hub assumes there (infra/member-role.ts). Settings
 * come from `member.settings.json` (or the file named by ARCHIVER_MEMBER_SETTINGS_FILE) and
 * `ARCHIVER_MEMBER_*` environment variables; see README "A hub and its member accounts". Beside
 * the stack it writes the same role as a CloudFormation template (`member-role.template.json` in the
 * output folder), for an organisation-wide rollout with StackSets.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { PROJECT_ROOT } from './bundle.js';
import { MemberRoleStack, memberRoleTemplate } from './member-role.js';
import { parseMemberSettings } from './member-settings.js';
import { SettingsError } from './settings.js';

const file = resolve(PROJECT_ROOT, process.env.ARCHIVER_MEMBER_SETTINGS_FILE ?? 'member.settings.json');
if (process.env.ARCHIVER_MEMBER_SETTINGS_FILE !== undefined && !existsSync(file))
  throw new Error(`settings file not found: ${file}`);
let input: unknown = {};
if (existsSync(file)) {
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new SettingsError([`${file} is not valid JSON`], { cause });
  }
}
const settings = parseMemberSettings(input, process.env);

const app = new App();
new MemberRoleStack(app, settings.roleName, { settings });
app.synth();
mkdirSync(app.outdir, { recursive: true });
writeFileSync(
  join(app.outdir, 'member-role.template.json'),
  `${JSON.stringify(memberRoleTemplate(settings), null, 2)}\n`,
);
