import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manualClock, type WorkloadOptions } from '../../local/rds-sim/index.js';
import { resolveWorkload } from '../../local/rds-sim/workload.js';
import { createWorld, type SimWorldInternal } from '../../local/rds-sim/world.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 2, 1, 10, 0);

function world(opts: WorkloadOptions, at = T0): { w: SimWorldInternal; advance: (ms: number) => void } {
  const clock = manualClock(at);
  return { w: createWorld(resolveWorkload(opts), clock), advance: (ms) => clock.advance(ms) };
}

function sha(w: SimWorldInternal, instance: string, name: string): string {
  const f = w.file(instance, name);
  return createHash('sha256')
    .update(w.bytes(instance, name, 0, f?.size ?? 0))
    .digest('hex');
}

function byName(w: SimWorldInternal, instance: string) {
  return new Map(w.listFiles(instance).map((f) => [f.name, f]));
}

describe('MariaDB audit plugin rename rotation (RDS MySQL, MariaDB)', () => {
  const opts: WorkloadOptions = {
    engines: ['mysql'],
    standaloneInstances: 1,
    historyHours: 0,
    logKinds: ['audit'],
    writerBytesPerSecond: 1000,
    auditRotateBytes: 20_000,
    auditRotations: 3,
  };

  it('writes audit/server_audit.log and rotates it at the size, on a whole entry', () => {
    const { w, advance } = world(opts);
    expect(w.listFiles('mysql-1').map((f) => f.name)).toEqual(['audit/server_audit.log']);
    advance(2 * MINUTE);
    const files = byName(w, 'mysql-1');
    expect([...files.keys()].sort()).toEqual([
      'audit/server_audit.log',
      'audit/server_audit.log.1',
      'audit/server_audit.log.2',
      'audit/server_audit.log.3',
    ]);
    for (const n of ['.1', '.2', '.3']) {
      const f = files.get(`audit/server_audit.log${n}`)!;
      // The plugin rotates before a write once the size is >= the limit: a little over it.
      expect(f.size).toBeGreaterThanOrEqual(20_000);
      expect(f.size).toBeLessThan(21_000);
      const bytes = w.bytes('mysql-1', f.name, 0, f.size);
      expect(bytes[bytes.length - 1]).toBe(0x0a);
    }
  });

  it('shifts every rotated file up one number, keeping bytes, size and LastWritten; the oldest falls off', () => {
    const { w, advance } = world(opts);
    advance(2 * MINUTE);
    const before = byName(w, 'mysql-1');
    const one = before.get('audit/server_audit.log.1')!;
    const oneSha = sha(w, 'mysql-1', one.name);
    const threeSha = sha(w, 'mysql-1', 'audit/server_audit.log.3');
    // Step the clock until the next rotation: `.1` changes.
    let steps = 0;
    while (w.file('mysql-1', 'audit/server_audit.log.1')?.lastWritten === one.lastWritten) {
      advance(1000);
      steps += 1;
      expect(steps).toBeLessThan(100);
    }
    const after = byName(w, 'mysql-1');
    const two = after.get('audit/server_audit.log.2')!;
    expect({ size: two.size, lastWritten: two.lastWritten }).toEqual({
      size: one.size,
      lastWritten: one.lastWritten,
    });
    expect(sha(w, 'mysql-1', two.name)).toBe(oneSha);
    expect(after.has('audit/server_audit.log.4')).toBe(false);
    const shas = [...after.keys()].map((n) => sha(w, 'mysql-1', n));
    expect(shas).not.toContain(threeSha);
  });

  it('zero-pads the suffix with 10 or more rotations, and never rotates with 0', () => {
    const padded = world({ ...opts, auditRotations: 10 });
    padded.advance(5 * MINUTE);
    const names = padded.w.listFiles('mysql-1').map((f) => f.name);
    expect(names).toContain('audit/server_audit.log.01');
    expect(names).toContain('audit/server_audit.log.10');
    expect(names).not.toContain('audit/server_audit.log.1');
    expect(names).toHaveLength(11);
    const never = world({ ...opts, auditRotations: 0 });
    never.advance(5 * MINUTE);
    const files = never.w.listFiles('mysql-1');
    expect(files.map((f) => f.name)).toEqual(['audit/server_audit.log']);
    expect(files[0]!.size).toBeGreaterThan(200_000);
  });

  it('writes the plugin format: YYYYMMDD HH:MM:SS, the host name, table names in object', () => {
    const { w, advance } = world(opts);
    advance(MINUTE);
    const text = w.bytes('mysql-1', 'audit/server_audit.log', 0, 20_000).toString('latin1');
    const lines = text.split('\n').slice(0, -1);
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{8} \d\d:\d\d:\d\d,ip-10-\d+-\d+-\d+,\w+,[\d.]+,\d+,\d+,[A-Z_]+,\w+,('.*'|\w+|),\d+$/,
      );
    }
    expect(lines.some((l) => /,(READ|WRITE|ALTER),\w+,\w+,0$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("\\'"))).toBe(true);
  });
});

