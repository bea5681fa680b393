import { describe, expect, it } from 'vitest';
import { fileHour, liveFileNames, logTypeOf, parseLogFileName } from '../../core/log-files.js';
import { auroraAuditName, HOUR, MINUTE } from '../support/factories.js';

describe('parseLogFileName', () => {
  describe('Aurora MySQL audit', () => {
    it('reads writer, timestamp and number', () => {
      expect(parseLogFileName('audit/audit.log.0.2024-10-01-12-00.1')).toEqual({
        name: 'audit/audit.log.0.2024-10-01-12-00.1',
        kind: 'aurora-audit',
        logType: 'audit',
        stream: 'audit/audit.log.0',
        startedAt: Date.UTC(2024, 9, 1, 12, 0),
        order: [1, Date.UTC(2024, 9, 1, 12, 0), 1],
      });
    });

    it('reads the other name seen in the wild (writer 3, large number)', () => {
      const parsed = parseLogFileName('audit/audit.log.3.2023-04-19-10-58.10986');
      expect(parsed.kind).toBe('aurora-audit');
      expect(parsed.stream).toBe('audit/audit.log.3');
      expect(parsed.startedAt).toBe(Date.UTC(2023, 3, 19, 10, 58));
      expect(parsed.order).toEqual([1, Date.UTC(2023, 3, 19, 10, 58), 10986]);
    });

    it('gives each writer its own stream', () => {
      const streams = [0, 1, 2, 3].map(
        (w) => parseLogFileName(auroraAuditName(w, Date.UTC(2024, 0, 1))).stream,
      );
      expect(new Set(streams).size).toBe(4);
    });
  });

  describe('MySQL hourly', () => {
    it('reads the error log hour', () => {
      const parsed = parseLogFileName('error/mysql-error-running.log.2024-10-01.12');
      expect(parsed).toMatchObject({
        kind: 'mysql-hourly',
        logType: 'error',
        stream: 'error/mysql-error-running.log',
        startedAt: Date.UTC(2024, 9, 1, 12),
      });
    });

    it('reads the slow query log hour', () => {
      const parsed = parseLogFileName('slowquery/mysql-slowquery.log.2024-10-01.07');
      expect(parsed).toMatchObject({
        kind: 'mysql-hourly',
        logType: 'slowquery',
        stream: 'slowquery/mysql-slowquery.log',
        startedAt: Date.UTC(2024, 9, 1, 7),
      });
    });
  });

  describe('PostgreSQL', () => {
    it('reads the RDS hourly form YYYY-MM-DD-HH', () => {
      expect(parseLogFileName('error/postgresql.log.2024-10-01-12')).toMatchObject({
        kind: 'postgresql',
        logType: 'postgresql',
        stream: 'error/postgresql.log',
        startedAt: Date.UTC(2024, 9, 1, 12),
      });
    });

    it('reads the Aurora form YYYY-MM-DD-HHMM', () => {
      expect(parseLogFileName('error/postgresql.log.2024-10-01-1230')).toMatchObject({
        kind: 'postgresql',
        stream: 'error/postgresql.log',
        startedAt: Date.UTC(2024, 9, 1, 12, 30),
      });
    });

    it('reads the daily form YYYY-MM-DD and the csvlog twins, a stream of their own', () => {
      expect(parseLogFileName('error/postgresql.log.2024-10-01')).toMatchObject({
        kind: 'postgresql',
        stream: 'error/postgresql.log',
        startedAt: Date.UTC(2024, 9, 1),
      });
      expect(parseLogFileName('error/postgresql.log.2024-10-01-12.csv')).toMatchObject({
        kind: 'postgresql',
        logType: 'postgresql',
        stream: 'error/postgresql.log.csv',
        startedAt: Date.UTC(2024, 9, 1, 12),
      });
    });
  });

  it('reads a numbered rotation, larger numbers being older', () => {
    const one = parseLogFileName('audit/server_audit.log.1');
    const two = parseLogFileName('audit/server_audit.log.2');
    expect(one).toMatchObject({
      kind: 'numbered-rotation',
      stream: 'audit/server_audit.log',
      startedAt: undefined,
    });
    expect(two.stream).toBe(one.stream);
    expect(one.order).toEqual([1, -1]);
    expect(two.order).toEqual([1, -2]);
  });

  it('reads a current (unsuffixed) file into the same stream as its rotations', () => {
    expect(parseLogFileName('error/mysql-error-running.log')).toMatchObject({
      kind: 'current',
      logType: 'error',
      stream: 'error/mysql-error-running.log',
      startedAt: undefined,
    });
    expect(parseLogFileName('audit/server_audit.log').stream).toBe('audit/server_audit.log');
  });

  it.each([
    'trace/alert_ORCL.log.2024-10-01',
    'log/ERROR',
    'audit/audit.log.0.2024-10-01-12-00',
    'weird name with spaces',
    '',
    '../../etc/passwd',
  ])('classifies %j as unknown, in a stream of its own', (name) => {
    const parsed = parseLogFileName(name);
    expect(parsed.kind).toBe('unknown');
    expect(parsed.startedAt).toBeUndefined();
    expect(parsed.stream).toBe(`?${name}`);
  });

  it.each([
    'audit/audit.log.0.2024-02-31-12-00.1',
    'audit/audit.log.0.2023-02-29-12-00.1',
    'audit/audit.log.0.2024-13-01-12-00.1',
    'audit/audit.log.0.2024-10-00-12-00.1',
    'audit/audit.log.0.2024-10-01-24-00.1',
    'audit/audit.log.0.2024-10-01-12-60.1',
    'error/mysql-error-running.log.2024-02-31.12',
    'error/mysql-error-running.log.2024-04-31.25',
    'error/postgresql.log.2024-02-30-12',
    'error/postgresql.log.2024-10-01-1275',
    // Two-digit-looking years would otherwise be read as 19xx by Date.UTC.
    'audit/audit.log.0.0024-10-01-12-00.1',
  ])('does not read an impossible date in %j as a timestamp', (name) => {
    const parsed = parseLogFileName(name);
    expect(parsed.startedAt).toBeUndefined();
    expect(parsed.kind).toBe('unknown');
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseLogFileName('audit/audit.log.1.2024-02-29-23-59.4').startedAt).toBe(
      Date.UTC(2024, 1, 29, 23, 59),
    );
  });
});

