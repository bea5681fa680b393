import { describe, expect, it } from 'vitest';
import {
  type ArchiveMessage,
  formatArchiveMessage,
  MalformedMessageError,
  parseArchiveMessage,
} from '../../core/messages.js';

const valid: Omit<ArchiveMessage, 'v'> = {
  cluster: 'orders-db',
  instance: 'orders-db-1',
  logFileName: 'audit/audit.log.0.2024-10-01-12-00.1',
  generation: 2,
};

/** Version 1 also carried the listing's figures (still read: messages in flight at an upgrade). */
const v1 = { v: 1, ...valid, listedSize: 104_857_600, lastWritten: Date.UTC(2024, 9, 1, 12, 59) };

/** A body with one field replaced (or removed when the value is `undefined`). */
function bodyWith(field: string, value: unknown, base: Record<string, unknown> = { v: 2, ...valid }): string {
  const data: Record<string, unknown> = { ...base, [field]: value };
  if (value === undefined) delete data[field];
  return JSON.stringify(data);
}

/** The error parseArchiveMessage throws for a body (fails the test if it accepts it). */
function rejection(body: string): MalformedMessageError {
  try {
    parseArchiveMessage(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedMessageError);
    return error as MalformedMessageError;
  }
  throw new Error(`expected ${body} to be rejected`);
}