describe('hourly MySQL logs whose names come back every day', () => {
  it('names a rotated hour after the UTC hour it was rotated at, 24 names, new content a day later', () => {
    const { w, advance } = world({
      engines: ['mysql'],
      standaloneInstances: 1,
      historyHours: 30,
      logKinds: ['error', 'slowquery'],
      writerBytesPerSecond: 200,
    });
    const names = w.listFiles('mysql-1').map((f) => f.name);
    const slow = names.filter((n) => n.startsWith('slowquery/'));
    expect(slow).toContain('slowquery/mysql-slowquery.log');
    expect(slow).toHaveLength(25);
    // Hour 09:00-10:00 was rotated at 10:00: `.10`, last written before 10:00.
    const ten = w.file('mysql-1', 'slowquery/mysql-slowquery.log.10')!;
    expect(ten.lastWritten).toBeLessThanOrEqual(T0);
    expect(ten.lastWritten).toBeGreaterThan(T0 - MINUTE);
    const first = sha(w, 'mysql-1', ten.name);
    advance(24 * HOUR);
    const again = w.file('mysql-1', 'slowquery/mysql-slowquery.log.10')!;
    expect(again.lastWritten).toBeGreaterThan(T0 + 23 * HOUR);
    expect(sha(w, 'mysql-1', again.name)).not.toBe(first);
  });

  it('flushes the error log every 5 minutes: the rest is in error/mysql-error.log', () => {
    const { w, advance } = world({
      engines: ['mysql'],
      standaloneInstances: 1,
      historyHours: 0,
      logKinds: ['error'],
      writerBytesPerSecond: 20_000,
    });
    advance(7 * MINUTE);
    const running = w.file('mysql-1', 'error/mysql-error-running.log')!;
    const recent = w.file('mysql-1', 'error/mysql-error.log')!;
    expect(running.lastWritten).toBe(T0 + 5 * MINUTE);
    expect(recent.size).toBeGreaterThan(0);
    const recentBytes = w.bytes('mysql-1', 'error/mysql-error.log', 0, recent.size);
    advance(3 * MINUTE);
    const flushed = w.file('mysql-1', 'error/mysql-error-running.log')!;
    // What mysql-error.log held is now the running log's tail.
    expect(w.bytes('mysql-1', flushed.name, running.size, running.size + recent.size)).toEqual(recentBytes);
    expect(flushed.size).toBeGreaterThanOrEqual(running.size + recent.size);
  });
});

