import { createHash } from 'node:crypto';
import type { Principal, Principals, SimAccount, SimRole } from './accounts.js';
import { AwsErrorAnswer } from './errors.js';
import type { SimClock } from './types.js';
import { el, queryResponse, STS_XMLNS, wrap } from './xml.js';

/**
 * AWS STS over the Query protocol, as far as a cross-account archiver needs it: `AssumeRole` and
 * `GetCallerIdentity`, served to the real `@aws-sdk/client-sts`.
 *
 * Sources:
 * - [STS-ASSUMEROLE] STS API Reference, AssumeRole (and its model in @aws-sdk/client-sts
 *   dist-types/models/models_0.d.ts): RoleSessionName 2-64 characters of `[\w+=,.@-]`;
 *   DurationSeconds "from 900 seconds (15 minutes) up to the maximum session duration set for the
 *   role", a MaxSessionDuration of 1 to 12 hours, default 3600; role chaining is limited to one
 *   hour; the response's AssumedRoleUser (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`,
 *   `AROA...:<session>`) and Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration).
 * - [STS-DENY] what a refused AssumeRole answers: 403, `AccessDenied`, "User: <caller ARN> is not
 *   authorized to perform: sts:AssumeRole on resource: <role ARN>", the same for a wrong external
 *   id (aws/aws-msk-iam-auth#108, phillbaker/terraform-provider-elasticsearch#346) and for a role
 *   that does not exist (uswitch/kiam#33: STS does not say which).
 * - [STS-EXTID-ANY] a role whose trust policy has no external id condition accepts a request with
 *   any ExternalId (aws/aws-sdk-js#3869).
 * - [STS-DURATION] over the role's limit: 400 `ValidationError`, "The requested DurationSeconds
 *   exceeds the MaxSessionDuration set for this role." (kreuzwerker/awsu#27,
 *   prowler-cloud/prowler#923); under 900: "1 validation error detected: Value '600' at
 *   'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal
 *   to 900" (goldstack/goldstack#425, from GetSessionToken; the same model validation). The
 *   role-chaining wording is not checked here (the one-hour limit itself is [STS-ASSUMEROLE]'s).
 */

/** The STS API version the SDK sends. */
export const STS_API_VERSION = '2011-06-15';

/** DurationSeconds bounds of AssumeRole ([STS-ASSUMEROLE]). */
export const ASSUME_ROLE_DURATION = { min: 900, max: 43_200, dflt: 3600, chainedMax: 3600 } as const;

/** Test knobs of the simulated STS. */
export interface StsOptions {
  /**
   * Caps the lifetime of every credential AssumeRole issues (ms of the simulator's clock), below
   * AWS's 900 s minimum if asked, so a real-clock test can see credentials expire. The answer's
   * `Expiration` tells the truth about the cap. Default: no cap (AWS's behaviour).
   */
  maxCredentialLifetimeMs?: number;
}

/** The simulated STS: roles (which tests can take away) and the sessions it issued. */
export interface SimSts {
  roles(): SimRole[];
  /** Deletes a role (AssumeRole then answers AccessDenied); returns false when there was none. */
  removeRole(arn: string): boolean;
  /** Puts a removed role back. */
  restoreRole(arn: string): boolean;
  setMaxCredentialLifetimeMs(ms: number | undefined): void;
  /** Answers one STS Query request from `caller`; throws {@link AwsErrorAnswer} as STS would. */
  handle(params: URLSearchParams, caller: Principal, requestId: string): string;
}

const denied = (caller: Principal, roleArn: string) =>
  new AwsErrorAnswer(
    403,
    'AccessDenied',
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );

const invalid = (value: string, member: string, constraint: string) =>
  new AwsErrorAnswer(
    400,
    'ValidationError',
    `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${constraint}`,
  );

