/**
 * Waiting in tests: on the state a test needs, never on the time it usually takes. A loaded
 * machine makes everything slower, so "sleep 4 s, then it will have happened" and "give up after
 * 20 s" both fail there while the code is right. `waitUntil` polls until the condition holds; its
 * ceiling is far above any honest wait and only turns a hang into an error that names what never
 * happened (before the test's own timeout says only "timed out").
 */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Longer than any condition takes on a busy machine; reached only when something hangs. Measured:
 * `start` took over 180 s to archive its first files on this 2-core machine at a load of 25.
 */
export const HANG_CEILING_MS = 600_000;

export interface WaitOptions {
  /** Default {@link HANG_CEILING_MS}. */
  ceilingMs?: number;
  /** Pause between probes; default 100 ms. */
  pollMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined`, `null` or `false`, and returns
 * that value. `what` names the condition in the error thrown if the ceiling is reached.
 *
 * ```ts
 * await waitUntil('the claim', async () => (await ledgerFile(i, f))?.state === 'archiving');
 * const line = await waitUntil('the first stdout line', () => out.split('\n')[1] !== undefined && out);
 * ```
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const ceilingMs = options.ceilingMs ?? HANG_CEILING_MS;
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) {
      return value as Exclude<T, undefined | null | false>;
    }
    if (Date.now() - started > ceilingMs) {
      throw new Error(`still waiting for ${what} after ${Math.round(ceilingMs / 1000)} s: is it hung?`);
    }
    await sleep(options.pollMs ?? 100);
  }
}
