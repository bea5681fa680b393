import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { writeStateFiles } from '../../local/env-file.js';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';

const MINUTE = 60_000;

describe('local fault --rotate / --replace against a running simulator', () => {
  let sim: RdsSimulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(Date.UTC(2026, 2, 1, 10, 0)),
      workload: { engines: ['mysql'], standaloneInstances: 1, historyHours: 0, logKinds: ['audit'] },
    });
    sim.clock.advance(MINUTE);
    dir = await mkdtemp(join(tmpdir(), 'sim-fault-'));
    // Only the simulator runs here: the state file names it as `local up` would.
    await writeStateFiles(dir, {
      pid: process.pid,
      dynamodbPid: 0,
      startedAt: new Date().toISOString(),
      region: sim.region,
      endpoints: {
        rds: sim.url,
        dynamodb: 'http://127.0.0.1:1',
        sqs: 'http://127.0.0.1:1',
        s3: 'http://127.0.0.1:1',
      },
      names: { table: 't', queueUrl: 'q', dlqUrl: 'd', bucket: 'b' },
      clusters: [],
      env: {},
    });
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = async (...argv: string[]) => {
    const { io, out, err } = bufferIo();
    const code = await main(['local', 'fault', ...argv, '--state-dir', dir], io);
    return { code, out: out(), err: err() };
  };

  it('rotates an instance log now and gives a name other content', async () => {
    const live = sim.world.listFiles('mysql-1')[0]!;
    const rotated = await cli('--rotate', 'mysql-1:server_audit');
    expect(rotated).toMatchObject({ code: 0, out: 'rotated: audit/server_audit.log\n' });
    expect(sim.world.listFiles('mysql-1').find((f) => f.name === 'audit/server_audit.log.1')).toMatchObject({
      size: live.size,
      lastWritten: live.lastWritten,
    });
    const before = await sim.world.sha256('mysql-1', 'audit/server_audit.log.1');
    expect((await cli('--replace', 'mysql-1:audit/server_audit.log.1')).code).toBe(0);
    expect(await sim.world.sha256('mysql-1', 'audit/server_audit.log.1')).not.toBe(before);
  });

  it('refuses a malformed target or two actions at once with a usage error, and an unknown instance', async () => {
    expect((await cli('--replace', 'mysql-1')).code).toBe(2);
    expect((await cli('--rotate', 'mysql-1', '--clear')).code).toBe(2);
    const unknown = await cli('--rotate', 'ghost-1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/refused \(400\).*ghost-1/);
  });
});
