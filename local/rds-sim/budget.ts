import { RdsSimError } from './errors.js';
import type { SimClock } from './types.js';

/**
 * The RDS API request budget, as AWS documents it ([RDS-THROTTLING]: "Request throttling for the
 * Amazon RDS API", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html):
 * "Amazon RDS throttles API requests for each AWS account in each AWS Region", "Amazon RDS uses a
 * token bucket", "By default, you can make up to 300 requests in a burst and a sustained 12
 * requests per second". The limits "apply to API requests from any source" (SDK, CLI, console,
 * third-party tools), so an archiver shares them with everything else in the account.
 *
 * What is over the limit gets `Throttling` / "Rate exceeded" with HTTP 400 on the Query API, as
 * real clients report it (aws/aws-cli#8604 for DescribeDBInstances, aws/aws-cli#8251 and
 * fpietka/rds-pgbadger#94 for DownloadDBLogFilePortion); the page itself quotes
 * `ThrottlingException`, and an RDS engineer notes both codes occur
 * (aws-cloudformation/aws-cloudformation-resource-providers-rds#205). Both are in the SDK's
 * THROTTLING_ERROR_CODES (@smithy/core retry/service-error-classification), so its retry
 * strategy treats either as throttling.
 */

/** AWS's default budget per account and Region ([RDS-THROTTLING]). */
export const RDS_API_BUDGET = { burst: 300, perSecond: 12 } as const;

/** The shape of one token bucket. */
export interface BucketLimits {
  /** Capacity: requests allowed at once from a full bucket. */
  burst: number;
  /** Refill rate, tokens per second of the bucket's clock. */
  perSecond: number;
}

/** A bucket's state: tokens left (fractional between refills) at a time (epoch ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/** A full bucket at `now`. */
export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, at: now };
}

/**
 * Tokens at `now`: refilled at `perSecond` since the state's time, never above `burst`. Time that
 * runs backwards (a clock set back) refills nothing and does not move the state's time back.
 */
export function refill(limits: BucketLimits, state: BucketState, now: number): BucketState {
  if (now <= state.at) return state;
  const tokens = Math.min(limits.burst, state.tokens + ((now - state.at) / 1000) * limits.perSecond);
  return { tokens, at: now };
}

/**
 * Takes one token at `now` if there is a whole one. Pure: returns the next state and whether the
 * request is allowed; a refused request takes nothing. `retryAfterMs` says when a token will be
 * there (for stats and tests; RDS sends no such header).
 */
export function takeToken(
  limits: BucketLimits,
  state: BucketState,
  now: number,
): { allowed: boolean; state: BucketState; retryAfterMs: number } {
  const current = refill(limits, state, now);
  if (current.tokens >= 1)
    return { allowed: true, state: { ...current, tokens: current.tokens - 1 }, retryAfterMs: 0 };
  const missing = 1 - current.tokens;
  const retryAfterMs =
    limits.perSecond > 0 ? Math.ceil((missing / limits.perSecond) * 1000) : Number.POSITIVE_INFINITY;
  return { allowed: false, state: current, retryAfterMs };
}

/** Budget options of the simulator; `false` turns the budget off. */
export interface BudgetOptions {
  /** Requests in a burst (default 300). */
  burst?: number;
  /** Sustained requests per second (default 12). */
  perSecond?: number;
  /**
   * Whether the signed `downloadCompleteLogFile` GET takes a token from the same bucket (default
   * true). AWS does not say: the throttling page covers "any Amazon RDS API operations", while a
   * team that ships RDS logs with it found its "rate limits ... quite generous" next to
   * DownloadDBLogFilePortion's (vectordotdev/vector#16987). Counting it is the cautious default.
   */
  countDownloads?: boolean;
}

/** A budget option out of range. */
export class BudgetOptionError extends RdsSimError {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetOptionError';
  }
}

/** Budget options with defaults applied and bounds checked; undefined when the budget is off. */
export function resolveBudget(
  opts: BudgetOptions | false | undefined,
): (BucketLimits & { countDownloads: boolean }) | undefined {
  if (opts === false) return undefined;
  const burst = opts?.burst ?? RDS_API_BUDGET.burst;
  const perSecond = opts?.perSecond ?? RDS_API_BUDGET.perSecond;
  if (!Number.isInteger(burst) || burst < 1)
    throw new BudgetOptionError(`budget burst must be an integer >= 1 (got ${burst})`);
  if (!Number.isFinite(perSecond) || perSecond < 0)
    throw new BudgetOptionError(`budget perSecond must be a number >= 0 (got ${perSecond})`);
  return { burst, perSecond, countDownloads: opts?.countDownloads ?? true };
}

/** One account-Region's bucket on a clock, with what it let through and refused. */
export interface Budget {
  readonly limits: BucketLimits & { countDownloads: boolean };
  /** Takes a token now; false when the request is over the budget. */
  take(): boolean;
  /** Tokens there now (fractional). */
  tokens(): number;
  /** Fills the bucket again (tests). */
  reset(): void;
  readonly counts: { allowed: number; throttled: number };
}

/**
 * A bucket refilled on `clock`, the simulator's clock: with a manual clock it refills only when a
 * test advances the clock (so a test drains it, sees Throttling, advances one second and gets
 * `perSecond` requests back); with an accelerated clock it refills that many times faster than
 * real time, just as every other simulated rate does.
 */
export function createBudget(limits: BucketLimits & { countDownloads: boolean }, clock: SimClock): Budget {
  let state = fullBucket(limits, clock.now());
  const counts = { allowed: 0, throttled: 0 };
  return {
    limits,
    counts,
    take() {
      const next = takeToken(limits, state, clock.now());
      state = next.state;
      if (next.allowed) counts.allowed += 1;
      else counts.throttled += 1;
      return next.allowed;
    },
    tokens: () => refill(limits, state, clock.now()).tokens,
    reset() {
      state = fullBucket(limits, clock.now());
    },
  };
}