describe('logTypeOf', () => {
  it.each([
    ['audit/audit.log.0.2024-10-01-12-00.1', 'audit'],
    ['error/postgresql.log.2024-10-01-12', 'postgresql'],
    ['error/postgresql.log.2024-10-01-1230.csv', 'postgresql'],
    ['error/mysql-error-running.log.15', 'error'],
    ['slowquery/mysql-slowquery.log', 'slowquery'],
    ['general/mysql-general.log.2024-10-01.07', 'general'],
    ['postgresql/postgresql.log.2024-10-01-12', '!postgresql'],
    ['a/b/c.log', 'a'],
    ['bare.log', 'other'],
    ['/rooted.log', 'other'],
  ])('%j is of type %j', (name, type) => {
    expect(logTypeOf(name)).toBe(type);
  });
});

describe('liveFileNames', () => {
  const at = (h: number, m = 0) => Date.UTC(2024, 9, 1, h, m);

  it('picks the newest file of each of the four audit writers', () => {
    const names = [0, 1, 2, 3].flatMap((w) => [
      auroraAuditName(w, at(10), 1),
      auroraAuditName(w, at(11, 30), 2),
      auroraAuditName(w, at(12, w), 3),
    ]);
    const live = liveFileNames(names);
    expect(live).toEqual(new Set([0, 1, 2, 3].map((w) => auroraAuditName(w, at(12, w), 3))));
  });

  it('treats every rotated (older) file of a writer as final', () => {
    const older = auroraAuditName(0, at(10));
    const newer = auroraAuditName(0, at(11));
    expect(liveFileNames([older]).has(older)).toBe(true);
    expect(liveFileNames([newer, older]).has(older)).toBe(false);
  });

  it('orders by timestamp first, then by the number', () => {
    const a = auroraAuditName(2, at(12), 9);
    const b = auroraAuditName(2, at(12), 10);
    const c = auroraAuditName(2, at(11), 99_999);
    expect(liveFileNames([c, b, a])).toEqual(new Set([b]));
  });

  it('does not depend on listing order', () => {
    const names = [0, 1].flatMap((w) => [
      auroraAuditName(w, at(9)),
      auroraAuditName(w, at(12)),
      auroraAuditName(w, at(10)),
    ]);
    const forward = liveFileNames(names);
    expect(liveFileNames([...names].reverse())).toEqual(forward);
    expect(forward.size).toBe(2);
  });

  it('makes the current file live over its hourly and numbered rotations', () => {
    const live = liveFileNames([
      'error/mysql-error-running.log.2024-10-01.11',
      'error/mysql-error-running.log',
      'error/mysql-error-running.log.2024-10-01.12',
      'audit/server_audit.log.2',
      'audit/server_audit.log',
      'audit/server_audit.log.1',
    ]);
    expect(live).toEqual(new Set(['error/mysql-error-running.log', 'audit/server_audit.log']));
  });

  it('makes the newest hour live when no current file is listed', () => {
    const live = liveFileNames([
      'error/mysql-error-running.log.2024-10-01.12',
      'error/mysql-error-running.log.2024-10-01.13',
      'error/postgresql.log.2024-10-01-1230',
      'error/postgresql.log.2024-10-01-12',
    ]);
    expect(live).toEqual(
      new Set(['error/mysql-error-running.log.2024-10-01.13', 'error/postgresql.log.2024-10-01-1230']),
    );
  });

  it('keeps every unknown file live (its own stream): archived after settling, never dropped', () => {
    const names = ['trace/alert_ORCL.log.x', 'trace/other.trc'];
    expect(liveFileNames(names)).toEqual(new Set(names));
  });

  it('returns nothing for an empty listing', () => {
    expect(liveFileNames([]).size).toBe(0);
  });
});

