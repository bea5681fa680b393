import { describe, expect, it } from 'vitest';
import { CLI_BIN, runNode } from '../support/processes.js';

describe('rds-log-archiver start (npm start)', () => {
  it('archives a simulated workload on its own stack and prints a summary', async () => {
    const { code, stdout, stderr } = await runNode([
      CLI_BIN,
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
      '--log-level',
      'info',
    ]);
    expect(code, stderr).toBe(0);
    // The whole of stdout is the one JSON document: progress and logs went to stderr.
    const summary = JSON.parse(stdout);
    expect(stderr).toContain('Starting the local stack');
    // One instance with an hour of history: its four writers' rotated files at least.
    expect(summary.filesArchived).toBeGreaterThanOrEqual(4);
    expect(summary.bytesIn).toBeGreaterThan(summary.bytesOut);
    expect(summary.failed).toBe(0);
    expect(summary.lost).toBe(0);
    expect(summary.dlq).toBe(0);
    expect(summary.bucket).toBe('start-archive');
    // The mixed fleet, summed by engine and log type from the ledger.
    const rows: Array<{ engine: string; logType: string }> = summary.byEngineAndLogType;
    expect(new Set(rows.map((r) => r.engine))).toEqual(
      new Set(['aurora-mysql', 'mysql', 'mariadb', 'postgres', 'aurora-postgresql']),
    );
    expect(rows.filter((r) => r.engine === 'postgres').map((r) => r.logType)).toEqual(['postgresql']);
    expect(rows.filter((r) => r.engine === 'mysql').map((r) => r.logType)).toEqual([
      'audit',
      'error',
      'slowquery',
    ]);
  }, 90_000);
});
