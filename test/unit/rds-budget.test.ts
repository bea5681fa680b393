/**
 * The RDS API budget's arithmetic (core/rds-budget/bucket.ts) and one process's leasing over the
 * in-memory store (core/rds-budget/budget.ts), on a clock the test moves: the sleeps the budget
 * asks for move it, so nothing here waits on real time.
 */

import { describe, expect, it } from 'vitest';
import { HOME_PLACE } from '../../core/fleet/places.js';
import { seededRandom } from '../../core/random.js';
import { fullBucket, fullJitterDelay, lease, refill } from '../../core/rds-budget/bucket.js';
import { createRdsApiBudget, type RdsApiBudget } from '../../core/rds-budget/budget.js';
import { homePlaceKey, placeKey, placeOf } from '../../core/rds-budget/place.js';
import { budgetKey } from '../../core/rds-budget/store.js';
import { MemoryBudgetStore } from '../support/memory-budget-store.js';

const T0 = Date.UTC(2026, 2, 1);
const LIMITS = { burst: 10, perSecond: 2 };
const PLACE = homePlaceKey('us-east-1');

describe('the bucket', () => {
  it('refills at the rate, never above the burst, and not when time runs backwards', () => {
    const empty = { tokens: 0, at: T0 };
    expect(refill(LIMITS, empty, T0 + 1500)).toEqual({ tokens: 3, at: T0 + 1500 });
    expect(refill(LIMITS, empty, T0 + 60_000)).toEqual({ tokens: 10, at: T0 + 60_000 });
    expect(refill(LIMITS, { tokens: 4, at: T0 }, T0 - 5000)).toEqual({ tokens: 4, at: T0 });
  });

  it('leases as many whole tokens as it holds, up to what is wanted', () => {
    expect(lease(LIMITS, fullBucket(LIMITS, T0), T0, 4)).toEqual({
      granted: 4,
      state: { tokens: 6, at: T0 },
      waitMs: 0,
    });
    // 2.5 tokens: 2 granted of the 4 wanted, half a token stays.
    expect(lease(LIMITS, { tokens: 0.5, at: T0 }, T0 + 1000, 4)).toEqual({
      granted: 2,
      state: { tokens: 0.5, at: T0 + 1000 },
      waitMs: 0,
    });
  });

  it('grants nothing from less than one token and says when all that is wanted is due', () => {
    const decision = lease(LIMITS, { tokens: 0.25, at: T0 }, T0, 3);
    // 2.75 tokens missing at 2 per second.
    expect(decision).toEqual({ granted: 0, state: { tokens: 0.25, at: T0 }, waitMs: 1375 });
    expect(lease(LIMITS, { tokens: 0.25, at: T0 }, T0, 1).waitMs).toBe(375);
    // Never more than the burst: a bucket of 10 is never waited on for 12.
    expect(lease(LIMITS, { tokens: 0, at: T0 }, T0, 12).waitMs).toBe(5000);
    expect(lease({ burst: 1, perSecond: 0 }, { tokens: 0, at: T0 }, T0, 1).waitMs).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('backs off with full jitter: uniform below min(cap, base x 2^retry)', () => {
    expect(fullJitterDelay(0, 1000, 20_000, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, 1000, 20_000, () => 0.5)).toBe(4000);
    expect(fullJitterDelay(10, 1000, 20_000, () => 0.5)).toBe(10_000);
    expect(fullJitterDelay(2, 1000, 20_000, () => 0)).toBe(0);
  });
});

describe('place keys', () => {
  it('are account#region and read back, account ids and "home" alike', () => {
    expect(placeKey({ account: '123456789012', region: 'eu-west-1' })).toBe('123456789012#eu-west-1');
    expect(placeOf('123456789012#eu-west-1')).toEqual({ account: '123456789012', region: 'eu-west-1' });
    expect(placeOf(PLACE)).toEqual({ account: 'home', region: 'us-east-1' });
  });

  it("keep the stored key of the home place, home#<region>, derived from the fleet's home place", () => {
    expect(homePlaceKey('us-east-1')).toBe('home#us-east-1');
    expect(homePlaceKey('us-east-1')).toBe(`${HOME_PLACE}#us-east-1`);
    expect(budgetKey(homePlaceKey('us-east-1'))).toEqual({ pk: 'RDSBUDGET#home#us-east-1', sk: '#BUCKET' });
  });
});

/**
 * Virtual time: a sleep is a timer, and the clock moves to the earliest timer only once nothing
 * else can run (every promise settled that can be), as time passes for real processes that wait.
 * Every take is recorded with the time it was granted.
 */
function world(store = new MemoryBudgetStore()) {
  const clock = { now: T0 };
  const timers: Array<{ at: number; wake: () => void }> = [];
  const granted: number[] = [];
  const idle = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Runs `work`, firing timers in time order whenever it is idle, until it settles. */
  async function run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => {
      settled = true;
    });
    while (!settled) {
      await idle();
      if (settled) break;
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (next === undefined) continue;
      clock.now = Math.max(clock.now, next.at);
      next.wake();
    }
    return done;
  }
  const budget = (seed: number): RdsApiBudget => {
    const inner = createRdsApiBudget({
      store,
      limits: LIMITS,
      now: () => clock.now,
      sleep: (ms) => new Promise<void>((wake) => timers.push({ at: clock.now + ms, wake })),
      random: seededRandom(seed),
    });
    return {
      ...inner,
      take: async (place, signal) => {
        await inner.take(place, signal);
        granted.push(clock.now);
      },
    };
  };
  return { clock, store, granted, budget, run };
}

