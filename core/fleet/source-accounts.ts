/**
 * The source accounts a hub deployment reads besides its own (ARCHIVER_SOURCE_ACCOUNTS): each
 * with the role the hub assumes there (and its external id), the regions read, and what is
 * selected there. Pure: reading, checking, and the places (account, region) they make.
 *
 * The hub's own account in its own region (AWS_REGION) is the *home* place: selected by
 * ARCHIVER_CLUSTERS / ARCHIVER_INSTANCES / the tags, read with the deployment's own credentials,
 * and keyed in the ledger and S3 exactly as before accounts existed (a record of the home place has
 * no `account`/`region`). Every other place is named by its account and region everywhere.
 * An entry without `roleArn` is the hub's own account in other regions (no role to assume).
 */

import { clusterIdentifierProblem, instanceIdentifierProblem, regionProblem } from '../resource-names.js';
import { json, type Kind, type Read, type TagSelector, tag } from '../setting-kinds.js';

/** One source account as configured. */
export interface SourceAccount {
  /** The 12-digit account id. */
  account: string;
  /** The role to assume there; absent for the hub's own account (its own credentials). */
  roleArn?: string;
  /** The external id the role's trust policy demands (required with `roleArn`). */
  externalId?: string;
  regions: string[];
  clusters: string[];
  clusterTag?: TagSelector;
  instances: string[];
  instanceTag?: TagSelector;
}

/** Where an RDS resource lives: an account and a region. */
export interface Place {
  account: string;
  region: string;
}

/** A place to read, with how to reach it and what to select there. */
export interface SourcePlace extends Place {
  source: SourceAccount;
}

const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** AWS's ExternalId: 2-1224 characters of `[\w+=,.@:/-]`. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const FIELDS = new Set([
  'account',
  'roleArn',
  'externalId',
  'regions',
  'clusters',
  'clusterTag',
  'instances',
  'instanceTag',
]);

/** The setting's kind: a JSON array of source accounts, every problem reported at once. */
export const sourceAccountsKind: Kind<SourceAccount[]> = {
  ...json<SourceAccount[]>({ fromJson: readSourceAccounts, show: (value) => formatSourceAccounts(value) }),
  toText: (value) => formatSourceAccounts(value),
};

/** The setting's text for these accounts, as `readSourceAccounts` reads it back (tags as `key=value`). */
export function formatSourceAccounts(sources: readonly SourceAccount[]): string {
  if (sources.length === 0) return '';
  const tagText = (selector: TagSelector | undefined) =>
    selector === undefined ? undefined : `${selector.key}=${selector.value}`;
  return JSON.stringify(
    sources.map((source) => ({
      ...source,
      clusterTag: tagText(source.clusterTag),
      instanceTag: tagText(source.instanceTag),
    })),
  );
}

/** Reads and checks the setting's JSON value. */
export function readSourceAccounts(value: unknown): Read<SourceAccount[]> {
  if (!Array.isArray(value)) return { problem: 'must be a JSON array of source accounts' };
  const problems: string[] = [];
  const out: SourceAccount[] = [];
  const seen = new Set<string>();
  value.forEach((entry, index) => {
    const read = readOne(entry);
    const label = `entry ${index + 1}`;
    if ('problem' in read) {
      problems.push(`${label}: ${read.problem}`);
      return;
    }
    if (seen.has(read.value.account))
      problems.push(`${label}: account ${read.value.account} is listed twice (list its regions once)`);
    seen.add(read.value.account);
    out.push(read.value);
  });
  return problems.length > 0 ? { problem: problems.join('; ') } : { value: out };
}

function readOne(entry: unknown): Read<SourceAccount> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return { problem: 'must be an object such as {"account":"210987654321","roleArn":...}' };
  const raw = entry as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!FIELDS.has(key)) problems.push(`unknown field "${key}"`);
  const account = typeof raw.account === 'string' ? raw.account : '';
  if (!ACCOUNT.test(account)) problems.push('"account" must be a 12-digit account id (as a string)');
  const who = ACCOUNT.test(account) ? `account ${account}` : 'this account';
  const roleArn = raw.roleArn;
  const externalId = raw.externalId;
  if (roleArn !== undefined) {
    const match = typeof roleArn === 'string' ? ROLE_ARN.exec(roleArn) : null;
    if (!match)
      problems.push(`"roleArn" of ${who} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    else if (match[1] !== account)
      problems.push(
        `"roleArn" of ${who} names account ${match[1]}: the role must be in the account it reads`,
      );
    if (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId))
      problems.push(
        `"externalId" of ${who} is required with a role: 2-1224 characters of letters, digits and +=,.@:/-`,
      );
  } else if (externalId !== undefined) problems.push(`"externalId" of ${who} needs a "roleArn"`);
  const regions = strings(raw.regions, '"regions"', regionProblem, problems);
  if (regions.length === 0 && !problems.some((p) => p.startsWith('"regions"')))
    problems.push(`"regions" of ${who} must list at least one region`);
  const clusters = strings(raw.clusters, '"clusters"', clusterIdentifierProblem, problems);
  const instances = strings(raw.instances, '"instances"', instanceIdentifierProblem, problems);
  const clusterTag = tagOf(raw.clusterTag, '"clusterTag"', problems);
  const instanceTag = tagOf(raw.instanceTag, '"instanceTag"', problems);
  if (clusters.length === 0 && instances.length === 0 && !clusterTag && !instanceTag)
    problems.push(`${who} selects nothing: give "clusters", "instances", "clusterTag" or "instanceTag"`);
  if (problems.length > 0) return { problem: problems.join('; ') };
  return {
    value: {
      account,
      ...(typeof roleArn === 'string' ? { roleArn } : {}),
      ...(typeof externalId === 'string' ? { externalId } : {}),
      regions,
      clusters,
      ...(clusterTag ? { clusterTag } : {}),
      instances,
      ...(instanceTag ? { instanceTag } : {}),
    },
  };
}

function strings(
  value: unknown,
  field: string,
  check: (item: string) => string | undefined,
  problems: string[],
): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    problems.push(`${field} must be a list of strings`);
    return [];
  }
  for (const item of value) {
    const problem = check(item);
    if (problem) problems.push(`${field}: "${item}" ${problem}`);
  }
  return [...new Set(value as string[])];
}

function tagOf(value: unknown, field: string, problems: string[]): TagSelector | undefined {
  if (value === undefined) return undefined;
  const read = tag().fromJson(value);
  if ('problem' in read) {
    problems.push(`${field} ${read.problem}`);
    return undefined;
  }
  return read.value;
}

/**
 * The places to read besides home, one per account and region, in configuration order. The
 * hub's own account in the home region is home itself: an entry without a role naming it there is
 * refused by `sourceAccountsProblem`.
 */
export function sourcePlaces(sources: readonly SourceAccount[]): SourcePlace[] {
  return sources.flatMap((source) =>
    source.regions.map((region) => ({ account: source.account, region, source })),
  );
}

/** A rule that ties the sources to the home region, or undefined when they agree. */
export function sourceAccountsProblem(
  sources: readonly SourceAccount[],
  homeRegion: string,
): string | undefined {
  const home = sources.find((source) => source.roleArn === undefined && source.regions.includes(homeRegion));
  return home
    ? `lists account ${home.account} without a role in ${homeRegion}: the hub's own region is selected by ARCHIVER_CLUSTERS, ARCHIVER_INSTANCES and the tags; list only its other regions`
    : undefined;
}

/** The label of a place in messages and reports: `210987654321/us-west-2`. */
export function placeLabel(place: Place): string {
  return `${place.account}/${place.region}`;
}
