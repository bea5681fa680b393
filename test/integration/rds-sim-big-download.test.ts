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

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
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

    const pid = child!.pid!;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 50);
    const started = Date.now();
    let got: Awaited<ReturnType<typeof drainBody>>;
    try {
      const res = await signedDownload(
        { url, region: 'us-east-1', credentials: [DEFAULT_SIM_CREDENTIALS] },
        INSTANCE,
        NAME,
        {
          version: 'v19',
        },
      );
      expect(res.status).toBe(200);
      got = await drainBody(res);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssBytes(pid));
    const seconds = (Date.now() - started) / 1000;

    const expected = (await (
      await fetch(`${url}/_sim/sha256?instance=${INSTANCE}&name=${encodeURIComponent(NAME)}`)
    ).json()) as { sha256: string };
    const stats = (await (await fetch(`${url}/_sim/state`)).json()) as { stats: Record<string, number> };
    console.log(
      `[rds-sim big download] ${BIG_BYTES} bytes in ${seconds.toFixed(1)} s ` +
        `(${(BIG_BYTES / 1024 ** 2 / seconds).toFixed(0)} MiB/s); simulator RSS baseline ` +
        `${(baseline / 1024 ** 2).toFixed(1)} MiB, peak ${(peak / 1024 ** 2).toFixed(1)} MiB`,
    );
    expect(got.bytes).toBe(BIG_BYTES);
    expect(got.sha256).toBe(expected.sha256);
    expect(stats.stats.downloadBytes).toBe(BIG_BYTES);
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
  }, 300_000);
});
