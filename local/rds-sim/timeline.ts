import { mix } from './random.js';

/**
 * When a writer writes. A writer writes at a steady rate while active; with quiet periods it also
 * stops now and then, deterministically: time is cut into {@link QUIET_CYCLE_MS} cycles (aligned to
 * the epoch) and in about one cycle out of three the writer is silent for the last 6 to 14 minutes
 * of it. That is longer than the archiver's default settle period (300 s), so a live file does go
 * quiet long enough to be archived, on a manual clock as on an accelerated one.
 */
export interface Writer {
  /** Bytes per second while active. */
  bytesPerSecond: number;
  /** Salt of the quiet-period schedule; undefined: never quiet. */
  quietSalt?: number;
}

export const QUIET_CYCLE_MS = 20 * 60_000;
const MINUTE = 60_000;

/** Silent ms at the end of cycle `k` for this salt (0 in about two cycles out of three). */
export function quietMsOfCycle(salt: number, k: number): number {
  const h = mix(salt, k);
  if (h % 3 !== 0) return 0;
  return (6 + ((h >>> 8) % 9)) * MINUTE;
}

/** The half-open quiet interval of cycle `k`, or undefined when the writer is active all along. */
export function quietInterval(salt: number, k: number): [number, number] | undefined {
  const q = quietMsOfCycle(salt, k);
  if (q === 0) return undefined;
  const end = (k + 1) * QUIET_CYCLE_MS;
  return [end - q, end];
}

/** Milliseconds the writer is active in [from, to). */
export function activeMs(w: Writer, from: number, to: number): number {
  if (to <= from) return 0;
  if (w.quietSalt === undefined) return to - from;
  let total = 0;
  for (let k = Math.floor(from / QUIET_CYCLE_MS); k * QUIET_CYCLE_MS < to; k++) {
    const cycleStart = k * QUIET_CYCLE_MS;
    const activeEnd = cycleStart + QUIET_CYCLE_MS - quietMsOfCycle(w.quietSalt, k);
    const a = Math.max(from, cycleStart);
    const b = Math.min(to, activeEnd);
    if (b > a) total += b - a;
  }
  return total;
}

/** The earliest time t >= from with activeMs(from, t) = ms (t = from + ms without quiet periods). */
export function timeAfterActive(w: Writer, from: number, ms: number): number {
  if (ms <= 0) return from;
  if (w.quietSalt === undefined) return from + ms;
  let left = ms;
  for (let k = Math.floor(from / QUIET_CYCLE_MS); ; k++) {
    const cycleStart = k * QUIET_CYCLE_MS;
    const activeEnd = cycleStart + QUIET_CYCLE_MS - quietMsOfCycle(w.quietSalt, k);
    const a = Math.max(from, cycleStart);
    const span = activeEnd - a;
    if (span > 0) {
      if (left <= span) return a + left;
      left -= span;
    }
  }
}

/** Bytes the writer has produced between `from` and `to` (not yet cut to whole entries). */
export function bytesWritten(w: Writer, from: number, to: number): number {
  return Math.floor((w.bytesPerSecond * activeMs(w, from, to)) / 1000);
}

/** When the writer's byte count since `from` reached `bytes`. */
export function timeOfByte(w: Writer, from: number, bytes: number): number {
  return timeAfterActive(w, from, (bytes * 1000) / w.bytesPerSecond);
}

/** True when the writer is in a quiet period at `t`. */
export function isQuiet(w: Writer, t: number): boolean {
  if (w.quietSalt === undefined) return false;
  const k = Math.floor(t / QUIET_CYCLE_MS);
  const q = quietInterval(w.quietSalt, k);
  return q !== undefined && t >= q[0];
}
