/**
 * Credentials of a source account: STS AssumeRole with the account's external id, cached per
 * account until shortly before they expire (`credentialsDecision`, pure), assumed again on
 * demand when a service answers ExpiredToken before that (a clock that runs ahead of ours, a
 * session revoked early). One provider per account serves every region's clients of it.
 */

import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { serviceErrorCode } from '../aws-errors.js';
import { DownloadError } from '../rds/download-errors.js';

/** Assume again this long before the credentials expire: a download in flight must not outlive them. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Session length asked of STS: AWS's default maximum for a role (the role may allow up to 12 h). */
export const SESSION_SECONDS = 3600;

/** What to do with the cached credentials now. */
export type CredentialsDecision = 'reuse' | 'assume';

/**
 * Whether the cached credentials serve this request or the role must be assumed again: again when
 * there are none, when they were marked stale (a service answered ExpiredToken), or when they
 * expire within `marginMs`.
 */
export function credentialsDecision(
  cached: { expiration: number; stale?: boolean } | undefined,
  now: number,
  marginMs: number = REFRESH_MARGIN_MS,
): CredentialsDecision {
  if (!cached || cached.stale) return 'assume';
  return cached.expiration - now > marginMs ? 'reuse' : 'assume';
}

/** The role of a source account could not be assumed: names the account and what to check. */
export class SourceAccountError extends Error {
  override name = 'SourceAccountError';
  constructor(
    readonly account: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A credentials provider the SDK uses as is (it does not wrap it), with a way to drop its cache. */
export interface AssumedRoleProvider extends AwsCredentialIdentityProvider {
  /**
   * Marks the cached credentials stale, so the next request assumes the role again, unless they
   * were assumed after `generation` (read before the refused request was sent): requests that
   * were in flight with the old session must not throw away the new one.
   */
  invalidate(generation: number): void;
  /** Counts the sessions assumed so far; read it before a request, for `invalidate`. */
  readonly generation: number;
  /** Tells the SDK this provider caches itself (see `createAssumedRoleProvider`). */
  memoized: true;
}

export interface AssumedRoleOptions {
  sts: STSClient;
  account: string;
  roleArn: string;
  externalId: string;
  /** Names the session in the member account's CloudTrail. */
  sessionName?: string;
  now?: () => number;
  marginMs?: number;
}

/**
 * A provider for one account's assumed-role credentials. It is marked `memoized` so the SDK calls
 * it on every request instead of keeping the first answer until its own idea of expiry: the cache
 * here is the only one, so `invalidate` (after an ExpiredToken) takes effect on the next request.
 * Concurrent requests share one AssumeRole call.
 * @throws SourceAccountError naming the account when STS refuses
 */
export function createAssumedRoleProvider(options: AssumedRoleOptions): AssumedRoleProvider {
  const now = options.now ?? Date.now;
  let cached: { identity: AwsCredentialIdentity; expiration: number; stale?: boolean } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let generation = 0;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    try {
      const out = await options.sts.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          ExternalId: options.externalId,
          RoleSessionName: options.sessionName ?? 'rds-log-archiver',
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
        throw new Error('STS answered AssumeRole without credentials');
      const identity: AwsCredentialIdentity = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      cached = { identity, expiration: c.Expiration.getTime() };
      generation += 1;
      return identity;
    } catch (error) {
      const code = serviceErrorCode(error);
      const why = error instanceof Error ? error.message : String(error);
      throw new SourceAccountError(
        options.account,
        `account ${options.account}: cannot assume ${options.roleArn} (${code ? `${code}: ` : ''}${why}); check that the role exists, trusts this deployment's roles and demands external id "${options.externalId}" (the member role module, see README "Several accounts")`,
        { cause: error },
      );
    }
  };
  const provider = (async () => {
    if (cached && credentialsDecision(cached, now(), options.marginMs) === 'reuse') return cached.identity;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    return await pending;
  }) as AssumedRoleProvider;
  provider.invalidate = (seen) => {
    if (cached && seen === generation) cached.stale = true;
  };
  Object.defineProperty(provider, 'generation', { get: () => generation });
  provider.memoized = true;
  return provider;
}

/** Whether an error is a service saying the session token expired (assume the role again). */
export function isExpiredTokenError(error: unknown): boolean {
  const code = error instanceof DownloadError ? error.code : serviceErrorCode(error);
  return code === 'ExpiredToken' || code === 'ExpiredTokenException' || code === 'RequestExpired';
}
