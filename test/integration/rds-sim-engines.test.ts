import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBLogFilesCommand,
  DownloadDBLogFilePortionCommand,
  paginateDescribeDBLogFiles,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  manualClock,
  PORTION_MAX_BYTES,
  PORTION_MAX_LINES,
  type RdsSimulator,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';
import { collect, simRdsClient } from '../support/sim-client.js';

const START = Date.UTC(2026, 2, 1, 10, 30);
const MINUTE = 60_000;

describe('RDS simulator: a mixed fleet through the real RDS client', () => {
  let sim: RdsSimulator;
  let rds: RDSClient;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(START),
      workload: {
        engines: ['aurora-mysql', 'mysql', 'mariadb', 'postgres', 'aurora-postgresql'],
        clusters: 1,
        instancesPerCluster: 2,
        standaloneInstances: 2,
        historyHours: 1,
        writerBytesPerSecond: 4096,
        auditRotateBytes: 300_000,
        tags: { archive: 'yes' },
      },
    });
    rds = simRdsClient(sim);
  });
  afterAll(async () => {
    rds?.destroy();
    await sim?.stop();
  });

  it('describes standalone instances with their engine and tags and no cluster', async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({}));
    const byId = new Map((out.DBInstances ?? []).map((i) => [i.DBInstanceIdentifier, i]));
    expect([...byId.keys()].sort()).toEqual([
      'aurora-audit-1-instance-1',
      'aurora-audit-1-instance-2',
      'aurora-pg-1-instance-1',
      'aurora-pg-1-instance-2',
      'mariadb-1',
      'mariadb-2',
      'mysql-1',
      'mysql-2',
      'postgres-1',
      'postgres-2',
    ]);
    for (const [id, engine] of [
      ['mysql-1', 'mysql'],
      ['mariadb-2', 'mariadb'],
      ['postgres-1', 'postgres'],
    ] as const) {
      const i = byId.get(id)!;
      expect(i.Engine).toBe(engine);
      expect(i.DBClusterIdentifier).toBeUndefined();
      expect(i.TagList).toEqual([{ Key: 'archive', Value: 'yes' }]);
    }
    expect(byId.get('postgres-1')?.Endpoint?.Port).toBe(5432);
    expect(byId.get('aurora-pg-1-instance-1')).toMatchObject({
      Engine: 'aurora-postgresql',
      DBClusterIdentifier: 'aurora-pg-1',
    });
    const one = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'mariadb-1' }));
    expect(one.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(['mariadb-1']);
    const filtered = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['mysql', 'postgres'] }] }),
    );
    expect(filtered.DBInstances?.map((i) => i.DBInstanceIdentifier).sort()).toEqual([
      'mysql-1',
      'mysql-2',
      'postgres-1',
      'postgres-2',
    ]);
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'mysql-9' })),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('describes only the Aurora clusters, each with its engine', async () => {
    const out = await rds.send(new DescribeDBClustersCommand({}));
    expect(out.DBClusters?.map((c) => [c.DBClusterIdentifier, c.Engine])).toEqual([
      ['aurora-audit-1', 'aurora-mysql'],
      ['aurora-pg-1', 'aurora-postgresql'],
    ]);
    const pg = await rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-postgresql'] }] }),
    );
    expect(pg.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(['aurora-pg-1']);
  });

  it('lists a standalone instance log files, with the filters', async () => {
    const files = [];
    for await (const page of paginateDescribeDBLogFiles(
      { client: rds, pageSize: 3 },
      { DBInstanceIdentifier: 'mysql-1' },
    )) {
      files.push(...(page.DescribeDBLogFiles ?? []));
    }
    expect(files.map((f) => f.LogFileName)).toEqual(sim.world.listFiles('mysql-1').map((f) => f.name));
    expect(files.map((f) => f.LogFileName)).toContain('audit/server_audit.log.1');
    const audit = await rds.send(
      new DescribeDBLogFilesCommand({ DBInstanceIdentifier: 'mysql-1', FilenameContains: 'server_audit' }),
    );
    expect(audit.DescribeDBLogFiles?.every((f) => f.LogFileName?.startsWith('audit/server_audit.log'))).toBe(
      true,
    );
    const big = await rds.send(
      new DescribeDBLogFilesCommand({ DBInstanceIdentifier: 'mysql-1', FileSize: 300_000 }),
    );
    expect(big.DescribeDBLogFiles?.length).toBeGreaterThan(0);
    expect(big.DescribeDBLogFiles?.every((f) => (f.Size ?? 0) > 300_000)).toBe(true);
    const pg = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: 'postgres-2' }));
    expect(pg.DescribeDBLogFiles?.map((f) => f.LogFileName)).toEqual([
      'error/postgresql.log.2026-03-01-09',
      'error/postgresql.log.2026-03-01-10',
    ]);
  });
});