/** A role's unique id, `AROA` and 17 characters, stable for its ARN (IAM User Guide, "IAM identifiers"). */
function roleId(role: SimRole): string {
  return `AROA${createHash('sha256').update(role.arn).digest('hex').toUpperCase().slice(0, 17)}`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Creates the STS of an organisation whose roles are those of `accounts`. */
export function createSts(
  accounts: SimAccount[],
  principals: Principals,
  clock: SimClock,
  opts: StsOptions = {},
): SimSts {
  const roles = new Map<string, SimRole>();
  for (const a of accounts) if (a.role) roles.set(a.role.arn, a.role);
  const removed = new Map<string, SimRole>();
  let lifetimeCap = opts.maxCredentialLifetimeMs;

  const assumeRole = (params: URLSearchParams, caller: Principal, requestId: string): string => {
    // Parameters are validated before anything is authorised, as AWS's request validation does.
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (roleArn === null) throw invalid('null', 'roleArn', 'Member must not be null');
    if (sessionName === null) throw invalid('null', 'roleSessionName', 'Member must not be null');
    if (roleArn.length < 20 || roleArn.length > 2048) {
      throw invalid(`'${roleArn}'`, 'roleArn', 'Member must have length between 20 and 2048');
    }
    if (sessionName.length < 2 || sessionName.length > 64) {
      throw invalid(
        `'${sessionName}'`,
        'roleSessionName',
        'Member must have length less than or equal to 64 and greater than or equal to 2',
      );
    }
    if (!/^[\w+=,.@-]*$/.test(sessionName)) {
      throw invalid(
        `'${sessionName}'`,
        'roleSessionName',
        'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    const durationText = params.get('DurationSeconds');
    const duration =
      durationText === null || durationText === '' ? ASSUME_ROLE_DURATION.dflt : Number(durationText);
    if (!Number.isInteger(duration)) {
      throw invalid(`'${durationText}'`, 'durationSeconds', 'Member must be an integer');
    }
    if (duration < ASSUME_ROLE_DURATION.min) {
      throw invalid(
        `'${duration}'`,
        'durationSeconds',
        `Member must have value greater than or equal to ${ASSUME_ROLE_DURATION.min}`,
      );
    }
    if (duration > ASSUME_ROLE_DURATION.max) {
      throw invalid(
        `'${duration}'`,
        'durationSeconds',
        `Member must have value less than or equal to ${ASSUME_ROLE_DURATION.max}`,
      );
    }
    const externalId = params.get('ExternalId');
    if (externalId !== null && (externalId.length < 2 || externalId.length > 1224)) {
      throw invalid(
        `'${externalId}'`,
        'externalId',
        'Member must have length less than or equal to 1224 and greater than or equal to 2',
      );
    }

    // Authorisation: the role exists, trusts the caller's account, and its condition holds.
    const role = roles.get(roleArn);
    if (!role) throw denied(caller, roleArn);
    if (!role.trustedAccounts.includes(caller.account)) throw denied(caller, roleArn);
    if (role.externalId !== undefined && externalId !== role.externalId) throw denied(caller, roleArn);

    if (duration > role.maxSessionSeconds) {
      throw new AwsErrorAnswer(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    if (caller.roleArn !== undefined && duration > ASSUME_ROLE_DURATION.chainedMax) {
      throw new AwsErrorAnswer(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }

    const now = clock.now();
    const lifetime = lifetimeCap === undefined ? duration * 1000 : Math.min(duration * 1000, lifetimeCap);
    const session = principals.issue(role, sessionName, now + lifetime);
    const c = session.credentials;
    return queryResponse(
      'AssumeRole',
      wrap(
        'Credentials',
        el('AccessKeyId', c.accessKeyId) +
          el('SecretAccessKey', c.secretAccessKey) +
          el('SessionToken', c.sessionToken) +
          el('Expiration', isoSeconds(now + lifetime)),
      ) +
        wrap(
          'AssumedRoleUser',
          el('AssumedRoleId', `${roleId(role)}:${sessionName}`) + el('Arn', session.arn),
        ) +
        el('PackedPolicySize', 0),
      requestId,
      STS_XMLNS,
    );
  };

  const getCallerIdentity = (caller: Principal, requestId: string): string =>
    queryResponse(
      'GetCallerIdentity',
      el('Arn', caller.arn) + el('UserId', caller.credentials.accessKeyId) + el('Account', caller.account),
      requestId,
      STS_XMLNS,
    );

  return {
    roles: () => [...roles.values()].map((r) => ({ ...r, trustedAccounts: [...r.trustedAccounts] })),
    removeRole(arn) {
      const role = roles.get(arn);
      if (!role) return false;
      roles.delete(arn);
      removed.set(arn, role);
      return true;
    },
    restoreRole(arn) {
      const role = removed.get(arn);
      if (!role) return false;
      removed.delete(arn);
      roles.set(arn, role);
      return true;
    },
    setMaxCredentialLifetimeMs(ms) {
      lifetimeCap = ms;
    },
    handle(params, caller, requestId) {
      const action = params.get('Action');
      const version = params.get('Version');
      if (version === STS_API_VERSION && action === 'AssumeRole')
        return assumeRole(params, caller, requestId);
      if (version === STS_API_VERSION && action === 'GetCallerIdentity')
        return getCallerIdentity(caller, requestId);
      throw new AwsErrorAnswer(
        400,
        'InvalidAction',
        `Could not find operation ${action ?? ''} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
      );
    },
  };
}
