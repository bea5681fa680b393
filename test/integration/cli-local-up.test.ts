import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBLogFilesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackStateFile } from '../../local/env-file.js';
import { type LocalUp, startLocalUp } from '../support/local-up.js';
import { alive } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

/** A signed GET of the simulator's download path, as the archiver would send it. */
async function signedDownload(
  env: Record<string, string>,
  instance: string,
  file: string,
  overrides: { region?: string; service?: string; secretAccessKey?: string; unsigned?: boolean } = {},
): Promise<Response> {
  const base = new URL(env.AWS_ENDPOINT_URL_RDS ?? '');
  const path = `/v13/downloadCompleteLogFile/${instance}/${file}`;
  const request = new HttpRequest({
    method: 'GET',
    protocol: base.protocol,
    hostname: base.hostname,
    port: Number(base.port),
    path,
    headers: { host: base.host },
  });
  const signer = new SignatureV4({
    service: overrides.service ?? 'rds',
    region: overrides.region ?? env.AWS_REGION ?? '',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: overrides.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY ?? '',
    },
    sha256: Sha256,
  });
  const signed = overrides.unsigned ? request : await signer.sign(request);
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  return fetch(new URL(path, base), { headers });
}

describe('rds-log-archiver local up', () => {
  let up: LocalUp;
  let env: Record<string, string>;
  let state: StackStateFile;
  let rds: RDSClient;

  beforeAll(async () => {
    up = await startLocalUp('local-up-', [
      '--clusters',
      '2',
      '--instances',
      '1',
      '--history-hours',
      '1',
      '--region',
      'eu-west-1',
    ]);
    ({ env, state } = up);
    rds = new RDSClient({
      region: env.AWS_REGION ?? '',
      endpoint: env.AWS_ENDPOINT_URL_RDS ?? '',
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    rds?.destroy();
    await up?.stop();
  });

  it('writes an env file with every variable the pipeline reads', () => {
    for (const key of [
      'AWS_ENDPOINT_URL_RDS',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SQS',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'ARCHIVER_TABLE',
      'ARCHIVER_QUEUE_URL',
      'ARCHIVER_DLQ_URL',
      'ARCHIVER_BUCKET',
    ]) {
      expect(env[key], key).toMatch(/\S/);
    }
    expect(env.AWS_REGION).toBe('eu-west-1');
    // For AWS CLI v1 and older v2, which read only this one.
    expect(env.AWS_DEFAULT_REGION).toBe('eu-west-1');
    expect(env.ARCHIVER_CLUSTERS).toBe('aurora-audit-1,aurora-audit-2');
    // One account in one region: nothing about STS or a fleet, as before accounts existed.
    expect(Object.keys(env).filter((k) => k.includes('STS') || k.startsWith('LOCAL_FLEET'))).toEqual([]);
    expect(state.fleet).toBeUndefined();
    expect(state.env).toEqual(env);
    expect(state.pid).toBe(up.child.pid);
  });

  it('writes both state files readable by their owner only', () => {
    for (const file of ['env', 'endpoints.json']) {
      expect((statSync(join(up.dir, file)).mode & 0o777).toString(8), file).toBe('600');
    }
  });

  it('serves clusters, instances and log files to the real RDS client', async () => {
    const clusters = await rds.send(new DescribeDBClustersCommand({}));
    expect(clusters.DBClusters?.map((c) => c.DBClusterIdentifier).sort()).toEqual([
      'aurora-audit-1',
      'aurora-audit-2',
    ]);
    const instances = await rds.send(new DescribeDBInstancesCommand({}));
    expect(instances.DBInstances?.length).toBe(2);
    const instance = instances.DBInstances?.[0]?.DBInstanceIdentifier ?? '';
    const files = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
    expect(files.DescribeDBLogFiles?.some((f) => f.LogFileName?.startsWith('audit/'))).toBe(true);
  });

  it('downloads a log file with a signed GET and refuses wrong or missing signatures', async () => {
    const instance = state.clusters[0] ? `${state.clusters[0]}-instance-1` : '';
    const files = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
    // The oldest audit file has rotated: its size no longer changes.
    const audit = (files.DescribeDBLogFiles ?? [])
      .filter((f) => f.LogFileName?.startsWith('audit/'))
      .sort((a, b) => (a.LastWritten ?? 0) - (b.LastWritten ?? 0))[0];
    const name = audit?.LogFileName ?? '';
    const ok = await signedDownload(env, instance, name);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(audit?.Size);

    for (const wrong of [
      { secretAccessKey: 'not-the-secret' },
      { region: 'us-west-2' },
      { service: 's3' },
      { unsigned: true },
    ]) {
      const refused = await signedDownload(env, instance, name, wrong);
      expect(refused.status, JSON.stringify(wrong)).toBe(403);
      await refused.body?.cancel();
    }
  });

  it('injects and clears faults through local fault', async () => {
    const run = (...args: string[]) => up.fault(...args);
    expect((await run('empty-listing')).code).toBe(0);
    const instance = `${state.clusters[0]}-instance-1`;
    const empty = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
    expect(empty.DescribeDBLogFiles ?? []).toEqual([]);
    expect((await run('--clear')).code).toBe(0);
    const back = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
    expect(back.DescribeDBLogFiles?.length).toBeGreaterThan(0);
    expect((await run('no-such-fault')).code).toBe(2);
  });

  it('stops on SIGTERM: exits 0, removes its files and leaves no Java behind', async () => {
    expect(alive(state.dynamodbPid)).toBe(true);
    const exited = once(up.child, 'exit');
    up.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code, up.stderr()).toBe(0);
    expect(existsSync(join(up.dir, 'env'))).toBe(false);
    expect(existsSync(join(up.dir, 'endpoints.json'))).toBe(false);
    await waitUntil('Java to exit', () => !alive(state.dynamodbPid));
  });
});
