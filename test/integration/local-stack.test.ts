import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { alive } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

/** Resolves once `pid` has exited. */
function gone(pid: number): Promise<true> {
  return waitUntil(`process ${pid} to exit`, () => !alive(pid));
}

describe('startLocalStack', () => {
  let stack: LocalStack | undefined;
  afterAll(() => stack?.stop());

  it('starts emulators and simulator and describes them in env', async () => {
    stack = await startLocalStack({
      prefix: 'stacktest',
      region: 'eu-central-1',
      workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1, retentionHours: 6 },
      maxReceiveCount: 3,
    });
    const { env } = stack;
    expect(env).toMatchObject({
      AWS_REGION: 'eu-central-1',
      ARCHIVER_TABLE: 'stacktest-ledger',
      ARCHIVER_BUCKET: 'stacktest-archive',
      ARCHIVER_CLUSTERS: 'aurora-audit-1',
      ARCHIVER_MAX_ATTEMPTS: '3',
      ARCHIVER_RETENTION_HOURS: '6',
      AWS_ENDPOINT_URL_RDS: stack.rds.url,
    });
    const credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    };
    const rds = new RDSClient({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_RDS, credentials });
    const dynamodb = new DynamoDBClient({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials,
    });
    try {
      const clusters = await rds.send(new DescribeDBClustersCommand({}));
      expect(clusters.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(['aurora-audit-1']);
      const table = await dynamodb.send(new DescribeTableCommand({ TableName: env.ARCHIVER_TABLE }));
      expect(table.Table?.TableStatus).toBe('ACTIVE');
    } finally {
      rds.destroy();
      dynamodb.destroy();
    }
  });

  it('stops everything, Java included, and can be stopped twice', async () => {
    if (stack === undefined) throw new Error('no stack from the previous test');
    const pid = stack.dynamodbPid;
    expect(alive(pid)).toBe(true);
    await Promise.all([stack.stop(), stack.stop()]);
    await gone(pid);
    await expect(fetch(stack.rds.url)).rejects.toThrow();
    await expect(fetch(stack.endpoints.sqs)).rejects.toThrow();
  });

  it('leaves no Java behind when a later part fails to start', async () => {
    // Occupy the port the simulator is told to use, so it fails after the emulators started.
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const before = new Set(javaPids());
    try {
      await expect(startLocalStack({ prefix: 'stackfail', ports: { rds: port } })).rejects.toThrow();
    } finally {
      blocker.close();
    }
    // Java is our child until it exits: any left over would be listed here.
    const leftover = javaPids().filter((pid) => !before.has(pid));
    for (const pid of leftover) await gone(pid);
    expect(javaPids().filter((pid) => !before.has(pid))).toEqual([]);
  });
});

/** pids of DynamoDB Local processes started by this process (Linux /proc; others' runs excluded). */
function javaPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
        return (
          ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('DynamoDBLocal.jar')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}
