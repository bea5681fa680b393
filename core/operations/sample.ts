/** Random samples for `verify --sample`, reproducible with a seed. */

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough to pick objects, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` items picked uniformly without replacement (partial Fisher-Yates), in their original order.
 * All of them when `n` is at least their number.
 */
export function sampleOf<T>(items: readonly T[], n: number, random: () => number = Math.random): T[] {
  if (n >= items.length) return [...items];
  const index = items.map((_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (index.length - i));
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
