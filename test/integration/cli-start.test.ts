import { describe, expect, it } from 'vitest';
import { CLI_BIN, spawnCollecting } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

/** The file count of the last progress line `start` wrote to stderr (one every 15 s off a terminal). */
function archivedSoFar(stderr: string): number {
  const counts = [...stderr.matchAll(/archived (\d+) files/g)].map((m) => Number(m[1]));
  return counts.at(-1) ?? 0;
}

describe('rds-log-archiver start (npm start)', () => {
  it('archives a simulated workload on its own stack and prints a summary on Ctrl-C', async () => {
    const run = spawnCollecting([
      CLI_BIN,
      'start',
      '--clusters',
      '1',
      '--instances',
      '1',
      '--history-hours',
      '1',
      // The simulated world on the real clock, not 60x it: at 60x a loaded machine downloads more
      // slowly than the standalone instances rename their rotating files, and contents keep moving
      // until their attempts run out (failed > 0) although nothing is wrong with the pipeline.
      '--speed',
      '1',
      // A safety net only: the test stops it as soon as its progress line shows the work done.
      '--duration',
      '1200',
      '--json',
      '--log-level',
      'info',
    ]);
    const { child, exited } = run;
    try {
      // One instance with an hour of history: its four writers' rotated files at least.
      await waitUntil(
        'start to report 4 archived files',
        () => child.exitCode !== null || archivedSoFar(run.stderr()) >= 4,
      );
      child.kill('SIGINT');
      expect(await exited, run.stderr()).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The whole of stdout is the one JSON document: progress and logs went to stderr.
    const summary = JSON.parse(run.stdout());
    expect(run.stderr()).toContain('Starting the local stack');
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
  });
});
