/**
 * The archiver's cluster check against the RDS simulator's DescribeDBClusters: explicit names need
 * no call, the tag is read once per cluster and remembered for the cache period.
 */

import { RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSelection } from '../../core/rds/cluster-selection.js';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { T0 } from '../support/pipeline.js';

let sim: RdsSimulator;
let rds: RDSClient;
beforeAll(async () => {
  sim = await startRdsSimulator({
    clock: manualClock(T0),
    workload: { clusters: 1, instancesPerCluster: 1, historyHours: 0, tags: { archive: 'yes' } },
  });
  sim.world.addCluster!('untagged-db', ['untagged-db-1'], { archive: 'no' });
  rds = new RDSClient({
    endpoint: sim.url,
    region: sim.region,
    credentials: sim.credentials[0]!,
    maxAttempts: 2,
  });
});
afterAll(async () => {
  rds.destroy();
  await sim.stop();
});

/** A file of a cluster member, as the ledger records its group. */
const target = (cluster: string) => ({ cluster, instance: `${cluster}-instance-1` });

const describes = () => sim.stats().DescribeDBClusters ?? 0;

describe('clusterSelection', () => {
  it('answers from the explicit list without asking RDS', async () => {
    const selection = clusterSelection(rds, { clusters: ['aurora-audit-1'], tag: undefined });
    const before = describes();
    expect(await selection.includes(target('aurora-audit-1'))).toBe(true);
    expect(await selection.includes(target('untagged-db'))).toBe(false);
    expect(describes()).toBe(before);
    expect(selection.description).toBe('ARCHIVER_CLUSTERS aurora-audit-1');
  });

  it('reads the tag once per cluster for the cache period, then again', async () => {
    let now = 0;
    const selection = clusterSelection(
      rds,
      { clusters: [], tag: { key: 'archive', value: 'yes' } },
      { cacheMs: 60_000, now: () => now },
    );
    const before = describes();
    expect(await selection.includes(target('aurora-audit-1'))).toBe(true);
    expect(await selection.includes(target('untagged-db'))).toBe(false);
    expect(await selection.includes(target('no-such-cluster'))).toBe(false);
    expect(describes()).toBe(before + 3);
    expect(await selection.includes(target('aurora-audit-1'))).toBe(true);
    expect(await selection.includes(target('untagged-db'))).toBe(false);
    expect(describes()).toBe(before + 3);
    now += 60_000;
    expect(await selection.includes(target('aurora-audit-1'))).toBe(true);
    expect(describes()).toBe(before + 4);
  });
});
