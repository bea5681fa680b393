import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/report.js';
import { CLI_BIN, runNode } from '../support/processes.js';

describe('bench command', () => {
  it('measures tiny transfers of both logs and tiny discoveries (Aurora, RDS MySQL) and prints the documented JSON shape', async () => {
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
      '--log',
      'audit,postgresql',
    ]);
    expect(code, stderr).toBe(0);
    // Progress goes to stderr, the document alone to stdout.
    expect(stderr).toContain('[bench] transfer postgresql 2 MB');
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.machine.cpus).toBeGreaterThan(0);
    // Each log at every size, in one run.
    expect(result.transfer.map((t) => [t.log, t.sizeMB])).toEqual([
      ['audit', 1],
      ['audit', 2],
      ['postgresql', 1],
      ['postgresql', 2],
    ]);
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
    if (!('first' in d)) throw new Error('expected the one-account discovery passes');
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

    // Beside it, as many RDS MySQL instances, whose audit plugin renames files on rotation.
    const m = result.discoveryMysql!;
    expect(m).toMatchObject({ engine: 'mysql', instances: 3, rotations: 20 });
    // 3 h of audit log at the simulator's rate fill most of the 20 rotated names of each instance.
    expect(m.first.listed).toBeGreaterThanOrEqual(3 * 15);
    expect(m.steady.listed).toBe(m.first.listed);
    // Every content is new on the first run: at least one write each.
    expect(m.first.dynamoWrites).toBeGreaterThanOrEqual(m.first.listed);
    // Nothing changed: the per-instance listing record only, nothing sent.
    expect(m.steady.dynamoWrites).toBeLessThanOrEqual(3);
    expect(m.steady.sqsSends).toBe(0);
    // One rotation per instance renamed every rotated file (15 or more per instance). What the
    // rotation itself must record, per instance: the listing record, the discovery lease, the new
    // live content, the old live content now final (queued, one message), the content that fell
    // off the end. Nothing for a content that only changed its name.
    expect(m.rotated.renamed).toBeGreaterThanOrEqual(3 * 14);
    expect(m.rotated.dynamoWrites).toBeLessThanOrEqual(3 * 5);
    expect(m.rotated.enqueued).toBe(3);
    expect(m.first.s3Requests + m.steady.s3Requests + m.rotated.s3Requests).toBe(0);
  });

  it('discovers an organisation of accounts and Regions with the budget on and reports discovery.fleet', async () => {
    const { code, stdout, stderr } = await runNode([
      CLI_BIN,
      'bench',
      '--json',
      '--skip-transfer',
      '--accounts',
      '2',
      '--regions',
      'us-east-1,eu-west-1',
      '--instances',
      '8',
      '--files',
      '3',
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.transfer).toEqual([]);
    expect(result.discoveryMysql).toBeNull();
    const d = result.discovery!;
    if (!('fleet' in d)) throw new Error('expected the fleet-scale discovery');
    const f = d.fleet;
    expect(f).toMatchObject({
      accounts: 2,
      regions: ['us-east-1', 'eu-west-1'],
      places: 4,
      instances: 8,
      files: 3,
    });
    expect(f.accountBudget).toEqual({ burst: 300, perSecond: 12 });
    // The bound is computed from the archiver's share of it (the defaults of ARCHIVER_RDS_API_*).
    expect(f.budget).toEqual({ burst: 150, perSecond: 6 });
    // Every instance of every place listed in both rounds; nothing surfaced.
    expect(f.skippedInstances).toBe(0);
    // Every instance holds its writers' live files topped up to --files, or more if it has more writers.
    expect(f.listed).toBeGreaterThanOrEqual(8 * 3);
    expect(f.steady.skippedInstances).toBe(0);
    expect(f.surfacedErrors + f.steady.surfacedErrors).toBe(0);
    expect(f.perPlace.map((p) => `${p.account}/${p.region}`)).toHaveLength(4);
    expect(new Set(f.perPlace.map((p) => p.account)).size).toBe(2);
    for (const place of f.perPlace) {
      expect(place.instances).toBe(2);
      // At least a log file listing per instance, read in that place's own account and Region.
      expect(place.rdsRequests).toBeGreaterThanOrEqual(2);
    }
    expect(f.rdsRequests).toBe(f.perPlace.reduce((n, p) => n + p.rdsRequests, 0));
    // Every file is new in the first round: at least one write each; the steady round writes
    // far less (the listing record per instance, and files an hour boundary may have added).
    expect(f.dynamoWrites).toBeGreaterThanOrEqual(8 * 3);
    expect(f.steady.dynamoWrites).toBeLessThan(f.dynamoWrites);
    // Far under any budget: no place had to wait.
    expect(f.budgetBoundSeconds).toBe(0);
    expect(f.vsBound).toBeNull();
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
      '--accounts',
      '--regions',
    ]) {
      expect(stdout).toContain(option);
    }
  });
});
