import type { SimClock } from './types.js';

/** A clock that moves only when `advance()` is called: tests of growth, rotation and retention. */
export function manualClock(startMs: number): SimClock {
  let now = startMs;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Wall-clock time multiplied by `speed` from `startMs` (plus any `advance()`): benchmarks and demos. */
export function acceleratedClock(startMs: number, speed: number): SimClock {
  const realStart = Date.now();
  let offset = 0;
  return {
    now: () => Math.floor(startMs + (Date.now() - realStart) * speed + offset),
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** The real wall clock (plus any `advance()`). */
export function realClock(): SimClock {
  return acceleratedClock(Date.now(), 1);
}
