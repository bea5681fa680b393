import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('rds-log-archiver start (npm start)', () => {
  it('archives a simulated workload on its own stack and prints a summary', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/rds-log-archiver.js',
        'start',
        '--clusters',
        '1',
        '--instances',
        '1',
        '--history-hours',
        '1',
        '--duration',
        '15',
        '--json',
      ],
      {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.slice(stdout.indexOf('{')));
    // One instance with an hour of history: its four writers' rotated files at least.
    expect(summary.filesArchived).toBeGreaterThanOrEqual(4);
    expect(summary.bytesIn).toBeGreaterThan(summary.bytesOut);
    expect(summary.failed).toBe(0);
    expect(summary.lost).toBe(0);
    expect(summary.dlq).toBe(0);
    expect(summary.bucket).toBe('start-archive');
  }, 90_000);
});
