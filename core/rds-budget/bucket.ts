/**
 * The arithmetic of this deployment's share of the RDS API budget: a token bucket (a burst, then
 * a sustained rate) per account and Region, leased a few tokens at a time, and the full-jitter
 * backoff a throttled call waits. Pure: time and randomness are passed in. The bucket's state
 * lives in the ledger table (store.ts); budget.ts does the I/O.
 *
 * RDS itself throttles with a token bucket per account and Region (burst 300, 12 requests/s by
 * default, shared with every other tool in the account; "Request throttling for the Amazon RDS
 * API" in the RDS user guide). This bucket is ours, set to a share of that one.
 */

/** The shape of a bucket: what this deployment may send to the RDS API of one account-Region. */
export interface BucketLimits {
  /** Capacity: requests allowed at once from a full bucket. */
  burst: number;
  /** Refill rate, tokens per second (wall clock). */
  perSecond: number;
}

/** A bucket's state: tokens left (fractional between refills) at a time (epoch ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/** A full bucket at `now`: what a bucket nobody has used yet holds. */
export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, at: now };
}

/**
 * Tokens at `now`: refilled at `perSecond` since the state's time, never above `burst`. Time that
 * runs backwards (another process's clock a little behind ours) refills nothing and does not move
 * the state's time back.
 */
export function refill(limits: BucketLimits, state: BucketState, now: number): BucketState {
  if (now <= state.at) return { tokens: Math.min(limits.burst, state.tokens), at: state.at };
  const tokens = Math.min(limits.burst, state.tokens + ((now - state.at) / 1000) * limits.perSecond);
  return { tokens, at: now };
}

/** What one lease decided: tokens granted (0 when the bucket is empty), the next state, or how long to wait. */
export interface LeaseDecision {
  /** Whole tokens taken, 0 to `want`. */
  granted: number;
  /** The bucket after the lease (unchanged but refilled when nothing was granted). */
  state: BucketState;
  /** When nothing was granted: ms until `want` whole tokens (at most the burst) are there; 0 otherwise. */
  waitMs: number;
}

/**
 * Takes up to `want` whole tokens at `now`: as many as the bucket holds, at least one or none.
 * Taking fewer than wanted rather than waiting for all keeps callers moving when others share the
 * bucket. A caller that gets none waits `waitMs`, until all it wants is there: on a bucket that
 * only refills, waiting for one token at a time would cost one write per token, while waiting for
 * `want` costs one write per `want` tokens at the same rate.
 */
export function lease(limits: BucketLimits, state: BucketState, now: number, want: number): LeaseDecision {
  const current = refill(limits, state, now);
  const granted = Math.max(0, Math.min(Math.floor(want), Math.floor(current.tokens)));
  if (granted >= 1) return { granted, state: { ...current, tokens: current.tokens - granted }, waitMs: 0 };
  const missing = Math.max(1, Math.min(Math.floor(want), limits.burst)) - current.tokens;
  const waitMs =
    limits.perSecond > 0 ? Math.ceil((missing / limits.perSecond) * 1000) : Number.POSITIVE_INFINITY;
  return { granted: 0, state: current, waitMs };
}

/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniformly random wait in [0, min(cap, base x 2^retry)). `retry` counts from 0; `random` returns
 * [0, 1). The same formula the SDK's standard retry strategy applies to a throttled API call
 * (base 1 s for throttling, cap 20 s), so downloads back off as API calls do.
 */
export function fullJitterDelay(retry: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}