describe('fileHour', () => {
  const lastWritten = Date.UTC(2024, 9, 2, 5, 17, 3, 9);

  it('takes the hour from the name when the name has a timestamp', () => {
    expect(fileHour('audit/audit.log.0.2024-10-01-12-59.1', lastWritten)).toBe(Date.UTC(2024, 9, 1, 12));
    expect(fileHour('error/postgresql.log.2024-10-01-1230', lastWritten)).toBe(Date.UTC(2024, 9, 1, 12));
    expect(fileHour('error/mysql-error-running.log.2024-10-01.07', lastWritten)).toBe(
      Date.UTC(2024, 9, 1, 7),
    );
  });

  it('uses the LastWritten hour for names without a usable timestamp', () => {
    const expected = Date.UTC(2024, 9, 2, 5);
    expect(fileHour('audit/server_audit.log.1', lastWritten)).toBe(expected);
    expect(fileHour('mystery/file', lastWritten)).toBe(expected);
    expect(fileHour('audit/audit.log.0.2024-02-31-12-00.1', lastWritten)).toBe(expected);
  });

  it('is already an hour boundary when given one', () => {
    expect(fileHour('x', 5 * HOUR)).toBe(5 * HOUR);
    expect(fileHour('x', 5 * HOUR - 1)).toBe(4 * HOUR);
  });

  it('floors times before the epoch downwards too', () => {
    expect(fileHour('x', -30 * MINUTE)).toBe(-HOUR);
  });
});