describe('RDS simulator: DownloadDBLogFilePortion through the real RDS client', () => {
  let sim: RdsSimulator;
  let rds: RDSClient;
  const INSTANCE = 'aurora-audit-1-instance-1';

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(START),
      workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1, writerBytesPerSecond: 1024 },
    });
    rds = simRdsClient(sim);
  });
  afterAll(async () => {
    rds?.destroy();
    await sim?.stop();
  });

  const whole = async (name: string) => (await collect(sim.world.read(INSTANCE, name))).toString('latin1');

  it('pages a whole file from Marker "0" in portions of at most 10,000 lines and 1 MB', async () => {
    const file = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/audit.log.0.'))!;
    expect(file.size).toBeGreaterThan(2 * PORTION_MAX_BYTES);
    let marker = '0';
    let text = '';
    let calls = 0;
    for (;;) {
      const out = await rds.send(
        new DownloadDBLogFilePortionCommand({
          DBInstanceIdentifier: INSTANCE,
          LogFileName: file.name,
          Marker: marker,
        }),
      );
      const data = out.LogFileData ?? '';
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(PORTION_MAX_BYTES);
      expect(data.split('\n').length - 1).toBeLessThanOrEqual(PORTION_MAX_LINES);
      text += data;
      calls += 1;
      marker = out.Marker ?? '';
      if (!out.AdditionalDataPending) break;
    }
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(text).toBe(await whole(file.name));
  });

  it('honours NumberOfLines from the start and from the end (no Marker: the most recent lines)', async () => {
    const file = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('slowquery/'))!;
    const lines = (await whole(file.name)).split('\n').slice(0, -1);
    const head = await rds.send(
      new DownloadDBLogFilePortionCommand({
        DBInstanceIdentifier: INSTANCE,
        LogFileName: file.name,
        Marker: '0',
        NumberOfLines: 7,
      }),
    );
    expect(head.LogFileData).toBe(`${lines.slice(0, 7).join('\n')}\n`);
    expect(head.AdditionalDataPending).toBe(true);
    const next = await rds.send(
      new DownloadDBLogFilePortionCommand({
        DBInstanceIdentifier: INSTANCE,
        LogFileName: file.name,
        Marker: head.Marker,
        NumberOfLines: 3,
      }),
    );
    expect(next.LogFileData).toBe(`${lines.slice(7, 10).join('\n')}\n`);
    const tail = await rds.send(
      new DownloadDBLogFilePortionCommand({
        DBInstanceIdentifier: INSTANCE,
        LogFileName: file.name,
        NumberOfLines: 5,
      }),
    );
    expect(tail.LogFileData).toBe(`${lines.slice(-5).join('\n')}\n`);
    expect(tail.AdditionalDataPending).toBe(false);
    const dflt = await rds.send(
      new DownloadDBLogFilePortionCommand({ DBInstanceIdentifier: INSTANCE, LogFileName: file.name }),
    );
    const expected = lines.slice(-PORTION_MAX_LINES);
    const got = (dflt.LogFileData ?? '').split('\n').slice(0, -1);
    expect(got.length).toBeLessThanOrEqual(expected.length);
    expect(got).toEqual(expected.slice(expected.length - got.length));
  });

  it('answers unknown instances and files with 404s and a bad NumberOfLines with 400', async () => {
    await expect(
      rds.send(
        new DownloadDBLogFilePortionCommand({ DBInstanceIdentifier: 'ghost', LogFileName: 'x', Marker: '0' }),
      ),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await expect(
      rds.send(
        new DownloadDBLogFilePortionCommand({
          DBInstanceIdentifier: INSTANCE,
          LogFileName: 'audit/none',
          Marker: '0',
        }),
      ),
    ).rejects.toMatchObject({ name: 'DBLogFileNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await expect(
      rds.send(
        new DownloadDBLogFilePortionCommand({
          DBInstanceIdentifier: INSTANCE,
          LogFileName: sim.world.listFiles(INSTANCE)[0]!.name,
          NumberOfLines: 0,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });

  it('lets a rotation be forced and a name get other content over the control plane', async () => {
    sim.clock.advance(MINUTE);
    const post = async (path: string, body: unknown) =>
      (await fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<
        Record<string, unknown>
      >;
    const rotated = await post('/_sim/rotate', { instance: INSTANCE, file: 'audit.log.3.' });
    expect(rotated).toEqual({ rotated: ['audit/audit.log.3.2026-03-01-10-00.1'] });
    expect(sim.world.listFiles(INSTANCE).map((f) => f.name)).toContain(
      'audit/audit.log.3.2026-03-01-10-31.2',
    );
    const name = 'audit/audit.log.0.2026-03-01-09-00.1';
    const before = await sim.world.sha256(INSTANCE, name);
    expect(await post('/_sim/files/replace', { instance: INSTANCE, name, size: 5000 })).toEqual({
      replaced: true,
    });
    expect(sim.world.listFiles(INSTANCE).find((f) => f.name === name)?.size).toBe(5000);
    expect(await sim.world.sha256(INSTANCE, name)).not.toBe(before);
  });
});