describe('PostgreSQL log rotation', () => {
  const base: WorkloadOptions = {
    engines: ['postgres'],
    standaloneInstances: 1,
    historyHours: 0,
    writerBytesPerSecond: 200,
  };

  it('rotates by age into postgresql.log.YYYY-MM-DD-HH (RDS) and -HHMM (Aurora)', () => {
    const rds = world(base);
    rds.advance(2 * HOUR + 5 * MINUTE);
    expect(rds.w.listFiles('postgres-1').map((f) => f.name)).toEqual([
      'error/postgresql.log.2026-03-01-10',
      'error/postgresql.log.2026-03-01-11',
      'error/postgresql.log.2026-03-01-12',
    ]);
    const aurora = world({ ...base, engines: ['aurora-postgresql'], clusters: 1, instancesPerCluster: 1 });
    aurora.advance(HOUR + MINUTE);
    expect(aurora.w.listFiles('aurora-pg-1-instance-1').map((f) => f.name)).toEqual([
      'error/postgresql.log.2026-03-01-1000',
      'error/postgresql.log.2026-03-01-1100',
    ]);
  });

  it('opens a new file at the size only when the name changes; csvlog writes a .csv beside it', () => {
    const minute = world({ ...base, pgLogFilename: 'minute', pgRotationSizeKb: 100, pgCsvlog: true });
    minute.advance(HOUR);
    const names = minute.w.listFiles('postgres-1').map((f) => f.name);
    const logs = names.filter((n) => !n.endsWith('.csv'));
    // 200 B/s reaches 100 kB in about 8.5 minutes: several files within the hour.
    expect(logs.length).toBeGreaterThanOrEqual(6);
    expect(names.filter((n) => n.endsWith('.csv')).length).toBeGreaterThanOrEqual(4);
    const hour = world({ ...base, pgRotationSizeKb: 100 });
    hour.advance(50 * MINUTE);
    const files = hour.w.listFiles('postgres-1');
    // Same name after a size rotation: PostgreSQL appends to it.
    expect(files.map((f) => f.name)).toEqual(['error/postgresql.log.2026-03-01-10']);
    expect(files[0]!.size).toBeGreaterThan(100 * 1024);
  });

  it('keeps files rds.log_retention_period minutes after their last write', () => {
    const { w, advance } = world({ ...base, pgRetentionMinutes: 90 });
    advance(4 * HOUR);
    // 11:00-12:00 was last written just before 12:00: gone at 13:30.
    expect(w.listFiles('postgres-1').map((f) => f.name)).toEqual([
      'error/postgresql.log.2026-03-01-12',
      'error/postgresql.log.2026-03-01-13',
      'error/postgresql.log.2026-03-01-14',
    ]);
  });

  it('writes the RDS prefix, multi-line statements and pgAudit entries; csvlog rows with the column list', () => {
    const { w, advance } = world({ ...base, pgCsvlog: true });
    advance(30 * MINUTE);
    const text = w.bytes('postgres-1', 'error/postgresql.log.2026-03-01-10', 0, 60_000).toString('latin1');
    const lines = text.split('\n').slice(0, -1);
    for (const line of lines) {
      expect(line).toMatch(
        /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:[\d.]*(\(\d+\))?:\w*@\w*:\[\d+\]:[A-Z]+: {2}|\t)/,
      );
    }
    expect(lines.some((l) => l.includes('LOG:  AUDIT: SESSION,'))).toBe(true);
    expect(lines.some((l) => l.startsWith('\t'))).toBe(true);
    const csv = w.bytes('postgres-1', 'error/postgresql.log.2026-03-01-10.csv', 0, 4000).toString('latin1');
    expect(csv).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC,"\w+","\w+",\d+,"[\d.]+:\d+",/);
    // Every row has the 26 columns of PostgreSQL 14+, quoted fields holding commas and newlines.
    const rows = csvRecords(csv).slice(0, -1);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row).toHaveLength(26);
    expect(rows.some((row) => row[13]?.includes('\n'))).toBe(true);
  });
});

describe('retention as each engine documents it', () => {
  it('drops Aurora audit files 24 h after their last write but keeps error logs for 30 days', () => {
    const { w } = world({ clusters: 1, instancesPerCluster: 1, historyHours: 30, writerBytesPerSecond: 50 });
    const names = w.listFiles('aurora-audit-1-instance-1').map((f) => f.name);
    expect(names.some((n) => n.includes('2026-02-28-09-00'))).toBe(false);
    expect(names.some((n) => n.includes('2026-02-28-10-00'))).toBe(true);
    expect(names).toContain('error/mysql-error-running.log.2026-02-28.04');
  });

  it('drops MariaDB slow query logs after 24 h and RDS PostgreSQL logs after 3 days', () => {
    const maria = world({
      engines: ['mariadb'],
      standaloneInstances: 1,
      historyHours: 48,
      logKinds: ['slowquery'],
      writerBytesPerSecond: 50,
    });
    expect(maria.w.listFiles('mariadb-1')).toHaveLength(25);
    const pg = world({
      engines: ['postgres'],
      standaloneInstances: 1,
      historyHours: 80,
      writerBytesPerSecond: 50,
    });
    const names = pg.w.listFiles('postgres-1').map((f) => f.name);
    expect(names[0]).toBe('error/postgresql.log.2026-02-26-10');
    expect(names).toHaveLength(73);
  });
});

describe('names never change on Aurora', () => {
  it('keeps whole-hour names with a fractional history, before and after the history window', () => {
    const { w, advance } = world({
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 0.5,
      writerBytesPerSecond: 50,
    });
    const seen = new Map<string, string>();
    for (let step = 0; step < 30; step++) {
      for (const f of w.listFiles('aurora-audit-1-instance-1')) {
        if (!f.name.startsWith('audit/')) continue;
        expect(f.name).toMatch(/\.\d{4}-\d\d-\d\d-\d\d-00\.1$/);
        const head = w.bytes('aurora-audit-1-instance-1', f.name, 0, 200).toString('latin1');
        if (seen.has(f.name) && f.size >= 200) expect(head).toBe(seen.get(f.name));
        if (f.size >= 200) seen.set(f.name, head);
      }
      advance(HOUR);
    }
    expect(seen.has('audit/audit.log.0.2026-03-01-09-00.1')).toBe(true);
  });
});

