import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { fileHour } from '../../core/log-files.js';
import { escapeSegment, type ObjectKeyInput, objectKey, UnsafeKeyError } from '../../core/s3-keys.js';
import { seededRandom, validEnv } from '../support/factories.js';

const NAME = 'audit/audit.log.0.2024-10-01-12-00.1';

function key(overrides: Partial<ObjectKeyInput> = {}): string {
  const logFileName = overrides.logFileName ?? NAME;
  return objectKey({
    layout: 'seed',
    prefix: '',
    cluster: 'orders-db',
    instance: 'orders-db-1',
    logFileName,
    hour: fileHour(logFileName, Date.UTC(2024, 9, 2, 5, 40)),
    ...overrides,
  });
}

/** Every property a key must have whatever the names it is built from. */
function expectSafe(k: string, prefix = ''): void {
  expect(k.startsWith(prefix)).toBe(true);
  expect(k.startsWith('/')).toBe(false);
  const segments = k.split('/');
  expect(segments).not.toContain('..');
  expect(segments).not.toContain('.');
  expect(segments).not.toContain('');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  expect(k).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(Buffer.byteLength(k)).toBeLessThanOrEqual(1024);
}

describe('objectKey', () => {
  describe('seed layout', () => {
    it('is exactly {cluster}/audit/{YYYY}/{MM}/{DD}/{HH}/{instance}/{file basename}.gz, hour from the name', () => {
      // LastWritten is the next day: the name's timestamp decides the hour.
      expect(key()).toBe('orders-db/audit/2024/10/01/12/orders-db-1/audit.log.0.2024-10-01-12-00.1.gz');
    });

    it('keeps the Aurora names seen in the wild readable', () => {
      expect(key({ logFileName: 'audit/audit.log.3.2023-04-19-10-58.10986' })).toBe(
        'orders-db/audit/2023/04/19/10/orders-db-1/audit.log.3.2023-04-19-10-58.10986.gz',
      );
    });

    it('uses the log type in place of audit for other logs', () => {
      expect(key({ logFileName: 'error/mysql-error-running.log.2024-10-01.07' })).toBe(
        'orders-db/error/2024/10/01/07/orders-db-1/mysql-error-running.log.2024-10-01.07.gz',
      );
    });

    it('files PostgreSQL logs (listed under error/) under their own type, postgresql', () => {
      expect(key({ logFileName: 'error/postgresql.log.2024-10-01-07' })).toBe(
        'orders-db/postgresql/2024/10/01/07/orders-db-1/postgresql.log.2024-10-01-07.gz',
      );
      // A directory RDS never writes, literally called postgresql, cannot collide with them.
      expect(key({ logFileName: 'postgresql/postgresql.log.2024-10-01-07' })).toBe(
        'orders-db/!postgresql/2024/10/01/07/orders-db-1/postgresql.log.2024-10-01-07.gz',
      );
    });

    it('files PostgreSQL csvlog files under a segment of their own, postgresql-csvlog', () => {
      for (const [name, hour] of [
        ['error/postgresql.log.2024-10-01-0730.csv', '07'],
        ['error/postgresql.log.2024-10-01-07.csv', '07'],
        ['error/postgresql.log.2024-10-01.csv', '00'],
      ] as const) {
        expect(key({ logFileName: name })).toBe(
          `orders-db/postgresql-csvlog/2024/10/01/${hour}/orders-db-1/${name.slice('error/'.length)}.gz`,
        );
      }
      // The stderr twin of the same hour stays under postgresql: the two never share a prefix.
      expect(key({ logFileName: 'error/postgresql.log.2024-10-01-07' })).toMatch(/^orders-db\/postgresql\//);
      // A content key of the csv stream (no rotating family has one today) would follow its stream.
      expect(
        key({
          logFileName: 'error/postgresql.log.2024-10-01-07.csv',
          content: { stream: 'error/postgresql.log.2024-10-01-07.csv', contentId: '20241001T070000000Z' },
        }),
      ).toMatch(/^orders-db\/postgresql-csvlog\//);
      // A directory RDS never writes, literally called postgresql-csvlog, cannot collide with them.
      expect(key({ logFileName: 'postgresql-csvlog/postgresql.log.2024-10-01-07.csv' })).toBe(
        'orders-db/!postgresql-csvlog/2024/10/01/07/orders-db-1/postgresql.log.2024-10-01-07.csv.gz',
      );
    });

    it('keeps every other key as it was: a .csv name of another type is not csvlog', () => {
      expect(key({ logFileName: 'error/mysql-error-running.log.csv' })).toMatch(/^orders-db\/error\//);
      expect(key({ logFileName: 'audit/audit.log.0.2024-10-01-12-00.1' })).toBe(
        'orders-db/audit/2024/10/01/12/orders-db-1/audit.log.0.2024-10-01-12-00.1.gz',
      );
    });

    it('uses the LastWritten hour for a name without a timestamp', () => {
      expect(key({ logFileName: 'audit/server_audit.log.1' })).toBe(
        'orders-db/audit/2024/10/02/05/orders-db-1/server_audit.log.1.gz',
      );
    });

    it('pads the year to four digits and uses UTC', () => {
      expect(key({ hour: Date.UTC(999, 0, 2, 3) })).toBe(
        'orders-db/audit/0999/01/02/03/orders-db-1/audit.log.0.2024-10-01-12-00.1.gz',
      );
    });
  });

  describe('hive layout', () => {
    it('is cluster=/log_type=/dt=YYYY-MM-DD-HH/instance=/{basename}.gz', () => {
      expect(key({ layout: 'hive' })).toBe(
        'cluster=orders-db/log_type=audit/dt=2024-10-01-12/instance=orders-db-1/audit.log.0.2024-10-01-12-00.1.gz',
      );
      expect(key({ layout: 'hive', logFileName: 'error/postgresql.log.2024-10-01-12' })).toBe(
        'cluster=orders-db/log_type=postgresql/dt=2024-10-01-12/instance=orders-db-1/postgresql.log.2024-10-01-12.gz',
      );
      expect(key({ layout: 'hive', logFileName: 'error/postgresql.log.2024-10-01-12.csv' })).toBe(
        'cluster=orders-db/log_type=postgresql-csvlog/dt=2024-10-01-12/instance=orders-db-1/postgresql.log.2024-10-01-12.csv.gz',
      );
      expect(key({ layout: 'hive', logFileName: 'postgresql-csvlog/x.csv' })).toBe(
        'cluster=orders-db/log_type=!postgresql-csvlog/dt=2024-10-02-05/instance=orders-db-1/x.csv.gz',
      );
    });
  });

  describe('prefix', () => {
    it.each([
      ['rds-logs/', 'rds-logs/'],
      ['rds-logs', 'rds-logs/'],
      ['a/b/', 'a/b/'],
      ['', ''],
    ])('puts %j in front as %j', (prefix, expected) => {
      expect(key({ prefix })).toBe(
        `${expected}orders-db/audit/2024/10/01/12/orders-db-1/audit.log.0.2024-10-01-12-00.1.gz`,
      );
      expect(key({ prefix, layout: 'hive' }).startsWith(`${expected}cluster=orders-db/`)).toBe(true);
    });

    it.each(['/abs', '../up', 'a/../b', 'a/..', './a', 'a/./b', 'ctl\u0001/'])(
      'refuses the unsafe prefix %j',
      (prefix) => {
        expect(() => key({ prefix })).toThrow(UnsafeKeyError);
      },
    );

    it('accepts every prefix the configuration accepts', () => {
      for (const prefix of ['rds-logs', 'team a/logs/', 'ünïcode', 'v1.2/x']) {
        const configured = loadConfig(validEnv({ ARCHIVER_KEY_PREFIX: prefix }), 'discover').keyPrefix;
        expect(key({ prefix: configured }).startsWith(configured)).toBe(true);
      }
    });
  });

  describe('hostile names', () => {
    const hostile = [
      '../../etc/passwd',
      'audit/..',
      'audit/.',
      'audit/../../x',
      '/etc/passwd',
      '//x',
      '/',
      '',
      '..',
      '.',
      'audit/',
      'audit/a\u0000b',
      'audit/line\nbreak',
      'audit/tab\tand\u007fdel',
      'audit/with space.log',
      'audit/ünïcödé-日本.log',
      'audit/100%.log',
      'audit/%2E%2E',
      'audit/!',
      'audit\\..\\..\\win',
      'audit/a/b/c/../../d',
    ];

    it.each(hostile)('makes a safe key inside the prefix from %j', (logFileName) => {
      for (const layout of ['seed', 'hive'] as const) {
        expectSafe(key({ logFileName, layout, prefix: 'p/' }), 'p/');
        expectSafe(key({ logFileName, layout }));
      }
    });

    it('makes safe keys from hostile cluster and instance names', () => {
      for (const name of ['..', '.', '', '/', 'a/../b', 'x\u0000', 'ü %']) {
        expectSafe(key({ cluster: name, instance: name, prefix: 'p/' }), 'p/');
      }
    });

    it('gives distinct keys to all the hostile names', () => {
      const keys = hostile.map((logFileName) => key({ logFileName }));
      expect(new Set(keys).size).toBe(hostile.length);
    });

    it.each([
      ['audit/a/x.log', 'audit/b/x.log'],
      ['x.log', 'other/x.log'],
      ['x.log', '/x.log'],
      ['audit/', 'audit/\u0000'],
      ['audit/.', 'audit/%2E'],
      ['../../etc/passwd', '../x/etc/passwd'],
      ['error/postgresql.log.2024-10-01-07.csv', 'postgresql-csvlog/postgresql.log.2024-10-01-07.csv'],
      ['error/postgresql.log.2024-10-01-07.csv', 'postgresql/postgresql.log.2024-10-01-07.csv'],
    ])('keeps %j and %j apart', (a, b) => {
      expect(key({ logFileName: a })).not.toBe(key({ logFileName: b }));
    });

    it('refuses (rather than truncates) a key longer than S3 allows', () => {
      expect(() => key({ logFileName: `audit/${'日'.repeat(200)}` })).toThrow(UnsafeKeyError);
    });
  });

  describe('injectivity', () => {
    // Alphabet weighted towards the characters that make escaping hard.
    const alphabet = [
      'a',
      'B',
      '0',
      '.',
      '.',
      '/',
      '/',
      '%',
      '!',
      '-',
      '_',
      ' ',
      '~',
      '\u0000',
      '\n',
      'é',
      '日',
      '😀',
      '2',
      'E',
      'F',
    ];

    function randomName(random: () => number): string {
      const length = Math.floor(random() * 10);
      // Half in audit/, some in the directories whose segments names alone may give (postgresql,
      // postgresql-csvlog), some PostgreSQL names, csv ones included.
      const directories = ['audit/', 'audit/', 'error/postgresql.log.', 'postgresql-csvlog/', 'postgresql/'];
      let name = random() < 0.5 ? (directories[Math.floor(random() * directories.length)] ?? '') : '';
      for (let i = 0; i < length; i++) name += alphabet[Math.floor(random() * alphabet.length)];
      return random() < 0.2 ? `${name}.csv` : name;
    }

    it('never maps two distinct generated names to one key (seeded, 20,000 names)', () => {
      const random = seededRandom(20_241_001);
      const seen = new Map<string, string>();
      let distinct = 0;
      for (let i = 0; i < 20_000; i++) {
        const name = randomName(random);
        for (const layout of ['seed', 'hive'] as const) {
          const k = `${layout}:${key({ logFileName: name, layout, hour: 0 })}`;
          const before = seen.get(k);
          if (before !== undefined) expect({ name, key: k }).toEqual({ name: before, key: k });
          else if (layout === 'seed') distinct++;
          seen.set(k, name);
        }
      }
      // The generator really did produce many different names (including hostile ones).
      expect(distinct).toBeGreaterThan(10_000);
    });

    it('keeps every generated key safe', () => {
      const random = seededRandom(7);
      for (let i = 0; i < 2_000; i++)
        expectSafe(key({ logFileName: randomName(random), prefix: 'p/' }), 'p/');
    });
  });
});

describe('escapeSegment', () => {
  it('keeps [A-Za-z0-9._-] and percent-escapes every other UTF-8 byte', () => {
    expect(escapeSegment('audit.log-1_A')).toBe('audit.log-1_A');
    expect(escapeSegment('a b/%é')).toBe('a%20b%2F%25%C3%A9');
  });

  it('escapes . and .. and marks the empty segment', () => {
    expect(escapeSegment('.')).toBe('%2E');
    expect(escapeSegment('..')).toBe('%2E%2E');
    expect(escapeSegment('...')).toBe('...');
    expect(escapeSegment('')).toBe('!');
    expect(escapeSegment('\u0000')).toBe('%00');
  });

  it('is reversible: decoding gives back the segment', () => {
    const random = seededRandom(99);
    const chars = ['a', '.', '%', '/', ' ', 'é', '😀', '\u0001', '!'];
    for (let i = 0; i < 500; i++) {
      let s = '';
      const n = 1 + Math.floor(random() * 6);
      for (let j = 0; j < n; j++) s += chars[Math.floor(random() * chars.length)];
      expect(decodeURIComponent(escapeSegment(s))).toBe(s);
    }
  });
});
