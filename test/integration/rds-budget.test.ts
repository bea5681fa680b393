/**
 * Issue 14 item 4, the proof: a discoverer and three archiver processes of one account-Region
 * archive everything within the RDS API budget. The simulator enforces a small budget (a burst of
 * 10, 2 requests/s) on the real clock; the pipeline's shared budget, in DynamoDB Local, so every
 * process draws from one bucket, has the same rate and a smaller burst (5). With it: no throttling
 * surfaces and the simulator throttles nothing. The same workload without it
 * (ARCHIVER_RDS_API_RATE=0, each process on its own with the SDK's adaptive retries) is
 * throttled: the test can fail.
 *
 * Why zero, and not merely few: every token is taken from our bucket before its request is sent,
 * so RDS's bucket holds at least ours plus the tokens leased and not spent yet, as long as both
 * refill at the same rate and RDS's burst exceeds ours by more than the tokens processes hold
 * (at most 4 each, for at most a second; the buckets only sit full while nobody calls). Why the
 * disabled run is throttled however slow the machine: the first discovery pass and the first
 * batches of claims send more than 10 requests at once.
 *
 * Nothing here asserts a duration: the budget makes the run take as long as it must.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../cli/pipeline-wiring.js';
import { configEnvironment } from '../../core/config.js';
import type { PlaceStats } from '../../core/rds-budget/budget.js';
import { homePlaceKey } from '../../core/rds-budget/place.js';
import { HUB_ACCOUNT_ID, realClock } from '../../local/rds-sim/index.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';

const SIMULATED_BUDGET = { burst: 10, perSecond: 2 };
const SHARE = { rdsApiBurst: 5, rdsApiRate: 2 };
const ARCHIVERS = 3;

let h: PipelineHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** A discovery pass, then a second one beside three archiver processes draining the queue. */
async function runWorkload(name: string, rdsApiRate: number) {
  h = await startPipelineHarness(name, {
    clock: realClock(),
    budget: SIMULATED_BUDGET,
    // Two clusters of two instances, two hours of Aurora MySQL audit logs: some 30 downloads
    // beside the listings, well over the simulated burst.
    workload: { clusters: 2, instancesPerCluster: 2, historyHours: 2, writerBytesPerSecond: 16 },
    env: configEnvironment({ ...SHARE, rdsApiRate }),
  });
  const harness = h;
  const archivers: Pipeline[] = Array.from({ length: ARCHIVERS }, () => harness.process());
  const first = await harness.discover();
  const [second, ...drains] = await Promise.all([
    harness.discover(),
    ...archivers.map((pipeline) => harness.drain({ pipeline, concurrency: 2 })),
  ]);
  const stats = h.sim.stats();
  const site = `${HUB_ACCOUNT_ID}.${h.res.region}`;
  const place = homePlaceKey(h.res.region);
  const budgets = [h.pipeline, ...archivers].map(
    (pipeline) => pipeline.clients.rdsBudget?.stats()[place] ?? undefined,
  );
  return {
    first,
    second,
    failedRecords: drains.reduce((sum, d) => sum + d.failed, 0),
    objects: (await harness.objectKeys()).length,
    requests: stats[`requests.${site}`] ?? 0,
    throttled: stats[`throttled.${site}`] ?? 0,
    budgets: budgets.filter((b): b is PlaceStats => b !== undefined),
  };
}

describe('the shared RDS API budget', () => {
  it('keeps a discoverer and three archivers of one account-region under the budget: nothing throttled', async () => {
    const run = await runWorkload('budget-on', SHARE.rdsApiRate);
    expect(run.first.enqueued).toBeGreaterThan(SIMULATED_BUDGET.burst);
    expect([...run.first.errors, ...run.second.errors]).toEqual([]);
    expect(run.failedRecords).toBe(0);
    expect(run.objects).toBe(run.first.enqueued);
    // Held at the budget: RDS refused nothing.
    expect(run.throttled).toBe(0);
    // Every request the simulator saw took a token first, in the discoverer and at least two
    // archivers (the first receives of six pollers share the 4 batches: no process has 4 pollers).
    expect(run.budgets.length).toBeGreaterThanOrEqual(3);
    const total = (field: keyof PlaceStats) => run.budgets.reduce((sum, b) => sum + b[field], 0);
    expect(total('taken')).toBe(run.requests);
    expect(total('throttled')).toBe(0);
    // The budget was what paced them. (Its cost in DynamoDB writes is reported, not asserted:
    // refused leases grow with the machine's load; the README gives the figures.)
    expect(total('waits')).toBeGreaterThan(0);
    if (process.env.BUDGET_FIGURES) {
      const writes = total('leases') + total('conflicts');
      console.log(
        JSON.stringify({ requests: run.requests, objects: run.objects, writes, budgets: run.budgets }),
      );
    }
  });

  it('without it, the same workload is throttled', async () => {
    const run = await runWorkload('budget-off', 0);
    expect(run.budgets).toEqual([]);
    expect(run.throttled).toBeGreaterThan(0);
  });
});