describe('archive messages', () => {
  describe('round trip', () => {
    it('parses what formatArchiveMessage writes, adding version 2', () => {
      expect(parseArchiveMessage(formatArchiveMessage(valid))).toEqual({ v: 2, ...valid });
      expect(JSON.parse(formatArchiveMessage(valid))).toEqual({ v: 2, ...valid });
    });

    it('writes only the file and generation, whatever else the caller holds', () => {
      const record = { ...valid, listedSize: 2 ** 52, lastWritten: 1, s3Key: 'x' };
      expect(JSON.parse(formatArchiveMessage(record))).toEqual({ v: 2, ...valid });
    });

    it('reads a version 1 message as the same work, its listing figures checked and dropped', () => {
      expect(parseArchiveMessage(JSON.stringify(v1))).toEqual({ v: 2, ...valid });
      expect(parseArchiveMessage(JSON.stringify({ ...v1, listedSize: 2 ** 52 }))).toEqual({ v: 2, ...valid });
    });

    it('names a content item in version 3 (stream and content id), a file in version 2 as before', () => {
      const content = {
        ...valid,
        logFileName: 'audit/server_audit.log',
        stream: 'audit/server_audit.log',
        contentId: '20241001T120000123Z',
      };
      expect(JSON.parse(formatArchiveMessage(content))).toEqual({ v: 3, ...content });
      expect(parseArchiveMessage(formatArchiveMessage(content))).toEqual({ v: 3, ...content });
      expect(formatArchiveMessage(valid)).toBe(
        '{"v":2,"cluster":"orders-db","instance":"orders-db-1","logFileName":"audit/audit.log.0.2024-10-01-12-00.1","generation":2}',
      );
      const v3 = { v: 3, ...content };
      expect(rejection(bodyWith('contentId', '2024-10-01', v3)).message).toBe(
        'contentId "2024-10-01" is not valid',
      );
      expect(rejection(bodyWith('stream', undefined, v3)).message).toBe('stream must be a non-empty string');
    });

    it('keeps hostile but control-free file names intact', () => {
      for (const logFileName of ['../../etc/passwd', 'audit/ünï 日本 %.log', '/x', 'audit/..']) {
        expect(parseArchiveMessage(formatArchiveMessage({ ...valid, logFileName })).logFileName).toBe(
          logFileName,
        );
      }
    });

    it('accepts the boundary values', () => {
      const edge = {
        ...valid,
        cluster: `a${'b'.repeat(62)}`,
        instance: 'i',
        logFileName: 'x'.repeat(512),
        generation: 1,
      };
      expect(parseArchiveMessage(formatArchiveMessage(edge))).toEqual({ v: 2, ...edge });
    });

    it('ignores unknown extra fields', () => {
      expect(parseArchiveMessage(bodyWith('extra', 'x'))).toEqual({ v: 2, ...valid });
    });
  });

  describe('malformed bodies', () => {
    it.each([
      ['non-JSON', 'not json {', /not JSON: "not json \{"/],
      ['empty', '', /not JSON/],
      ['an array', '[1,2]', /not a JSON object/],
      ['null', 'null', /not a JSON object/],
      ['a string', '"hello"', /not a JSON object/],
      ['a number', '42', /not a JSON object/],
    ])('rejects a body that is %s', (_what, body, reason) => {
      expect(rejection(body).message).toMatch(reason);
    });

    it('quotes at most 80 characters of a non-JSON body', () => {
      const message = rejection(`x${'y'.repeat(10_000)}`).message;
      expect(message.length).toBeLessThan(120);
    });

    it.each([
      [undefined, 'unsupported message version undefined'],
      [4, 'unsupported message version 4'],
      ['2', 'unsupported message version "2"'],
      [0, 'unsupported message version 0'],
    ])('rejects version %j', (v, reason) => {
      expect(rejection(bodyWith('v', v)).message).toBe(reason);
    });

    it.each(['cluster', 'instance', 'logFileName', 'generation'])(
      'rejects a message missing %s, naming it',
      (field) => {
        expect(rejection(bodyWith(field, undefined)).message).toMatch(new RegExp(`^${field} must be`));
      },
    );

    it.each(['listedSize', 'lastWritten'])('rejects a version 1 message missing %s, as before', (field) => {
      expect(rejection(bodyWith(field, undefined, v1)).message).toMatch(new RegExp(`^${field} must be`));
    });

    it.each([
      ['generation', 0, 'generation must be a whole number >= 1'],
      ['generation', 1.5, 'generation must be a whole number >= 1'],
      ['generation', '2', 'generation must be a whole number >= 1'],
    ])('rejects %s = %j', (field, value, reason) => {
      expect(rejection(bodyWith(field, value)).message).toBe(reason);
    });

    it.each([
      ['listedSize', -1, 'listedSize must be a whole number >= 0'],
      ['listedSize', 0.5, 'listedSize must be a whole number >= 0'],
      ['listedSize', 2 ** 53, 'listedSize must be a whole number >= 0'],
      ['lastWritten', -5, 'lastWritten must be a whole number >= 0'],
      ['lastWritten', null, 'lastWritten must be a whole number >= 0'],
    ])('rejects a version 1 message with %s = %j', (field, value, reason) => {
      expect(rejection(bodyWith(field, value, v1)).message).toBe(reason);
    });

    it.each([
      ['logFileName', 'audit/a\u0000b'],
      ['logFileName', 'audit/line\nbreak'],
      ['logFileName', 'audit/del\u007f'],
      ['cluster', 'orders\tdb'],
      ['instance', 'orders-db-1\r'],
    ])('rejects control characters in %s', (field, value) => {
      expect(rejection(bodyWith(field, value)).message).toBe(`${field} holds control characters`);
    });

    it.each([
      ['cluster', '1orders'],
      ['cluster', 'orders_db'],
      ['cluster', '../x'],
      ['instance', 'orders db'],
      ['instance', `a${'b'.repeat(63)}`],
      ['instance', 'ørders'],
    ])('rejects the bad identifier %s = %j', (field, value) => {
      expect(rejection(bodyWith(field, value)).message).toBe(
        `${field} ${JSON.stringify(value)} is not valid`,
      );
    });

    it.each([
      ['cluster', ''],
      ['logFileName', ''],
      ['logFileName', 42],
      ['instance', ['orders-db-1']],
    ])('rejects a non-string or empty %s', (field, value) => {
      expect(rejection(bodyWith(field, value)).message).toBe(`${field} must be a non-empty string`);
    });

    it('rejects an oversized file name, saying how long it is', () => {
      expect(rejection(bodyWith('logFileName', 'x'.repeat(513))).message).toBe(
        'logFileName is 513 characters long, more than 512',
      );
    });

    it('sets the error name for logs and instanceof-free checks', () => {
      expect(rejection('[]').name).toBe('MalformedMessageError');
    });
  });
});
