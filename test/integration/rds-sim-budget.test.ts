import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accountId,
  DEFAULT_SIM_CREDENTIALS,
  HUB_ACCOUNT_ID,
  manualClock,
  memberExternalId,
  memberRoleArn,
  type RdsSimulator,
  type RdsSimulatorOptions,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';
import { drainBody, signedDownload, simRdsClient } from '../support/sim-client.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const INSTANCE = 'aurora-audit-1-instance-1';

let sim: RdsSimulator | undefined;
const clients: Array<{ destroy(): void }> = [];

async function start(opts: RdsSimulatorOptions = {}): Promise<RdsSimulator> {
  sim = await startRdsSimulator({
    clock: manualClock(T0),
    workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1, writerBytesPerSecond: 32 },
    ...opts,
  });
  return sim;
}

function client(s: RdsSimulator, opts: Parameters<typeof simRdsClient>[1] = {}): RDSClient {
  const c = simRdsClient(s, opts);
  clients.push(c);
  return c;
}

/**
 * Sends `n` cheap requests, a few at a time, and stops after the first refusal: how many got
 * through and the first refusal. (The clock is manual: no token comes back meanwhile.)
 */
async function burst(rds: RDSClient, n: number): Promise<{ ok: number; refused: unknown }> {
  let ok = 0;
  for (let sent = 0; sent < n; ) {
    const batch = Math.min(20, n - sent);
    sent += batch;
    const results = await Promise.allSettled(
      Array.from({ length: batch }, () => rds.send(new DescribeDBInstancesCommand({}))),
    );
    ok += results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.find((r) => r.status === 'rejected');
    if (refused) return { ok, refused: refused.reason };
  }
  return { ok, refused: undefined };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await sim?.stop();
  sim = undefined;
});

describe('RDS simulator: the API budget per account and Region', () => {
  it("lets AWS's burst of 300 through, then answers Throttling as RDS does", async () => {
    const s = await start();
    const { ok, refused } = await burst(client(s), 400);
    expect(ok).toBe(300);
    expect(refused).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const refusals = s.stats()[`throttled.${HUB_ACCOUNT_ID}.us-east-1`] ?? 0;
    expect(refusals).toBeGreaterThan(0);
    expect(s.stats()[`requests.${HUB_ACCOUNT_ID}.us-east-1`]).toBe(300 + refusals);
  });

  it('is a throttling error to the SDK retry strategy: it retries it, and not a missing instance', async () => {
    const s = await start({ budget: { burst: 2, perSecond: 0 } });
    const retrying = client(s, { maxAttempts: 3 });
    await retrying.send(new DescribeDBInstancesCommand({}));
    await retrying.send(new DescribeDBInstancesCommand({}));
    const throttled = await retrying.send(new DescribeDBClustersCommand({})).catch((e: unknown) => e);
    // Three attempts: the standard retry strategy took Throttling for a retryable throttling error.
    expect(throttled).toMatchObject({ name: 'Throttling', $metadata: { attempts: 3 } });
    s.fleet.site(HUB_ACCOUNT_ID, 'us-east-1')?.budget?.reset();
    const missing = await retrying
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'no-such-instance' }))
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { attempts: 1 } });
  });

  it('refills on the simulator clock: 12 requests per simulated second, never more than the burst', async () => {
    const s = await start({ budget: { burst: 30 } });
    const rds = client(s);
    expect((await burst(rds, 40)).ok).toBe(30);
    // No simulated time has passed: nothing came back.
    expect((await burst(rds, 5)).ok).toBe(0);
    s.clock.advance(1000);
    expect((await burst(rds, 20)).ok).toBe(12);
    s.clock.advance(3_600_000);
    expect((await burst(rds, 40)).ok).toBe(30);
  });

  it('keeps one bucket per account and Region: throttling one leaves the others alone', async () => {
    const s = await start({ accounts: 2, regions: ['us-east-1', 'us-west-2'], budget: { burst: 5 } });
    expect((await burst(client(s), 10)).ok).toBe(5);
    expect((await burst(client(s, { region: 'us-west-2' }), 10)).ok).toBe(5);
    const sts = new STSClient({ endpoint: s.url, region: 'us-east-1', credentials: DEFAULT_SIM_CREDENTIALS });
    clients.push(sts);
    const member = accountId(1);
    // STS is another service: AssumeRole takes nothing from the RDS budget.
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: memberRoleArn(member),
        RoleSessionName: 'budget',
        ExternalId: memberExternalId(member),
      }),
    );
    const c = out.Credentials;
    const credentials = {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    };
    expect((await burst(client(s, { credentials }), 10)).ok).toBe(5);
    const stats = s.stats();
    for (const key of [
      `throttled.${HUB_ACCOUNT_ID}.us-east-1`,
      `throttled.${HUB_ACCOUNT_ID}.us-west-2`,
      `throttled.${member}.us-east-1`,
    ]) {
      expect(stats[key], key).toBe(5);
    }
    expect(stats[`requests.${member}.us-west-2`]).toBe(0);
    expect(stats.Throttling).toBe(15);
  });

  it('takes a token for each signed download by default (429 ThrottlingException), none when unmetered', async () => {
    for (const countDownloads of [true, false]) {
      const s = await start({ budget: { burst: 2, perSecond: 0, countDownloads } });
      const file = s.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/'))?.name ?? '';
      await burst(client(s), 2);
      const res = await signedDownload(s, INSTANCE, file);
      if (countDownloads) {
        expect(res.status).toBe(429);
        expect(await res.text()).toContain('<Code>ThrottlingException</Code>');
      } else {
        expect(res.status).toBe(200);
        expect((await drainBody(res)).bytes).toBeGreaterThan(0);
      }
      for (const c of clients.splice(0)) c.destroy();
      await s.stop();
      sim = undefined;
    }
  });

  it('can be turned off', async () => {
    const s = await start({ budget: false });
    expect((await burst(client(s), 350)).ok).toBe(350);
  });
});
