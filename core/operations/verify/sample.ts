/** Random samples for `verify --sample`, reproducible with a seed. */

export { seededRandom } from '../../random.js';

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
