import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CREDENTIALS } from '../../local/rds-sim/index.js';
import { drainBody, signedDownload } from '../support/sim-client.js';

// Size of the file pushed through the simulator; RDS_SIM_BIG_BYTES makes it smaller or larger.
const BIG_BYTES = Number(process.env.RDS_SIM_BIG_BYTES ?? 3 * 1024 ** 3);
const RSS_LIMIT_BYTES = 250 * 1024 * 1024;
const INSTANCE = 'aurora-audit-1-instance-1';
const NAME = 'audit/audit.log.0.2026-03-01-10-00.99';

/**
 * The peak resident set of a live process (VmHWM): kept by the kernel, so it is exact however
 * rarely a loaded machine would have let a sampler look.
 */
function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe('RDS simulator in a child process', () => {
  let child: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/rds-sim/main.ts', '--clusters', '1', '--history-hours', '0'],
      {
        cwd: new URL('../..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout! });
    url = await new Promise<string>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`simulator exited early (${code})`)));
      lines.once('line', (line) => resolve(line.trim()));
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('streams a multi-GB file completely while its memory stays small', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const added = await fetch(`${url}/_sim/files`, {
      method: 'POST',
      body: JSON.stringify({ instance: INSTANCE, name: NAME, size: BIG_BYTES }),
    });
    expect(added.status).toBe(200);

    const res = await signedDownload(
      { url, region: 'us-east-1', credentials: [DEFAULT_SIM_CREDENTIALS] },
      INSTANCE,
      NAME,
      { version: 'v19' },
    );
    expect(res.status).toBe(200);
    const got = await drainBody(res);
    // The simulator's peak over its whole life so far, start-up and this download included.
    const peak = peakRssBytes(child!.pid!);

    const expected = (await (
      await fetch(`${url}/_sim/sha256?instance=${INSTANCE}&name=${encodeURIComponent(NAME)}`)
    ).json()) as { sha256: string };
    const stats = (await (await fetch(`${url}/_sim/state`)).json()) as { stats: Record<string, number> };
    expect(got.bytes).toBe(BIG_BYTES);
    expect(got.sha256).toBe(expected.sha256);
    expect(stats.stats.downloadBytes).toBe(BIG_BYTES);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
  });
});
