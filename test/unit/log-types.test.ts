/**
 * Log types (core/log-types.ts): the names, which file belongs to which type, and how a selection
 * is read from ARCHIVER_LOG_TYPES, the deployment settings and `--log-type`.
 */

import { describe, expect, it } from 'vitest';
import {
  KEY_SEGMENTS,
  keySegmentOfName,
  LOG_TYPES,
  logTypeList,
  logTypeOfName,
  logTypeOfSegment,
  readLogTypeOption,
  selectsLogFile,
} from '../../core/log-types.js';

describe('logTypeOfName', () => {
  it.each([
    ['audit/audit.log.0.2024-10-01-12-00.1', 'audit'],
    ['audit/server_audit.log.3', 'audit'],
    ['error/mysql-error-running.log.15', 'error'],
    ['error/mysql-error-running.log.2024-10-01.15', 'error'],
    ['slowquery/mysql-slowquery.log', 'slowquery'],
    ['general/mysql-general.log.7', 'general'],
    ['error/postgresql.log.2024-10-01-12', 'postgresql'],
    ['error/postgresql.log.2024-10-01-1230', 'postgresql'],
    ['error/postgresql.log.2024-10-01', 'postgresql'],
    ['error/postgresql.log.2024-10-01-12.csv', 'postgresql'],
    ['trace/x.log', undefined],
    ['postgresql/postgresql.log.2024-10-01-12', undefined],
    ['bare.log', undefined],
  ])('%s is %s', (name, type) => {
    expect(logTypeOfName(name)).toBe(type);
  });
});

describe('a selection of log types', () => {
  const kind = logTypeList();

  it.each([
    ['audit', ['audit']],
    ['audit/', ['audit']],
    ['error , audit', ['audit', 'error']],
    // The prefix form means what it always meant: every file under the directory.
    ['audit/,error/', ['audit', 'error', 'postgresql']],
    ['postgresql', ['postgresql']],
    ['all', [...LOG_TYPES]],
    ['general,all,audit', [...LOG_TYPES]],
  ])('reads %j as %j', (text, types) => {
    expect(kind.fromText(text)).toEqual({ value: types });
    expect(kind.fromJson(text.split(','))).toEqual({ value: types });
  });

  it('writes the type names, which read back unchanged', () => {
    const read = kind.fromText('audit/,slowquery');
    if (!('value' in read)) throw new Error('unread');
    expect(kind.toText(read.value)).toBe('audit,slowquery');
    expect(kind.fromText(kind.toText(read.value))).toEqual(read);
  });

  it('refuses unknown types, listing the valid ones', () => {
    expect(kind.fromText('audit,slow,trace/')).toEqual({
      problem:
        '"slow", "trace/" are not log types: use audit, error, slowquery, general, postgresql or all (the prefix form audit/, error/, slowquery/, general/ still works)',
    });
    expect(kind.fromJson('audit')).toMatchObject({
      problem: expect.stringMatching(/^must be a list of log types/),
    });
    expect(kind.fromText(' , ')).toMatchObject({ problem: expect.stringMatching(/^must name at least one/) });
  });

  it('selects files by their type, PostgreSQL logs apart from MySQL error logs', () => {
    expect(selectsLogFile('error/postgresql.log.2024-10-01-12', ['error'])).toBe(false);
    expect(selectsLogFile('error/postgresql.log.2024-10-01-12', ['postgresql'])).toBe(true);
    expect(selectsLogFile('error/mysql-error-running.log.3', ['postgresql'])).toBe(false);
    expect(selectsLogFile('error/mysql-error-running.log.3', ['error'])).toBe(true);
    expect(selectsLogFile('audit/x', [])).toBe(false);
  });
});

describe('--log-type', () => {
  it('takes one type, or the prefix of one type', () => {
    expect(readLogTypeOption('postgresql')).toEqual({ value: 'postgresql' });
    expect(readLogTypeOption('audit/')).toEqual({ value: 'audit' });
    expect(readLogTypeOption('slowquery')).toEqual({ value: 'slowquery' });
  });

  it('refuses what names no single type', () => {
    expect(readLogTypeOption('slow')).toEqual({
      problem: '"slow" is not a log type: use one of audit, error, slowquery, general, postgresql',
    });
    expect(readLogTypeOption('all')).toMatchObject({ problem: expect.any(String) });
  });
});

describe('keySegmentOfName', () => {
  it.each([
    ['audit/audit.log.0.2024-10-01-12-00.1', 'audit'],
    ['error/mysql-error-running.log.15', 'error'],
    ['error/mysql-error-running.log.csv', 'error'],
    ['slowquery/mysql-slowquery.log', 'slowquery'],
    ['general/mysql-general.log.7', 'general'],
    ['error/postgresql.log.2024-10-01-12', 'postgresql'],
    ['error/postgresql.log.2024-10-01-1230', 'postgresql'],
    ['error/postgresql.log.2024-10-01-12.csv', 'postgresql-csvlog'],
    ['error/postgresql.log.2024-10-01-1230.csv', 'postgresql-csvlog'],
    ['error/postgresql.log.2024-10-01.csv', 'postgresql-csvlog'],
    ['postgresql/postgresql.log.2024-10-01-12.csv', undefined],
    ['postgresql-csvlog/postgresql.log.2024-10-01-12.csv', undefined],
    ['bare.csv', undefined],
  ])('%s is under %s', (name, segment) => {
    expect(keySegmentOfName(name)).toBe(segment);
  });

  it("is the name's log type's own, or a segment of that type: selections and reports still see the type", () => {
    for (const name of ['error/postgresql.log.2024-10-01-12', 'error/postgresql.log.2024-10-01-12.csv']) {
      const segment = keySegmentOfName(name);
      expect(segment).toBeDefined();
      expect(logTypeOfSegment(segment!)).toBe(logTypeOfName(name));
      // ARCHIVER_LOG_TYPES=postgresql selects both the stderr and the csv files.
      expect(selectsLogFile(name, ['postgresql'])).toBe(true);
    }
  });

  it('lists every segment once, each type before its own separate segments', () => {
    expect(KEY_SEGMENTS).toEqual([
      'audit',
      'error',
      'slowquery',
      'general',
      'postgresql',
      'postgresql-csvlog',
    ]);
    expect(new Set(KEY_SEGMENTS).size).toBe(KEY_SEGMENTS.length);
    for (const type of LOG_TYPES) expect(logTypeOfSegment(type)).toBe(type);
  });
});
