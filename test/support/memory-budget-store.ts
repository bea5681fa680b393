/**
 * The RDS API budget's buckets in memory, for fast tests of the budget: the same compare-and-swap
 * on the version as the DynamoDB store, the same answers (a refusal carries the bucket as it is).
 * The contract test (test/integration/rds-budget-store-contract.test.ts) runs the same cases
 * against both. It lives with the tests: nothing deployed may run on it.
 */

import type { BucketState } from '../../core/rds-budget/bucket.js';
import type { BudgetStore, StoredBucket, SwapResult } from '../../core/rds-budget/store.js';

export class MemoryBudgetStore implements BudgetStore {
  private readonly buckets = new Map<string, StoredBucket>();
  /** Writes accepted and refused, as DynamoDB would bill them. */
  readonly writes = { accepted: 0, refused: 0 };

  async read(place: string): Promise<StoredBucket | undefined> {
    const bucket = this.buckets.get(place);
    return bucket === undefined ? undefined : { ...bucket };
  }

  async swap(place: string, expected: StoredBucket | undefined, next: BucketState): Promise<SwapResult> {
    const current = this.buckets.get(place);
    if (current?.version !== expected?.version) {
      this.writes.refused += 1;
      return { ok: false, current: current === undefined ? undefined : { ...current } };
    }
    const stored = { tokens: next.tokens, at: next.at, version: (current?.version ?? 0) + 1 };
    this.buckets.set(place, stored);
    this.writes.accepted += 1;
    return { ok: true, stored: { ...stored } };
  }
}
