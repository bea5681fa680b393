import { DescribeDBClustersCommand, DescribeDBLogFilesCommand } from '@aws-sdk/client-rds';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { collect, drainBody, signedDownload, simRdsClient } from '../support/sim-client.js';

const INSTANCE = 'aurora-audit-1-instance-1';
const OTHER = 'aurora-audit-1-instance-2';
const FILE = 'audit/audit.log.0.2026-03-01-09-00.1';
const SIZE = 300_000;

function code(xml: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
}

describe('RDS simulator faults', () => {
  let sim: RdsSimulator;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(Date.UTC(2026, 2, 1, 10, 0)),
      workload: { clusters: 1 },
    });
  });
  afterEach(() => {
    sim.faults.clear();
    for (const instance of [INSTANCE, OTHER]) sim.world.addFile(instance, FILE, { size: SIZE });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('throttles the Query API with 400 Throttling, which the SDK retries, counting down times', async () => {
    sim.world.addFile(INSTANCE, FILE, { size: SIZE });
    sim.faults.add({ kind: 'throttle', target: 'api', times: 2 });
    const before = sim.stats().DescribeDBLogFiles ?? 0;
    const retrying = simRdsClient(sim, { maxAttempts: 3 });
    const out = await retrying.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(out.DescribeDBLogFiles?.length).toBeGreaterThan(0);
    expect((sim.stats().DescribeDBLogFiles ?? 0) - before).toBe(3);
    expect(sim.faults.list()).toEqual([]);
    sim.faults.add({ kind: 'throttle', target: 'api', times: 1 });
    const once = simRdsClient(sim);
    await expect(once.send(new DescribeDBClustersCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    retrying.destroy();
    once.destroy();
  });

  it('throttles downloads with 429 ThrottlingException, only for the matching instance and file', async () => {
    sim.faults.add({ kind: 'throttle', target: 'download', instance: INSTANCE, file: 'audit.log.0.' });
    const hit = await signedDownload(sim, INSTANCE, FILE);
    expect(hit.status).toBe(429);
    expect(code(await hit.text())).toBe('ThrottlingException');
    const otherInstance = await signedDownload(sim, OTHER, FILE);
    expect(otherInstance.status).toBe(200);
    await drainBody(otherInstance);
    const rds = simRdsClient(sim);
    await expect(rds.send(new DescribeDBClustersCommand({}))).resolves.toBeDefined();
    rds.destroy();
  });

  it('answers server errors AWS-shaped, on the API and on downloads', async () => {
    sim.faults.add({ kind: 'server-error', status: 503, target: 'api', times: 1 });
    const rds = simRdsClient(sim);
    await expect(rds.send(new DescribeDBClustersCommand({}))).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    });
    rds.destroy();
    sim.faults.add({ kind: 'server-error', target: 'download', times: 1 });
    const res = await signedDownload(sim, INSTANCE, FILE);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/<Type>Receiver<\/Type><Code>InternalFailure<\/Code>/);
    const next = await signedDownload(sim, INSTANCE, FILE);
    expect(next.status).toBe(200);
    await drainBody(next);
  });

  it('resets the connection after N bytes', async () => {
    sim.faults.add({ kind: 'reset', afterBytes: 100_000, times: 1 });
    const res = await signedDownload(sim, INSTANCE, FILE);
    expect(res.status).toBe(200);
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of res.body!) received += chunk.length;
      })(),
    ).rejects.toThrow();
    expect(received).toBeLessThanOrEqual(100_000);
    const after = await drainBody(await signedDownload(sim, INSTANCE, FILE));
    expect(after.bytes).toBe(SIZE);
  });

  it('truncates the body cleanly after N bytes', async () => {
    sim.faults.add({ kind: 'truncate', afterBytes: 12_345, file: FILE });
    const res = await signedDownload(sim, INSTANCE, FILE);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(12_345);
    expect(body).toEqual(await collect(sim.world.read(INSTANCE, FILE, { end: 12_345 })));
  });

  it('streams slowly, in small pieces, yet completely', async () => {
    sim.faults.add({ kind: 'slow', bytesPerSecond: 400_000 });
    const res = await signedDownload(sim, INSTANCE, FILE);
    const got = await drainBody(res);
    expect(got.bytes).toBe(SIZE);
    expect(got.sha256).toBe(await sim.world.sha256(INSTANCE, FILE));
    // 20 KB pieces with a pause after each: the client sees the body in many reads.
    expect(got.reads).toBeGreaterThanOrEqual(10);
  });

  it('returns an empty listing on demand, once', async () => {
    sim.faults.add({ kind: 'empty-listing', instance: INSTANCE, times: 1 });
    const rds = simRdsClient(sim);
    const first = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(first.DescribeDBLogFiles ?? []).toEqual([]);
    const second = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(second.DescribeDBLogFiles?.length).toBeGreaterThan(0);
    rds.destroy();
  });

  it('makes a listed file vanish: 404 DBLogFileNotFoundFault, then gone from listings', async () => {
    expect(sim.world.listFiles(INSTANCE).some((f) => f.name === FILE)).toBe(true);
    sim.faults.add({ kind: 'vanish', file: FILE });
    const res = await signedDownload(sim, INSTANCE, FILE);
    expect(res.status).toBe(404);
    expect(code(await res.text())).toBe('DBLogFileNotFoundFault');
    const rds = simRdsClient(sim);
    const listed = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(listed.DescribeDBLogFiles?.some((f) => f.LogFileName === FILE)).toBe(false);
    rds.destroy();
  });

  it('grows a file while it is downloaded: the body is longer than the listed size', async () => {
    sim.faults.add({ kind: 'grow-during-download', growBytes: 5000, times: 1 });
    const res = await signedDownload(sim, INSTANCE, FILE);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(SIZE + 5000);
    expect(body).toEqual(await collect(sim.world.read(INSTANCE, FILE, { end: SIZE + 5000 })));
    expect(sim.world.listFiles(INSTANCE).find((f) => f.name === FILE)?.size).toBe(SIZE + 5000);
  });

  it('fails one file always with 500', async () => {
    sim.faults.add({ kind: 'always-fail', file: 'audit.log.0.2026-03-01-09' });
    for (let i = 0; i < 3; i++) {
      const res = await signedDownload(sim, INSTANCE, FILE);
      expect(res.status).toBe(500);
      await res.text();
    }
    const other = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/audit.log.1.'))!;
    const ok = await signedDownload(sim, INSTANCE, other.name);
    expect(ok.status).toBe(200);
    await drainBody(ok);
  });

  it('disables one download path as an unknown route, leaving the other', async () => {
    sim.faults.add({ kind: 'path-unavailable', version: 'v19' });
    const v19 = await signedDownload(sim, INSTANCE, FILE, { version: 'v19' });
    expect(v19.status).toBe(404);
    expect(code(await v19.text())).toBe('UnknownOperationException');
    const v13 = await signedDownload(sim, INSTANCE, FILE, { version: 'v13' });
    expect(v13.status).toBe(200);
    expect((await drainBody(v13)).bytes).toBe(SIZE);
  });

  it('answers unknown instances, files and routes with AWS 404s', async () => {
    const noInstance = await signedDownload(sim, 'ghost', FILE);
    expect([noInstance.status, code(await noInstance.text())]).toEqual([404, 'DBInstanceNotFound']);
    const noFile = await signedDownload(sim, INSTANCE, 'audit/none');
    expect([noFile.status, code(await noFile.text())]).toEqual([404, 'DBLogFileNotFoundFault']);
    const noRoute = await signedDownload(sim, INSTANCE, FILE, { version: 'v99' as 'v13' });
    expect([noRoute.status, code(await noRoute.text())]).toEqual([404, 'UnknownOperationException']);
  });

  it('takes faults over the /_sim control plane, in the CLI syntax or as JSON', async () => {
    const post = async (body: unknown) =>
      (
        await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) })
      ).json() as Promise<{
        id?: string;
        error?: string;
      }>;
    const a = await post({ spec: 'truncate:afterBytes=10,times=1' });
    const b = await post({ kind: 'throttle', target: 'download' });
    expect(a.id).toBeTruthy();
    expect(b.id).toBeTruthy();
    expect((await post({ spec: 'explode:now=1' })).error).toMatch(/unknown fault kind/);
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { faults: unknown[]; now: number };
    expect(state.faults).toHaveLength(2);
    await fetch(`${sim.url}/_sim/faults/${b.id}`, { method: 'DELETE' });
    expect((await (await signedDownload(sim, INSTANCE, FILE)).arrayBuffer()).byteLength).toBe(10);
    await post({ spec: 'always-fail' });
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    expect(sim.faults.list()).toEqual([]);
    const advanced = (await (
      await fetch(`${sim.url}/_sim/clock/advance`, { method: 'POST', body: JSON.stringify({ ms: 60_000 }) })
    ).json()) as { now: number };
    expect(advanced.now).toBe(state.now + 60_000);
  });
});
