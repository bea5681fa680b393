/**
 * Where the buckets of the RDS API budget live: one item per place in the ledger table, written
 * only with a compare-and-swap on its version (optimistic concurrency), so concurrent Lambdas
 * never take the same token twice. The DynamoDB store is dynamodb-store.ts; the tests' in-memory
 * twin (test/support/memory-budget-store.ts) passes the same contract test.
 */

import type { BucketState } from './bucket.js';

/** A bucket as stored: its state and the version every write bumps. */
export interface StoredBucket extends BucketState {
  version: number;
}

/** What a swap did: written (and the bucket as stored now), or refused with the bucket as it is. */
export type SwapResult =
  | { ok: true; stored: StoredBucket }
  | { ok: false; current: StoredBucket | undefined };

/** The budget's buckets, one per place key (place.ts). */
export interface BudgetStore {
  /** The bucket of a place, or undefined when none was ever written. */
  read(place: string): Promise<StoredBucket | undefined>;
  /**
   * Writes `next` (with version `expected.version + 1`, or 1 for a new bucket) if the stored bucket
   * is still `expected` (by version; undefined: no bucket stored yet). Refused otherwise, carrying
   * the bucket as it is, so the caller decides again without another read.
   */
  swap(place: string, expected: StoredBucket | undefined, next: BucketState): Promise<SwapResult>;
}

/**
 * The bucket item's key in the ledger table: its own partition (`RDSBUDGET#<place>`), no index
 * attributes, so no ledger read (a Query of an instance, the by-state or by-cluster-hour index,
 * the archive events of an hour) ever meets it. See core/ledger/table.ts.
 */
export function budgetKey(place: string): { pk: string; sk: string } {
  return { pk: `RDSBUDGET#${place}`, sk: '#BUCKET' };
}
