import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBLogFilesCommand,
  type DescribeDBLogFilesDetails,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBLogFiles,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { simRdsClient } from '../support/sim-client.js';

const START = Date.UTC(2026, 2, 1, 10, 30);
const INSTANCE = 'aurora-audit-1-instance-1';

async function allLogFiles(
  rds: RDSClient,
  input: Parameters<typeof paginateDescribeDBLogFiles>[1],
  pageSize?: number,
) {
  const files: DescribeDBLogFilesDetails[] = [];
  let pages = 0;
  for await (const page of paginateDescribeDBLogFiles(
    { client: rds, ...(pageSize ? { pageSize } : {}) },
    input,
  )) {
    pages += 1;
    files.push(...(page.DescribeDBLogFiles ?? []));
  }
  return { files, pages };
}

describe('RDS simulator Query API', () => {
  let sim: RdsSimulator;
  let rds: RDSClient;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(START),
      workload: { clusters: 25, instancesPerCluster: 2, tags: { archive: 'yes', team: 'db' } },
    });
    sim.world.addCluster?.('other-cluster', ['other-instance-1'], { archive: 'no' });
    rds = simRdsClient(sim);
  });
  afterAll(async () => {
    rds?.destroy();
    await sim?.stop();
  });

  it('describes clusters with writer flags and tags, paged by Marker', async () => {
    const clusters = [];
    let pages = 0;
    for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 20 }, {})) {
      pages += 1;
      clusters.push(...(page.DBClusters ?? []));
    }
    expect(pages).toBe(2);
    expect(clusters).toHaveLength(26);
    const first = clusters.find((c) => c.DBClusterIdentifier === 'aurora-audit-1');
    expect(first?.Engine).toBe('aurora-mysql');
    expect(first?.DBClusterMembers).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: 'aurora-audit-1-instance-1', IsClusterWriter: true }),
      expect.objectContaining({ DBInstanceIdentifier: 'aurora-audit-1-instance-2', IsClusterWriter: false }),
    ]);
    expect(first?.TagList).toEqual([
      { Key: 'archive', Value: 'yes' },
      { Key: 'team', Value: 'db' },
    ]);
    expect(clusters.find((c) => c.DBClusterIdentifier === 'other-cluster')?.TagList).toEqual([
      { Key: 'archive', Value: 'no' },
    ]);
  });

  it('selects clusters by identifier and by the db-cluster-id filter (id or ARN)', async () => {
    const one = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurora-audit-3' }));
    expect(one.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(['aurora-audit-3']);
    const arn = one.DBClusters?.[0]?.DBClusterArn ?? '';
    expect(arn).toBe('arn:aws:rds:us-east-1:123456789012:cluster:aurora-audit-3');
    const filtered = await rds.send(
      new DescribeDBClustersCommand({
        Filters: [{ Name: 'db-cluster-id', Values: ['aurora-audit-2', arn, 'missing'] }],
      }),
    );
    expect(filtered.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual([
      'aurora-audit-2',
      'aurora-audit-3',
    ]);
    await expect(
      rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })),
    ).rejects.toMatchObject({
      name: 'DBClusterNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('describes instances with cluster, engine and tags, filtered and paged', async () => {
    const instances = [];
    for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {})) {
      instances.push(...(page.DBInstances ?? []));
    }
    expect(instances).toHaveLength(51);
    const byCluster = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['aurora-audit-7'] }] }),
    );
    expect(
      byCluster.DBInstances?.map((i) => [
        i.DBInstanceIdentifier,
        i.DBClusterIdentifier,
        i.Engine,
        i.TagList?.length,
      ]),
    ).toEqual([
      ['aurora-audit-7-instance-1', 'aurora-audit-7', 'aurora-mysql', 2],
      ['aurora-audit-7-instance-2', 'aurora-audit-7', 'aurora-mysql', 2],
    ]);
    const one = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(one.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual([INSTANCE]);
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ghost-instance' })),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses MaxRecords outside AWS bounds and unknown filters', async () => {
    await expect(rds.send(new DescribeDBClustersCommand({ MaxRecords: 19 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 101 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE, MaxRecords: 1001 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('lists log files with LogFileName, LastWritten (ms) and Size, across pages', async () => {
    const expected = sim.world.listFiles(INSTANCE);
    const { files, pages } = await allLogFiles(rds, { DBInstanceIdentifier: INSTANCE }, 5);
    expect(pages).toBe(Math.ceil(expected.length / 5));
    expect(files).toEqual(
      expected.map((f) => ({ LogFileName: f.name, LastWritten: f.lastWritten, Size: f.size })),
    );
    expect(files.some((f) => f.LogFileName?.startsWith('error/mysql-error-running.log.2026-03-01.'))).toBe(
      true,
    );
    expect(files.some((f) => f.LogFileName?.startsWith('slowquery/mysql-slowquery.log.2026-03-01.'))).toBe(
      true,
    );
    const live = files.find((f) => f.LogFileName === 'audit/audit.log.0.2026-03-01-10-00.1');
    expect(live?.LastWritten).toBeLessThanOrEqual(START);
    expect(live?.LastWritten).toBeGreaterThan(START - 1000);
  });

  it('applies FilenameContains, FileLastWritten and FileSize', async () => {
    const all = sim.world.listFiles(INSTANCE);
    const audit = await allLogFiles(
      rds,
      { DBInstanceIdentifier: INSTANCE, FilenameContains: 'audit.log.2.' },
      3,
    );
    expect(audit.files.map((f) => f.LogFileName)).toEqual(
      all.filter((f) => f.name.includes('audit.log.2.')).map((f) => f.name),
    );
    expect(audit.files.length).toBeGreaterThan(1);
    const since = Date.UTC(2026, 2, 1, 9, 0);
    const recent = await allLogFiles(rds, { DBInstanceIdentifier: INSTANCE, FileLastWritten: since });
    expect(recent.files.map((f) => f.LogFileName)).toEqual(
      all.filter((f) => f.lastWritten >= since).map((f) => f.name),
    );
    expect(recent.files.length).toBeLessThan(all.length);
    const big = await allLogFiles(rds, { DBInstanceIdentifier: INSTANCE, FileSize: 1_000_000 });
    expect(big.files.map((f) => f.LogFileName)).toEqual(
      all.filter((f) => f.size > 1_000_000).map((f) => f.name),
    );
    expect(big.files.length).toBeGreaterThan(0);
    expect(big.files.length).toBeLessThan(all.length);
  });

  it('answers an unknown instance with 404 DBInstanceNotFound', async () => {
    await expect(
      rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: 'no-such-instance' })),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('answers an unknown action with an AWS-shaped XML error', async () => {
    // A real client signs it; only the action is wrong.
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { HttpRequest } = await import('@smithy/protocol-http');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const url = new URL(sim.url);
    const body = 'Action=DescribeEverything&Version=2014-10-31';
    const signed = await new SignatureV4({
      credentials: sim.credentials[0]!,
      region: sim.region,
      service: 'rds',
      sha256: Sha256,
    }).sign(
      new HttpRequest({
        method: 'POST',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    const res = await fetch(`${sim.url}/`, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toMatch(
      /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/,
    );
  });

  it('counts requests per action', async () => {
    const before = sim.stats().DescribeDBLogFiles ?? 0;
    await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(sim.stats().DescribeDBLogFiles).toBe(before + 2);
    expect(sim.stats().DescribeDBClusters).toBeGreaterThan(0);
  });
});
