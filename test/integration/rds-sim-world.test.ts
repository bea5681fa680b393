import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  manualClock,
  type RdsSimulator,
  startRdsSimulator,
  type WorkloadOptions,
} from '../../local/rds-sim/index.js';
import { collect, drainBody, signedDownload } from '../support/sim-client.js';

const START = Date.UTC(2026, 2, 1, 10, 30);
const HOUR = 3_600_000;
const INSTANCE = 'aurora-audit-1-instance-1';

describe('RDS simulator world', () => {
  const started: RdsSimulator[] = [];
  const start = async (workload: WorkloadOptions = {}, at = START) => {
    const sim = await startRdsSimulator({ clock: manualClock(at), workload: { clusters: 1, ...workload } });
    started.push(sim);
    return sim;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  it('is deterministic: same seed and clock give the same files and bytes, another seed does not', async () => {
    const a = await start({ seed: 7 });
    const b = await start({ seed: 7 });
    const c = await start({ seed: 8 });
    expect(a.world.listFiles(INSTANCE)).toEqual(b.world.listFiles(INSTANCE));
    const name = a.world.listFiles(INSTANCE)[0]!.name;
    const [sa, sb, sc] = await Promise.all([
      a.world.sha256(INSTANCE, name),
      b.world.sha256(INSTANCE, name),
      c.world.sha256(INSTANCE, name),
    ]);
    expect(sa).toBe(sb);
    expect(sc).not.toBe(sa);
  });

  it('serves over HTTP exactly the bytes that read() and sha256() describe, for any range', async () => {
    const sim = await start();
    const files = sim.world.listFiles(INSTANCE);
    const file = files.find((f) => f.name.startsWith('slowquery/'))!;
    const served = Buffer.from(await (await signedDownload(sim, INSTANCE, file.name)).arrayBuffer());
    expect(served.length).toBe(file.size);
    expect(served).toEqual(await collect(sim.world.read(INSTANCE, file.name)));
    expect(served.subarray(70_000, 200_001)).toEqual(
      await collect(sim.world.read(INSTANCE, file.name, { start: 70_000, end: 200_001 })),
    );
    const audit = files.find((f) => f.name.startsWith('audit/'))!;
    const got = await drainBody(await signedDownload(sim, INSTANCE, audit.name, { version: 'v19' }));
    expect(got).toMatchObject({ bytes: audit.size, sha256: await sim.world.sha256(INSTANCE, audit.name) });
  });

  it('gives different files different first bytes', async () => {
    const sim = await start();
    const names = sim.world.listFiles(INSTANCE).map((f) => f.name);
    const heads = await Promise.all(
      names.map(async (n) => (await collect(sim.world.read(INSTANCE, n, { end: 4096 }))).toString('hex')),
    );
    expect(new Set(heads).size).toBe(names.length);
  });

  it('writes realistic Aurora audit CSV, error and slow-query lines that gzip 5-15x', async () => {
    const sim = await start();
    const audit = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/'))!;
    const bytes = await collect(sim.world.read(INSTANCE, audit.name, { end: 2 * 1024 * 1024 }));
    const lines = bytes.toString('utf8').split('\n').slice(0, -1);
    for (const line of lines.slice(0, 500)) {
      // timestamp(us),serverhost,username,host,connectionid,queryid,operation,database,object,retcode
      // Table events carry the table in `object`; QUERY events the statement in quotes.
      expect(line).toMatch(/^\d{16},[\w-]+,\w+,[\d.a-z]+,\d+,\d+,[A-Z_]+,\w+,('.*'|\w+|),\d+$/);
    }
    expect(lines[0]!.split(',')[1]).toBe(INSTANCE);
    const ratio = bytes.length / gzipSync(bytes, { level: 6 }).length;
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(15);
    const error = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('error/'))!;
    expect((await collect(sim.world.read(INSTANCE, error.name, { end: 300 }))).toString()).toMatch(
      /^2026-03-01T\d\d:\d\d:\d\d\.\d{6}Z \d+ \[(Note|Warning)\] \[MY-\d+\] \[\w+\] /,
    );
    const slow = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('slowquery/'))!;
    expect((await collect(sim.world.read(INSTANCE, slow.name, { end: 300 }))).toString()).toMatch(
      /^# Time: 2026-03-01T.*\n# User@Host: /,
    );
  });

  it('has four audit writers per instance with Aurora names, plus hourly error and slow-query logs', async () => {
    const sim = await start({ historyHours: 0 });
    const names = sim.world.listFiles(INSTANCE).map((f) => f.name);
    // The live error and slow logs have no date; a rotated hour gets `.YYYY-MM-DD.HH` (Aurora).
    expect(names).toEqual([
      'audit/audit.log.0.2026-03-01-10-00.1',
      'audit/audit.log.1.2026-03-01-10-00.1',
      'audit/audit.log.2.2026-03-01-10-00.1',
      'audit/audit.log.3.2026-03-01-10-00.1',
      'error/mysql-error-running.log',
      'error/mysql-error.log',
      'slowquery/mysql-slowquery.log',
    ]);
  });

  it('grows live files with the clock and rotates them at the hour', async () => {
    const sim = await start({ historyHours: 0 });
    const before = sim.world.listFiles(INSTANCE);
    sim.clock.advance(60_000);
    const after = sim.world.listFiles(INSTANCE);
    for (const f of before.filter((g) => g.name.startsWith('audit/'))) {
      const now = after.find((g) => g.name === f.name)!;
      expect(now.size).toBeGreaterThan(f.size);
      // LastWritten is the moment the last whole entry was written: within the last second.
      expect(now.lastWritten).toBeLessThanOrEqual(START + 60_000);
      expect(now.lastWritten).toBeGreaterThan(START + 59_000);
    }
    sim.clock.advance(HOUR);
    const next = sim.world.listFiles(INSTANCE);
    const old = next.find((f) => f.name === 'audit/audit.log.0.2026-03-01-10-00.1')!;
    expect(old.lastWritten).toBeLessThanOrEqual(Date.UTC(2026, 2, 1, 11, 0));
    expect(old.lastWritten).toBeGreaterThan(Date.UTC(2026, 2, 1, 10, 59, 59));
    expect(next.map((f) => f.name)).toContain('audit/audit.log.0.2026-03-01-11-00.1');
    expect(next.map((f) => f.name)).toContain('error/mysql-error-running.log.2026-03-01.10');
    sim.clock.advance(60_000);
    expect(sim.world.listFiles(INSTANCE).find((f) => f.name === old.name)).toEqual(old);
  });

  it('rotates by size: files stop at rotateBytes and the next one starts', async () => {
    const sim = await start(
      { historyHours: 0, writerBytesPerSecond: 10_000, rotateBytes: 1_000_000 },
      Date.UTC(2026, 2, 1, 10, 0),
    );
    sim.clock.advance(10 * 60_000);
    const writer0 = sim.world.listFiles(INSTANCE).filter((f) => f.name.startsWith('audit/audit.log.0.'));
    expect(writer0.length).toBeGreaterThan(4);
    expect(writer0.map((f) => f.name.split('.').pop())).toEqual(expect.arrayContaining(['1', '2', '3']));
    // A file rotated by size ends on the first whole entry at or past the limit.
    const full = writer0.filter((f) => f.size >= 1_000_000);
    expect(full.length).toBe(writer0.length - 1);
    expect(writer0.every((f) => f.size < 1_000_000 + 4096)).toBe(true);
  });

  it('drops files after the retention period since they were last written', async () => {
    const sim = await start({ historyHours: 3, retentionHours: 2 });
    const first = sim.world.listFiles(INSTANCE);
    expect(first.some((f) => f.name.includes('2026-03-01-07-00'))).toBe(false);
    expect(first.some((f) => f.name.includes('2026-03-01-08-00'))).toBe(true);
    sim.clock.advance(HOUR);
    const later = sim.world.listFiles(INSTANCE);
    expect(later.some((f) => f.name.includes('2026-03-01-08-00'))).toBe(false);
    expect(later.some((f) => f.name.includes('2026-03-01-11-00'))).toBe(true);
  });

  it('lets tests add, grow and remove files of any size', async () => {
    const sim = await start({ logKinds: [] });
    expect(sim.world.listFiles(INSTANCE)).toEqual([]);
    sim.world.addFile(INSTANCE, 'audit/big', { size: 5 * 1024 ** 3 });
    sim.world.addFile(INSTANCE, 'audit/live', { size: 10, growing: true });
    sim.clock.advance(1000);
    const [big, live] = sim.world.listFiles(INSTANCE);
    expect(big).toEqual({ instance: INSTANCE, name: 'audit/big', size: 5 * 1024 ** 3, lastWritten: START });
    // A growing file grows by whole entries: up to the 2048 bytes written in that second.
    expect(live).toMatchObject({ instance: INSTANCE, name: 'audit/live', lastWritten: START + 1000 });
    expect(live!.size).toBeGreaterThan(10 + 1000);
    expect(live!.size).toBeLessThanOrEqual(10 + 2048);
    const tail = await collect(sim.world.read(INSTANCE, 'audit/big', { start: 5 * 1024 ** 3 - 100 }));
    expect(tail.length).toBe(100);
    const head = await collect(sim.world.read(INSTANCE, 'audit/big', { end: 1000 }));
    sim.world.setSize(INSTANCE, 'audit/big', 2000);
    expect(sim.world.listFiles(INSTANCE)[0]?.size).toBe(2000);
    expect((await collect(sim.world.read(INSTANCE, 'audit/big'))).subarray(0, 1000)).toEqual(head);
    sim.world.removeFile(INSTANCE, 'audit/big');
    expect(sim.world.listFiles(INSTANCE).map((f) => f.name)).toEqual(['audit/live']);
  });
});
