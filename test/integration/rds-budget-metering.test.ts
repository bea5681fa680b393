/**
 * The RDS API budget on the wire (core/rds-budget/metering.ts), against the simulator: every
 * attempt of an RDS API call and every signed download request takes a token; a throttle that
 * outlives the retries is one line naming the account, Region and API; a throttled download backs
 * off with jitter and goes on when RDS lets it. The bucket is the in-memory twin (the DynamoDB one
 * passes the same contract: rds-budget-store-contract.test.ts).
 */

import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogFileDownloader } from '../../core/rds/download.js';
import { DownloadThrottledError } from '../../core/rds/download-errors.js';
import { createRdsApiBudget, type RdsApiBudget } from '../../core/rds-budget/budget.js';
import { meterDownloader, meterRdsClient, RdsApiThrottledError } from '../../core/rds-budget/metering.js';
import { homePlaceKey } from '../../core/rds-budget/place.js';
import {
  type BudgetOptions,
  HUB_ACCOUNT_ID,
  manualClock,
  type RdsSimulator,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';
import { MemoryBudgetStore } from '../support/memory-budget-store.js';
import { collect, simRdsClient } from '../support/sim-client.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const INSTANCE = 'aurora-audit-1-instance-1';

let sim: RdsSimulator | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await sim?.stop();
  sim = undefined;
});

async function start(budget: BudgetOptions): Promise<{ s: RdsSimulator; place: string; ours: RdsApiBudget }> {
  sim = await startRdsSimulator({
    clock: manualClock(T0),
    workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1, writerBytesPerSecond: 32 },
    budget,
  });
  // Ours is generous: what throttles here is the simulator, as another tool spending the budget would.
  const ours = createRdsApiBudget({ store: new MemoryBudgetStore(), limits: { burst: 100, perSecond: 100 } });
  return { s: sim, place: homePlaceKey(sim.region), ours };
}

function simBudget(s: RdsSimulator) {
  const budget = s.fleet.site(HUB_ACCOUNT_ID, s.region)?.budget;
  if (budget === undefined) throw new Error('the simulator has no budget');
  return budget;
}

describe('the RDS API client, metered', () => {
  it('takes a token per attempt and ends a lasting throttle in one line naming account, region and API', async () => {
    const { s, place, ours } = await start({ burst: 1, perSecond: 0 });
    const rds = simRdsClient(s, { maxAttempts: 3 });
    closers.push(() => rds.destroy());
    meterRdsClient(rds, ours, place);
    await rds.send(new DescribeDBInstancesCommand({}));
    const error = await rds.send(new DescribeDBInstancesCommand({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RdsApiThrottledError);
    expect((error as Error).message).toBe(
      `RDS API throttled in account home, region ${s.region}: DescribeDBInstances still throttled after 3 attempt(s); ` +
        "the account's RDS API budget is spent by this deployment and other tools together: lower " +
        "ARCHIVER_RDS_API_RATE or the other tools' rate, or ask AWS for a higher limit",
    );
    expect((error as Error).message).not.toContain('\n');
    expect((error as RdsApiThrottledError).retryable).toBe(true);
    // 1 + 3 attempts, each one token; the simulator saw exactly those requests.
    expect(ours.stats()[place]).toMatchObject({ taken: 4, throttled: 3 });
    expect(s.stats()[`requests.${HUB_ACCOUNT_ID}.${s.region}`]).toBe(4);
  });
});

/** Spends the simulator's one token with a plain call, as another tool in the account would. */
async function spendSimulatedBurst(s: RdsSimulator): Promise<void> {
  const other = simRdsClient(s);
  await other.send(new DescribeDBInstancesCommand({}));
  other.destroy();
}

describe('the signed download, metered', () => {
  function downloader(
    s: RdsSimulator,
    ours: RdsApiBudget,
    place: string,
    sleep: (ms: number) => Promise<void>,
  ) {
    const credentials = s.credentials[0]!;
    const inner = createLogFileDownloader({
      region: s.region,
      endpoint: s.url,
      credentials,
      pathVersion: 'v19',
      beforeRequest: (signal) => ours.take(place, signal),
    });
    const metered = meterDownloader(inner, ours, place, { sleep, random: () => 0.5 });
    closers.push(() => metered.close());
    return metered;
  }

  it('backs off with jitter when throttled and downloads once RDS lets it', async () => {
    const { s, place, ours } = await start({ burst: 1, perSecond: 0 });
    const file = s.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/'))!;
    await spendSimulatedBurst(s);
    const waits: number[] = [];
    const open = downloader(s, ours, place, async (ms) => {
      waits.push(ms);
      // Another tool's burst is over: RDS has tokens again.
      if (waits.length === 2) simBudget(s).reset();
    });
    const download = await open.open({ instance: INSTANCE, logFileName: file.name });
    expect((await collect(download.body)).length).toBe(file.size);
    // Full jitter (random 0.5): half of 1 s, then half of 2 s.
    expect(waits).toEqual([500, 1000]);
    expect(ours.stats()[place]).toMatchObject({ taken: 3, throttled: 2 });
  });

  it('gives up after 6 attempts with one retryable line naming account, region and API', async () => {
    const { s, place, ours } = await start({ burst: 1, perSecond: 0 });
    const file = s.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/'))!;
    await spendSimulatedBurst(s);
    const open = downloader(s, ours, place, async () => {});
    const error = await open.open({ instance: INSTANCE, logFileName: file.name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadThrottledError);
    expect((error as DownloadThrottledError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      `RDS API throttled in account home, region ${s.region}: DownloadCompleteLogFile of ${INSTANCE}/${file.name} ` +
        "still throttled after 6 attempts; the account's RDS API budget is spent by this deployment and other " +
        "tools together: lower ARCHIVER_RDS_API_RATE or the other tools' rate, or ask AWS for a higher limit",
    );
    expect(ours.stats()[place]).toMatchObject({ taken: 6, throttled: 6 });
  });
});
