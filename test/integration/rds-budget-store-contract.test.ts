/**
 * The RDS API budget's store contract: the same cases against DynamoDB Local (the ledger table,
 * as deployed) and the in-memory twin the fast budget tests run on. A bucket is written only over
 * the version the writer read; a refusal carries the bucket as it is; and the bucket item stays
 * out of every ledger read.
 */

import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCES_PK } from '../../core/ledger/records.js';
import { LEDGER_INDEXES } from '../../core/ledger/table.js';
import { DynamoBudgetStore } from '../../core/rds-budget/dynamodb-store.js';
import { placeKey } from '../../core/rds-budget/place.js';
import { type BudgetStore, budgetKey } from '../../core/rds-budget/store.js';
import { MemoryBudgetStore } from '../support/memory-budget-store.js';
import { createTestResources, type TestResources } from '../support/stack.js';

let resources: TestResources | undefined;
beforeAll(async () => {
  resources = await createTestResources('budget-contract');
});
afterAll(() => resources?.cleanup());

const STORES: Array<[string, () => BudgetStore]> = [
  ['DynamoDB Local', () => new DynamoBudgetStore(resources!.clients.doc, resources!.table)],
  ['memory', () => new MemoryBudgetStore()],
];

const T0 = Date.UTC(2026, 2, 1);
let counter = 0;
/** A place no other case uses (the DynamoDB table is shared by the cases). */
function freshPlace(): string {
  counter += 1;
  return placeKey({ account: `10000000000${counter}`.slice(-12), region: 'us-east-1' });
}

describe.each(STORES)('BudgetStore on %s', (_name, open) => {
  let store: BudgetStore;
  beforeAll(() => {
    store = open();
  });

  it('creates a bucket once, at version 1; a second create is refused with the first', async () => {
    const place = freshPlace();
    expect(await store.read(place)).toBeUndefined();
    const created = await store.swap(place, undefined, { tokens: 7.5, at: T0 });
    expect(created).toEqual({ ok: true, stored: { tokens: 7.5, at: T0, version: 1 } });
    expect(await store.read(place)).toEqual({ tokens: 7.5, at: T0, version: 1 });
    expect(await store.swap(place, undefined, { tokens: 1, at: T0 + 1 })).toEqual({
      ok: false,
      current: { tokens: 7.5, at: T0, version: 1 },
    });
  });

  it('writes over the version read and refuses a writer that read an older one', async () => {
    const place = freshPlace();
    const first = await store.swap(place, undefined, { tokens: 10, at: T0 });
    if (!first.ok) throw new Error('the first write was refused');
    const second = await store.swap(place, first.stored, { tokens: 6, at: T0 + 1000 });
    expect(second).toEqual({ ok: true, stored: { tokens: 6, at: T0 + 1000, version: 2 } });
    // Another process still holding version 1 loses, and learns the bucket as it is.
    const late = await store.swap(place, first.stored, { tokens: 9, at: T0 + 1000 });
    expect(late).toEqual({ ok: false, current: { tokens: 6, at: T0 + 1000, version: 2 } });
    expect(await store.read(place)).toEqual({ tokens: 6, at: T0 + 1000, version: 2 });
  });

  it('refuses a writer that expects a bucket where there is none', async () => {
    const place = freshPlace();
    expect(await store.swap(place, { tokens: 3, at: T0, version: 4 }, { tokens: 2, at: T0 })).toEqual({
      ok: false,
      current: undefined,
    });
    expect(await store.read(place)).toBeUndefined();
  });

  it('lets exactly one of concurrent writers of the same version win', async () => {
    const place = freshPlace();
    const first = await store.swap(place, undefined, { tokens: 10, at: T0 });
    if (!first.ok) throw new Error('the first write was refused');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.swap(place, first.stored, { tokens: 9 - i, at: T0 + 1 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const current = await store.read(place);
    expect(current?.version).toBe(2);
    for (const refused of results.filter((r) => !r.ok)) expect(refused).toEqual({ ok: false, current });
  });

  it('keeps places apart', async () => {
    const a = freshPlace();
    const b = freshPlace();
    await store.swap(a, undefined, { tokens: 1, at: T0 });
    expect(await store.read(b)).toBeUndefined();
  });
});

describe('the bucket item in the ledger table', () => {
  it('has its own partition and no index attributes, so no ledger read meets it', async () => {
    const { doc } = resources!.clients;
    const table = resources!.table;
    const place = freshPlace();
    await new DynamoBudgetStore(doc, table).swap(place, undefined, { tokens: 5, at: T0 });
    const item = (await doc.send(new GetCommand({ TableName: table, Key: budgetKey(place) }))).Item;
    expect(Object.keys(item ?? {}).sort()).toEqual(['at', 'pk', 'sk', 'tokens', 'version']);
    // Not an instance partition (I#), history (H#), events (E#) or the digest head.
    expect(item?.pk).toMatch(/^RDSBUDGET#/);
    // The status command's list of instances (the by-state index) does not hold it.
    const instances = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: LEDGER_INDEXES.byState.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': LEDGER_INDEXES.byState.partition },
        ExpressionAttributeValues: { ':pk': INSTANCES_PK },
      }),
    );
    expect(instances.Items ?? []).toEqual([]);
  });
});
