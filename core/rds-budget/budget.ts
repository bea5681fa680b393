/**
 * This process's side of the shared RDS API budget. Every RDS request of the discoverer and the
 * archivers takes a token of its place's bucket first; the bucket lives in the ledger table
 * (store.ts), so all concurrent Lambdas of a deployment draw from one bucket per account-Region.
 *
 * To keep DynamoDB writes down, a process leases a few tokens per write and spends them locally:
 * as many as it has callers waiting, or more when its last lease was spent before it expired
 * (twice as many, up to `maxLease`), fewer when tokens of the last one expired unspent. A leased
 * token expires after `leaseTtlMs` unused, so a process that stops needing tokens (a Lambda frozen
 * between invocations) can never spend old tokens later as a burst the shared bucket no longer
 * accounts for: what one process holds outside the bucket is at most `maxLease` tokens for at
 * most `leaseTtlMs`.
 *
 * An empty bucket makes the caller wait until its whole lease is due (bucket.ts `lease`), plus a
 * random part of one token's interval so that processes waiting on the same bucket do not all
 * write at the same instant.
 */

import { setTimeout as delay } from 'node:timers/promises';
import type { RdsApiBudgetEvents } from '../observability.js';
import { type BucketLimits, fullBucket, lease } from './bucket.js';
import type { BudgetStore, StoredBucket } from './store.js';

/**
 * Tokens leased per DynamoDB write, at most. Measured with test/integration/rds-budget.test.ts (a
 * discoverer and archiver processes, 52 requests, the budget then at 3 requests/s and a burst of
 * 15; README "Sharing the RDS API budget"): at most 1, 113 writes (every token a race); 4, 26-29;
 * 8, 23, but twice the waits and twice the tokens one process may hold outside the bucket.
 */
export const MAX_LEASE = 4;
/** How long a leased token may wait to be spent. */
export const LEASE_TTL_MS = 1000;

/** What the budget did for one place, since the process started. */
export interface PlaceStats {
  /** Tokens taken (RDS requests sent, retries included). */
  taken: number;
  /** Times the bucket was empty and a caller waited for a token, and the ms waited in all. */
  waits: number;
  waitedMs: number;
  /** Answers that were throttling all the same (other tools in the account spend the same budget). */
  throttled: number;
  /** Writes to the store: accepted leases, and refused ones (another process leased first). */
  leases: number;
  conflicts: number;
}

/** Takes tokens of the RDS API budget, one per request, per place (place.ts). */
export interface RdsApiBudget {
  readonly limits: BucketLimits;
  /** Resolves once a token of the place's bucket is held by the caller (it is spent on return). */
  take(place: string, signal?: AbortSignal): Promise<void>;
  /** Counts a throttling answer from RDS for the place (`api`: the operation). */
  noteThrottled(place: string, api: string): void;
  /** Counters per place key. */
  stats(): Record<string, PlaceStats>;
}

export interface RdsApiBudgetOptions {
  store: BudgetStore;
  limits: BucketLimits;
  /** Wall clock (epoch ms): the bucket's time is shared by every process. Default Date.now. */
  now?: () => number;
  /** Waits `ms`; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1); default Math.random. */
  random?: () => number;
  maxLease?: number;
  leaseTtlMs?: number;
  /** Told of every wait for an empty bucket and every throttling answer (metrics). */
  events?: RdsApiBudgetEvents;
}

interface PlaceState {
  /** Leased tokens not spent yet, and until when they may be. */
  held: number;
  heldUntil: number;
  /** The bucket as this process last saw it stored (undefined: not seen yet). */
  known: StoredBucket | undefined;
  /** Tokens of the last lease, and how many the next one asks for at least (see the file's comment). */
  leased: number;
  nextWant: number;
  /** Callers inside `take` now: the demand a lease is sized by. */
  waiting: number;
  leasing: Promise<void> | undefined;
  stats: PlaceStats;
}

/** Creates the process's budget over a store. */
export function createRdsApiBudget(options: RdsApiBudgetOptions): RdsApiBudget {
  const { store, limits } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;
  const maxLease = Math.max(1, options.maxLease ?? MAX_LEASE);
  const leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
  const places = new Map<string, PlaceState>();

  const stateOf = (place: string): PlaceState => {
    let state = places.get(place);
    if (state === undefined) {
      state = {
        held: 0,
        heldUntil: 0,
        known: undefined,
        leased: 0,
        nextWant: 1,
        waiting: 0,
        leasing: undefined,
        stats: { taken: 0, waits: 0, waitedMs: 0, throttled: 0, leases: 0, conflicts: 0 },
      };
      places.set(place, state);
    }
    return state;
  };

  /** Leases tokens for the place's callers: one lease at a time per place and process. */
  async function leaseFor(place: string, state: PlaceState): Promise<void> {
    for (;;) {
      const at = now();
      const want = Math.min(maxLease, Math.max(1, state.waiting, state.nextWant));
      const decision = lease(limits, state.known ?? fullBucket(limits, at), at, want);
      if (decision.granted === 0) {
        // Decide again after the wait with what we know; a state others changed meanwhile is
        // caught by the swap's version check, which hands back the bucket as it is.
        const ms = decision.waitMs + Math.floor((random() * 1000) / Math.max(limits.perSecond, 1e-9));
        state.stats.waits += 1;
        state.stats.waitedMs += ms;
        options.events?.waited(place, ms);
        await sleep(ms);
        continue;
      }
      const result = await store.swap(place, state.known, decision.state);
      if (result.ok) {
        state.stats.leases += 1;
        state.known = result.stored;
        state.held = decision.granted;
        state.leased = decision.granted;
        state.heldUntil = now() + leaseTtlMs;
        return;
      }
      state.stats.conflicts += 1;
      state.known = result.current;
    }
  }

  return {
    limits,
    async take(place, signal) {
      const state = stateOf(place);
      state.waiting += 1;
      try {
        for (;;) {
          signal?.throwIfAborted();
          if (state.held >= 1 && now() <= state.heldUntil) {
            state.held -= 1;
            state.stats.taken += 1;
            if (state.held === 0) state.nextWant = Math.min(maxLease, state.leased * 2);
            return;
          }
          // Expired unspent: the next lease asks only for what this one's callers used.
          if (state.held >= 1) state.nextWant = Math.max(1, state.leased - state.held);
          state.held = 0;
          state.leasing ??= leaseFor(place, state).finally(() => {
            state.leasing = undefined;
          });
          await state.leasing;
        }
      } finally {
        state.waiting -= 1;
      }
    },
    noteThrottled(place, api) {
      stateOf(place).stats.throttled += 1;
      options.events?.throttled(place, api);
    },
    stats() {
      return Object.fromEntries([...places].map(([place, state]) => [place, { ...state.stats }]));
    },
  };
}
