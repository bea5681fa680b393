import { describe, expect, it } from 'vitest';
import { ENGINES, manualClock, type WorkloadOptions } from '../../local/rds-sim/index.js';
import { resolveWorkload } from '../../local/rds-sim/workload.js';
import { createWorld, type SimWorldInternal } from '../../local/rds-sim/world.js';

const T0 = Date.UTC(2026, 2, 1, 10, 17, 23);
const FLEET: WorkloadOptions = {
  engines: [...ENGINES],
  clusters: 1,
  instancesPerCluster: 1,
  standaloneInstances: 1,
  historyHours: 3,
  writerBytesPerSecond: 300,
  logKinds: ['audit', 'error', 'slowquery', 'general'],
  auditRotateBytes: 200_000,
  pgCsvlog: true,
  pgRotationSizeKb: 300,
  quietPeriods: true,
};

function fleet(opts: WorkloadOptions = FLEET): SimWorldInternal {
  return createWorld(resolveWorkload(opts), manualClock(T0));
}

function mariadbMs(stamp: string): number {
  const m = /^(\d{4})(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  if (!m) throw new Error(`bad timestamp ${stamp}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

describe('simulated log content, every engine', () => {
  it('ends every file (rotated or live) on a whole line', () => {
    const w = fleet();
    let checked = 0;
    for (const instance of w.instances()) {
      for (const f of w.listFiles(instance.id)) {
        if (f.size === 0) continue;
        const last = w.bytes(instance.id, f.name, f.size - 1, f.size);
        expect(last[0], `${instance.id} ${f.name}`).toBe(0x0a);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('dates Aurora audit lines within each file and rising per writer', () => {
    const w = fleet();
    const instance = 'aurora-audit-1-instance-1';
    for (let writer = 0; writer < 4; writer++) {
      const files = w
        .listFiles(instance)
        .filter((f) => f.name.startsWith(`audit/audit.log.${writer}.`))
        .map((f) => w.file(instance, f.name)!)
        .sort((a, b) => a.content.startMs - b.content.startMs);
      expect(files.length).toBeGreaterThanOrEqual(4);
      let previous = 0;
      const wrong: string[] = [];
      for (const f of files) {
        const lines = w.bytes(instance, f.name, 0, f.size).toString('latin1').split('\n').slice(0, -1);
        for (const line of lines) {
          const [us, host] = line.split(',');
          const ms = Number(us) / 1000;
          if (host !== instance || ms < f.content.startMs || ms > f.lastWritten + 1 || ms < previous) {
            wrong.push(`${f.name} [${f.content.startMs}, ${f.lastWritten}] after ${previous}: ${line}`);
          }
          previous = ms;
        }
      }
      expect(wrong.slice(0, 3)).toEqual([]);
    }
  });

  it('dates MariaDB audit plugin lines within each file and rising across renamed files', () => {
    const w = fleet();
    for (const instance of ['mysql-1', 'mariadb-1']) {
      const files = w
        .listFiles(instance)
        .filter((f) => f.name.startsWith('audit/'))
        .map((f) => w.file(instance, f.name)!)
        .sort((a, b) => a.content.startMs - b.content.startMs);
      expect(files.length).toBe(10);
      let previous = 0;
      const wrong: string[] = [];
      for (const f of files) {
        const lines = w.bytes(instance, f.name, 0, f.size).toString('latin1').split('\n').slice(0, -1);
        for (const line of lines) {
          const ms = mariadbMs(line.slice(0, 17));
          // Second resolution: the line's second lies within the file's lifetime.
          const first = Math.floor(f.content.startMs / 1000) * 1000;
          if (ms < first || ms > f.lastWritten || ms < previous) {
            wrong.push(`${f.name} [${f.content.startMs}, ${f.lastWritten}] after ${previous}: ${line}`);
          }
          previous = ms;
        }
      }
      expect(wrong.slice(0, 3)).toEqual([]);
    }
  });

  it('is deterministic: the same seed gives the same files and bytes, another seed other bytes', () => {
    const a = fleet();
    const b = fleet();
    const c = fleet({ ...FLEET, seed: 2 });
    for (const instance of a.instances()) {
      const files = a.listFiles(instance.id);
      expect(b.listFiles(instance.id)).toEqual(files);
      const big = files.reduce((x, y) => (y.size > x.size ? y : x));
      const range: [number, number] = [Math.max(0, big.size - 300_000), big.size];
      expect(b.bytes(instance.id, big.name, ...range).equals(a.bytes(instance.id, big.name, ...range))).toBe(
        true,
      );
      expect(c.bytes(instance.id, big.name, 0, 4096).equals(a.bytes(instance.id, big.name, 0, 4096))).toBe(
        false,
      );
    }
  });
});
