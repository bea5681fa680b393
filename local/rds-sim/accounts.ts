import { randomBytes } from 'node:crypto';
import { RdsSimError } from './errors.js';
import type { SimCredentials } from './types.js';

/**
 * The organisation the simulator models: a hub account, whose own credentials read its own fleet
 * (what `local up` hands out today), and member accounts, each with a role that trusts the hub
 * account and demands an external id: the usual cross-account pattern ([IAM-EXTID]: IAM User Guide,
 * "Access to AWS accounts owned by third parties",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html).
 * Who may call what is decided here; the STS wire format is in sts.ts.
 */

/** The hub account: the account of every ARN the single-account simulator has always served. */
export const HUB_ACCOUNT_ID = '123456789012';

/** The name of the role each member account offers the archiver. */
export const MEMBER_ROLE_NAME = 'rds-log-archiver-member';

/** IAM's MaxSessionDuration default for a role: one hour ([STS-ASSUMEROLE] DurationSeconds). */
export const DEFAULT_MAX_SESSION_SECONDS = 3600;

/** The most accounts a simulator serves (ids stay unique and 12 digits). */
export const MAX_ACCOUNTS = 100;

/** A role in an account that other accounts may assume. */
export interface SimRole {
  arn: string;
  name: string;
  account: string;
  /** The `sts:ExternalId` the trust policy demands; undefined: none (then any is accepted). */
  externalId?: string;
  /** Accounts whose principals the trust policy names (`arn:aws:iam::<id>:root`). */
  trustedAccounts: string[];
  /** The role's MaxSessionDuration in seconds (3600-43200). */
  maxSessionSeconds: number;
}

/** An account of the simulated organisation. */
export interface SimAccount {
  id: string;
  /** True for the hub (the first account). */
  hub: boolean;
  /** The account's own long-term keys: an IAM user that reads this account's fleet only. */
  credentials: SimCredentials[];
  /** The ARN of that IAM user (the caller of STS with these keys). */
  userArn: string;
  /** The role the hub assumes into this account (members only). */
  role?: SimRole;
}

/** The id of the `index`-th account (0 is the hub): distinct, 12 digits, stable across runs. */
export function accountId(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_ACCOUNTS) {
    throw new RdsSimError(`account index must be an integer 0-${MAX_ACCOUNTS - 1} (got ${index})`);
  }
  if (index === 0) return HUB_ACCOUNT_ID;
  if (index < 10) {
    // 234567890123, 345678901234, ...: rotations of the hub's digits, easy to tell apart.
    const digits = '1234567890';
    let id = '';
    for (let i = 0; i < 12; i++) id += digits[(index + i) % 10];
    return id;
  }
  return String(900_000_000_000 + index);
}

/** The role ARN of a member account. */
export function memberRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`;
}

/** The external id a member account's trust policy demands (stable, so env files are reproducible). */
export function memberExternalId(account: string): string {
  return `rds-log-archiver-${account}`;
}

/**
 * The accounts of a simulated organisation: the hub with `hubCredentials`, then `count - 1`
 * members, each with its own keys and a role trusting the hub.
 */
export function createAccounts(count: number, hubCredentials: SimCredentials[]): SimAccount[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ACCOUNTS) {
    throw new RdsSimError(`accounts must be an integer 1-${MAX_ACCOUNTS} (got ${count})`);
  }
  const accounts: SimAccount[] = [];
  for (let i = 0; i < count; i++) {
    const id = accountId(i);
    const hub = i === 0;
    accounts.push({
      id,
      hub,
      credentials: hub
        ? hubCredentials.map((c) => ({ ...c }))
        : [{ accessKeyId: `AKIDLOCALSIM${id}`, secretAccessKey: `local-sim-secret-${id}` }],
      userArn: `arn:aws:iam::${id}:user/local-sim`,
      ...(hub
        ? {}
        : {
            role: {
              arn: memberRoleArn(id),
              name: MEMBER_ROLE_NAME,
              account: id,
              externalId: memberExternalId(id),
              trustedAccounts: [HUB_ACCOUNT_ID],
              maxSessionSeconds: DEFAULT_MAX_SESSION_SECONDS,
            },
          }),
    });
  }
  return accounts;
}

/** Who signed a request: an IAM user's long-term keys, or a role session from AssumeRole. */
export interface Principal {
  account: string;
  /** `arn:aws:iam::<acct>:user/...` or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  credentials: SimCredentials;
  /** When temporary credentials stop working, on the simulator's clock (epoch ms). */
  expiresAt?: number;
  /** The role a session was issued for. */
  roleArn?: string;
}

/** Every principal the simulator knows, by access key id. */
export interface Principals {
  resolve(accessKeyId: string): Principal | undefined;
  /** Issues temporary credentials of `role` until `expiresAt` (simulator clock). */
  issue(role: SimRole, sessionName: string, expiresAt: number): Principal;
  /**
   * Sessions issued so far. They are never forgotten: AWS answers ExpiredToken for an expired
   * session token however old, never "unknown key".
   */
  sessions(): Principal[];
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKey(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += KEY_ALPHABET[(bytes[i] as number) % KEY_ALPHABET.length];
  return out;
}

/** The principals of some accounts: their users' keys, plus the sessions STS issues later. */
export function createPrincipals(accounts: SimAccount[]): Principals {
  const byKey = new Map<string, Principal>();
  for (const account of accounts) {
    for (const credentials of account.credentials) {
      byKey.set(credentials.accessKeyId, { account: account.id, arn: account.userArn, credentials });
    }
  }
  const sessions = new Map<string, Principal>();
  return {
    resolve: (accessKeyId) => byKey.get(accessKeyId) ?? sessions.get(accessKeyId),
    issue(role, sessionName, expiresAt) {
      // Temporary keys start with ASIA, long-term ones with AKIA (IAM User Guide, "IAM identifiers").
      const credentials: SimCredentials = {
        accessKeyId: randomKey('ASIA', 16),
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(96).toString('base64'),
      };
      const principal: Principal = {
        account: role.account,
        arn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
        credentials,
        expiresAt,
        roleArn: role.arn,
      };
      sessions.set(credentials.accessKeyId, principal);
      return principal;
    },
    sessions: () => [...sessions.values()],
  };
}
