import { describe, expect, it } from 'vitest';
import {
  BudgetOptionError,
  createBudget,
  fullBucket,
  RDS_API_BUDGET,
  refill,
  resolveBudget,
  takeToken,
} from '../../local/rds-sim/budget.js';
import { manualClock } from '../../local/rds-sim/index.js';

const T0 = Date.UTC(2026, 2, 1);
const LIMITS = { burst: 300, perSecond: 12 };

/** Takes `n` tokens at one instant; how many were allowed. */
function drain(state: ReturnType<typeof fullBucket>, n: number, now: number) {
  let allowed = 0;
  let s = state;
  for (let i = 0; i < n; i++) {
    const r = takeToken(LIMITS, s, now);
    s = r.state;
    if (r.allowed) allowed += 1;
  }
  return { allowed, state: s };
}

describe('the RDS API token bucket', () => {
  it("defaults to AWS's budget: a burst of 300, 12 per second sustained", () => {
    expect(RDS_API_BUDGET).toEqual({ burst: 300, perSecond: 12 });
    expect(resolveBudget(undefined)).toEqual({ burst: 300, perSecond: 12, countDownloads: true });
    expect(resolveBudget(false)).toBeUndefined();
    expect(resolveBudget({ burst: 5, perSecond: 0.5, countDownloads: false })).toEqual({
      burst: 5,
      perSecond: 0.5,
      countDownloads: false,
    });
    expect(() => resolveBudget({ burst: 0 })).toThrow(BudgetOptionError);
    expect(() => resolveBudget({ perSecond: -1 })).toThrow(/perSecond/);
  });

  it('lets a full burst through at once, then refuses without taking anything', () => {
    const { allowed, state } = drain(fullBucket(LIMITS, T0), 301, T0);
    expect(allowed).toBe(300);
    expect(state.tokens).toBe(0);
    const refused = takeToken(LIMITS, state, T0);
    expect(refused.allowed).toBe(false);
    expect(refused.state.tokens).toBe(0);
    // A token is back after 1/12 s.
    expect(refused.retryAfterMs).toBe(84);
  });

  it('refills at the sustained rate, in fractions, never above the burst', () => {
    const empty = drain(fullBucket(LIMITS, T0), 300, T0).state;
    expect(refill(LIMITS, empty, T0 + 1000).tokens).toBeCloseTo(12);
    expect(refill(LIMITS, empty, T0 + 250).tokens).toBeCloseTo(3);
    expect(refill(LIMITS, empty, T0 + 60_000).tokens).toBe(300);
    // One second: exactly 12 more requests.
    expect(drain(empty, 20, T0 + 1000).allowed).toBe(12);
    // A clock set back refills nothing and keeps the later time.
    const later = refill(LIMITS, empty, T0 + 500);
    expect(refill(LIMITS, later, T0)).toBe(later);
  });

  it('follows the clock it is given: a manual clock refills only when advanced', () => {
    const clock = manualClock(T0);
    const budget = createBudget({ burst: 3, perSecond: 1, countDownloads: true }, clock);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    expect(budget.take()).toBe(false);
    clock.advance(999);
    expect(budget.take()).toBe(false);
    clock.advance(1);
    expect(budget.take()).toBe(true);
    expect(budget.counts).toEqual({ allowed: 4, throttled: 3 });
    clock.advance(10_000);
    expect(budget.tokens()).toBe(3);
    budget.take();
    budget.reset();
    expect(budget.tokens()).toBe(3);
  });
});