describe('forced rotation and replaced content', () => {
  it('rotates an Aurora writer now: the file stops, the next one is named after now', () => {
    const { w, advance } = world({
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 0,
      logKinds: ['audit'],
    });
    advance(10 * MINUTE);
    expect(w.rotate('aurora-audit-1-instance-1', 'audit.log.2.')).toEqual([
      'audit/audit.log.2.2026-03-01-10-00.1',
    ]);
    const stopped = w.file('aurora-audit-1-instance-1', 'audit/audit.log.2.2026-03-01-10-00.1')!;
    advance(MINUTE);
    expect(w.file('aurora-audit-1-instance-1', stopped.name)).toMatchObject({ size: stopped.size });
    expect(w.file('aurora-audit-1-instance-1', 'audit/audit.log.2.2026-03-01-10-10.2')!.size).toBeGreaterThan(
      0,
    );
    // The other writers go on.
    expect(w.listFiles('aurora-audit-1-instance-1').filter((f) => f.name.includes('.0.'))).toHaveLength(1);
  });

  it('rotates PostgreSQL now only when the log_filename stamp opens another name', () => {
    const hourly = world({ engines: ['postgres'], standaloneInstances: 1, historyHours: 0 });
    hourly.advance(10 * MINUTE + 30_000);
    expect(hourly.w.rotate('postgres-1')).toEqual([]);
    expect(hourly.w.listFiles('postgres-1').map((f) => f.name)).toEqual([
      'error/postgresql.log.2026-03-01-10',
    ]);
    const aurora = world({
      engines: ['aurora-postgresql'],
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 0,
    });
    aurora.advance(10 * MINUTE + 30_000);
    expect(aurora.w.rotate('aurora-pg-1-instance-1')).toEqual(['error/postgresql.log.2026-03-01-1000']);
    expect(aurora.w.listFiles('aurora-pg-1-instance-1').map((f) => f.name)).toEqual([
      'error/postgresql.log.2026-03-01-1000',
      'error/postgresql.log.2026-03-01-1010',
    ]);
  });

  it('renames MariaDB audit files now, and gives a name other content on demand', () => {
    const { w, advance } = world({
      engines: ['mariadb'],
      standaloneInstances: 1,
      historyHours: 0,
      logKinds: ['audit'],
    });
    advance(MINUTE);
    const live = w.file('mariadb-1', 'audit/server_audit.log')!;
    const liveSha = sha(w, 'mariadb-1', live.name);
    expect(w.rotate('mariadb-1')).toEqual(['audit/server_audit.log']);
    expect(w.file('mariadb-1', 'audit/server_audit.log.1')).toMatchObject({
      size: live.size,
      lastWritten: live.lastWritten,
    });
    expect(sha(w, 'mariadb-1', 'audit/server_audit.log.1')).toBe(liveSha);
    w.replaceContent('mariadb-1', 'audit/server_audit.log.1');
    expect(w.file('mariadb-1', 'audit/server_audit.log.1')?.size).toBe(live.size);
    expect(sha(w, 'mariadb-1', 'audit/server_audit.log.1')).not.toBe(liveSha);
  });
});

describe('quiet periods', () => {
  it('let a live file go quiet for minutes, then grow again', () => {
    const { w, advance } = world({
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 0,
      logKinds: ['audit'],
      quietPeriods: true,
    });
    // Writer 0's live file: the newest `audit.log.0.` one.
    const live = () =>
      w
        .listFiles('aurora-audit-1-instance-1')
        .filter((f) => f.name.startsWith('audit/audit.log.0.'))
        .sort((a, b) => a.lastWritten - b.lastWritten)
        .at(-1)!;
    let quietFor = 0;
    let longest = 0;
    let grewAfter = false;
    let last = live();
    for (let step = 0; step < 6 * 60; step++) {
      advance(MINUTE);
      const now = live();
      if (now.name === last.name && now.size === last.size) {
        quietFor += 1;
        longest = Math.max(longest, quietFor);
      } else {
        if (quietFor >= 5) grewAfter = true;
        quietFor = 0;
      }
      last = now;
    }
    expect(longest).toBeGreaterThanOrEqual(5);
    expect(grewAfter).toBe(true);
  });
});

/** The records of CSV text (RFC 4180 quoting), as PostgreSQL's csvlog writes them. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  records.push([...record, field]);
  return records;
}
