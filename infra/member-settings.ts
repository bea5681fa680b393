/**
 * Settings of the member-account role (infra/member-role.ts), declared once like the hub's
 * (`MEMBER_SETTINGS`), read from `member.settings.json` (or the file named by
 * ARCHIVER_MEMBER_SETTINGS_FILE) and `ARCHIVER_MEMBER_*` environment variables, which win. The
 * README's member settings table is checked against the declarations.
 */

import { EXTERNAL_ID } from '../core/fleet/source-accounts.js';
import { regionProblem } from '../core/resource-names.js';
import { flag, list, optional, text } from '../core/setting-kinds.js';
import {
  type DeploySetting,
  matching,
  NAME,
  readDeclared,
  SettingsError,
  setting,
  settingsDoc,
} from './settings.js';

/** An IAM role or user ARN (the member role trusts named identities, never a whole account). */
const ROLE_OR_USER = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
/** IAM role names: up to 64 of letters, digits and `+=,.@_-`. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** Every member role setting, in README order. */
export const MEMBER_SETTINGS = {
  hubAccount: setting({
    kind: optional(text({ check: matching(/^\d{12}$/, 'a 12-digit account id') })),
    default: undefined,
    defaultDoc: '(required)',
    doc: 'The account the hub is deployed in.',
  }),
  hubName: setting({
    kind: text({ check: matching(NAME, '3-32 lower-case letters, digits or dashes') }),
    default: 'rds-log-archiver',
    doc: "The hub's `name` setting: the role trusts `<hubName>-discoverer` and `<hubName>-archiver` of `hubAccount`.",
  }),
  externalId: setting({
    kind: optional(text({ check: matching(EXTERNAL_ID, '2-1224 letters, digits or +=,.@:/-') })),
    default: undefined,
    defaultDoc: '(required)',
    doc: "The external id AssumeRole must carry: this account's `externalId` in the hub's `sourceAccounts`.",
  }),
  roleName: setting({
    kind: text({ check: matching(ROLE_NAME, 'an IAM role name (up to 64 of letters, digits, +=,.@_-)') }),
    default: 'rds-log-archiver-member',
    doc: "The role's name, and the stack's.",
  }),
  trustOperator: setting({
    kind: flag(),
    default: false,
    doc: "Trust the hub's operator role `<hubName>-operator` too, for checking this account's RDS by hand. No operator command reads RDS, so the hub gives that role no `sts:AssumeRole`: add it there to use this.",
  }),
  trustedPrincipals: setting({
    kind: list(matching(ROLE_OR_USER, 'an IAM role or user ARN')),
    default: [],
    doc: 'More roles or users that may assume the role, e.g. whoever runs `discover` or `archive` by hand for the hub.',
  }),
  region: setting({
    kind: text({ check: regionProblem }),
    default: 'us-east-1',
    doc: "The Terraform provider's region (IAM is global: the role serves every region).",
  }),
};

type Declarations = typeof MEMBER_SETTINGS;
type ValueOf<S> = S extends DeploySetting<infer T> ? T : never;

/** The member role's settings, the required ones present. */
export type MemberSettings = { -readonly [K in keyof Declarations]: ValueOf<Declarations[K]> } & {
  hubAccount: string;
  externalId: string;
};

/** `hubAccount` -> `ARCHIVER_MEMBER_HUB_ACCOUNT`. */
export function memberEnvName(key: string): string {
  return `ARCHIVER_MEMBER_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/**
 * Reads and validates the member role's settings from a parsed settings file and the environment.
 * @throws SettingsError listing every problem found.
 */
export function parseMemberSettings(
  input: unknown,
  env: Record<string, string | undefined> = {},
): MemberSettings {
  const declarations = MEMBER_SETTINGS as unknown as Record<string, DeploySetting<unknown>>;
  const { values, problems } = readDeclared(declarations, input, env, memberEnvName);
  for (const key of ['hubAccount', 'externalId'] as const) {
    if (values[key] === undefined && !problems.some((p) => p.startsWith(key)))
      problems.push(`${key} is required (or ${memberEnvName(key)})`);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return values as MemberSettings;
}

/** What the README's member settings table shows: name, default, meaning. */
export const MEMBER_SETTINGS_DOC = settingsDoc(
  Object.entries(MEMBER_SETTINGS as unknown as Record<string, DeploySetting<unknown>>),
);