/** The most requests any interval [t, t + span] of the record holds. */
function busiest(times: number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! > spanMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('a process taking from the shared bucket', () => {
  it('never lets processes together exceed the burst, then the rate', async () => {
    const w = world();
    const processes = [w.budget(1), w.budget(2), w.budget(3)];
    // Each process runs 4 callers at once, 10 requests each: 120 requests against 10 + 2/s.
    await w.run(
      Promise.all(
        processes.flatMap((p) =>
          Array.from({ length: 4 }, async () => {
            for (let i = 0; i < 10; i++) await p.take(PLACE);
          }),
        ),
      ),
    );
    expect(w.granted).toHaveLength(120);
    const elapsed = Math.max(...w.granted) - T0;
    // Tokens the bucket gave: the burst plus the refill; none twice.
    expect(120).toBeLessThanOrEqual(LIMITS.burst + (elapsed / 1000) * LIMITS.perSecond);
    // After the burst, no 5-second window carries more than its refill plus the burst.
    expect(busiest(w.granted, 5000)).toBeLessThanOrEqual(LIMITS.burst + 5 * LIMITS.perSecond);
    const stats = processes.map((p) => p.stats()[PLACE]!);
    expect(stats.reduce((sum, s) => sum + s.taken, 0)).toBe(120);
    expect(stats.reduce((sum, s) => sum + s.waits, 0)).toBeGreaterThan(0);
    // Every accepted lease is one store write; refused ones are the conflicts.
    expect(stats.reduce((sum, s) => sum + s.leases, 0)).toBe(w.store.writes.accepted);
    expect(stats.reduce((sum, s) => sum + s.conflicts, 0)).toBe(w.store.writes.refused);
  });

  it('leases more per write while its tokens are spent in time, up to 4, fewer after they expire', async () => {
    const w = world();
    const p = w.budget(1);
    for (let i = 0; i < 5; i++) await w.run(p.take(PLACE));
    // Leases of 1, 2, then 4 tokens: five requests in three writes, two tokens still held.
    expect(w.store.writes.accepted).toBe(3);
    expect((await w.store.read(PLACE))?.tokens).toBe(LIMITS.burst - 7);
    // Those two were not spent within a second: they never are.
    w.clock.now += 60_000;
    await w.run(p.take(PLACE));
    expect(p.stats()[PLACE]).toMatchObject({ taken: 6, leases: 4 });
    // The bucket refilled to the burst; the new lease asked for 2 (what the last one's callers used).
    expect((await w.store.read(PLACE))?.tokens).toBe(LIMITS.burst - 2);
  });

  it('keeps one bucket per place', async () => {
    const w = world();
    const p = w.budget(1);
    const other = placeKey({ account: '123456789012', region: 'eu-west-1' });
    for (let i = 0; i < LIMITS.burst; i++) await w.run(p.take(PLACE));
    const before = w.clock.now;
    await w.run(p.take(other));
    // The other place's bucket is full: no wait.
    expect(w.clock.now).toBe(before);
    expect(Object.keys(p.stats()).sort()).toEqual([other, PLACE].sort());
  });

  it('stops waiting when the caller aborts', async () => {
    const w = world();
    const p = w.budget(1);
    const controller = new AbortController();
    controller.abort(new Error('the Lambda is about to time out'));
    await expect(p.take(PLACE, controller.signal)).rejects.toThrow(/time out/);
  });
});
