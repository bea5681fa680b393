import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/report.js';
import { CLI_BIN, runNode } from '../support/processes.js';

describe('bench command', () => {
  it('measures tiny transfers and a tiny discovery and prints the documented JSON shape', async () => {
    const { code, stdout, stderr } = await runNode([
      CLI_BIN,
      'bench',
      '--quick',
      '--json',
      '--sizes',
      '1,2',
      '--instances',
      '3',
      '--files',
      '20',
    ]);
    expect(code, stderr).toBe(0);
    // Progress goes to stderr, the document alone to stdout.
    expect(stderr).toContain('[bench] transfer 2 MB');
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.transfer.map((t) => t.sizeMB)).toEqual([1, 2]);
    for (const t of result.transfer) {
      for (const field of [
        'oursMBps',
        'gzipMBps',
        'baselineMBps',
        'oursPeakRssMB',
        'baselinePeakRssMB',
      ] as const) {
        expect(t[field], field).toBeGreaterThan(0);
      }
      // Simulated audit text compresses well; an uncompressed or empty object would not.
      expect(t.ratio).toBeGreaterThan(2);
      expect(t.oursVsGzip).toBeGreaterThan(0);
    }
    const d = result.discovery!;
    expect(d).toMatchObject({ instances: 3, files: 20 });
    expect(d.first.listed).toBe(60);
    expect(d.steady.listed).toBe(60);
    // Every file is new on the first run: at least one write each; none on the steady run but the
    // per-instance listing record, and discovery never touches S3.
    expect(d.first.dynamoWrites).toBeGreaterThanOrEqual(60);
    expect(d.steady.dynamoWrites).toBeLessThanOrEqual(3);
    expect(d.steady.sqsSends).toBe(0);
    expect(d.first.s3Requests + d.steady.s3Requests).toBe(0);
    expect(d.first.rdsRequests).toBeGreaterThan(0);
    expect(d.steady.seedHeadRequests).toBe(60);
  });

  it('documents its options in --help', async () => {
    const { code, stdout } = await runNode([CLI_BIN, 'bench', '--help']);
    expect(code).toBe(0);
    for (const option of [
      '--quick',
      '--sizes',
      '--json',
      '--instances',
      '--files',
      '--skip-transfer',
      '--skip-discovery',
    ]) {
      expect(stdout).toContain(option);
    }
  });
});
