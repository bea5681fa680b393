import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { credentialsDecision, REFRESH_MARGIN_MS } from '../../core/fleet/assumed-credentials.js';
import {
  formatSourceAccounts,
  readSourceAccounts,
  type SourceAccount,
  sourcePlaces,
} from '../../core/fleet/source-accounts.js';
import { keys } from '../../core/ledger/records.js';
import { archiveMessageFor, formatArchiveMessage, parseArchiveMessage } from '../../core/messages.js';
import { matchesFilter } from '../../core/operations/filters.js';
import { objectKey } from '../../core/s3-keys.js';

const MEMBER = '210987654321';
const ROLE = `arn:aws:iam::${MEMBER}:role/rds-log-archiver-member`;
const member: SourceAccount = {
  account: MEMBER,
  roleArn: ROLE,
  externalId: `rds-log-archiver-${MEMBER}`,
  regions: ['us-east-1', 'eu-west-1'],
  clusters: [],
  clusterTag: { key: 'archive', value: 'yes' },
  instances: [],
};

describe('credentialsDecision', () => {
  const now = 1_000_000_000;
  it('assumes when nothing is cached, or the cache was marked stale', () => {
    expect(credentialsDecision(undefined, now)).toBe('assume');
    expect(credentialsDecision({ expiration: now + 3_600_000, stale: true }, now)).toBe('assume');
  });
  it('reuses until the margin before expiry, then assumes again', () => {
    expect(credentialsDecision({ expiration: now + REFRESH_MARGIN_MS + 1 }, now)).toBe('reuse');
    expect(credentialsDecision({ expiration: now + REFRESH_MARGIN_MS }, now)).toBe('assume');
    expect(credentialsDecision({ expiration: now - 1 }, now)).toBe('assume');
    expect(credentialsDecision({ expiration: now + 60_000 }, now, 30_000)).toBe('reuse');
  });
});

describe('ARCHIVER_SOURCE_ACCOUNTS', () => {
  it('reads what it writes, tags as key=value', () => {
    const text = formatSourceAccounts([member]);
    expect(JSON.parse(text)[0].clusterTag).toBe('archive=yes');
    expect(readSourceAccounts(JSON.parse(text))).toEqual({ value: [member] });
  });

  it('gives one place per account and region', () => {
    expect(sourcePlaces([member]).map((p) => `${p.account}/${p.region}`)).toEqual([
      `${MEMBER}/us-east-1`,
      `${MEMBER}/eu-west-1`,
    ]);
  });

  it('reports every problem of every entry, naming the account', () => {
    const read = readSourceAccounts([
      { account: '12345', regions: ['us-east-1'], clusters: ['a'] },
      { account: MEMBER, roleArn: 'arn:aws:iam::111111111111:role/x', regions: [], clusters: ['a'] },
      {
        account: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/x',
        externalId: 'e1',
        regions: ['us-east-1'],
      },
      { ...JSON.parse(formatSourceAccounts([member]))[0], colour: 'blue' },
    ]);
    expect('problem' in read && read.problem).toEqual(
      [
        'entry 1: "account" must be a 12-digit account id (as a string)',
        `entry 2: "roleArn" of account ${MEMBER} names account 111111111111: the role must be in the account it reads; "externalId" of account ${MEMBER} is required with a role: 2-1224 characters of letters, digits and +=,.@:/-; "regions" of account ${MEMBER} must list at least one region`,
        'entry 3: account 333333333333 selects nothing: give "clusters", "instances", "clusterTag" or "instanceTag"',
        'entry 4: unknown field "colour"',
      ].join('; '),
    );
  });

  it('refuses the hub account without a role in the home region (its selection is ARCHIVER_CLUSTERS...)', () => {
    const env = {
      AWS_REGION: 'us-east-1',
      ARCHIVER_TABLE: 't',
      ARCHIVER_SOURCE_ACCOUNTS: JSON.stringify([
        { account: '123456789012', regions: ['us-east-1'], clusters: ['a'] },
      ]),
    };
    expect(() => loadConfig(env, 'operate')).toThrow(
      /lists account 123456789012 without a role in us-east-1/,
    );
  });

  it('is enough to archive something: a hub may select nothing of its own', () => {
    const env = {
      AWS_REGION: 'us-east-1',
      ARCHIVER_TABLE: 't',
      ARCHIVER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      ARCHIVER_SOURCE_ACCOUNTS: formatSourceAccounts([member]),
    };
    expect(loadConfig(env, 'discover').sourceAccounts).toEqual([member]);
  });
});

describe('identity includes where', () => {
  const file = { instance: 'db-1', logFileName: 'audit/audit.log.0.2026-03-01-00-00.1' };
  const where = { account: MEMBER, region: 'eu-west-1' };

  it('keeps the home place keys of a one-account ledger, and qualifies every other place', () => {
    expect(keys.activeFile(file)).toEqual({ pk: 'I#db-1', sk: `F#${file.logFileName}` });
    expect(keys.activeFile({ ...file, ...where })).toEqual({
      pk: `I#${MEMBER}/eu-west-1/db-1`,
      sk: `F#${file.logFileName}`,
    });
    expect(keys.clusterTypePk('c', 'audit')).toBe('C#c#audit');
    expect(keys.clusterTypePk('c', 'audit', where)).toBe(`C#${MEMBER}/eu-west-1/c#audit`);
    expect(keys.stateSk(0, { ...file, ...where })).toContain(`#${MEMBER}/eu-west-1/db-1#`);
  });

  it('keys objects of another place under account/region, and home objects as before', () => {
    const input = {
      layout: 'seed' as const,
      prefix: 'logs/',
      cluster: 'c',
      hour: Date.UTC(2026, 2, 1, 5),
      ...file,
    };
    expect(objectKey(input)).toBe('logs/c/audit/2026/03/01/05/db-1/audit.log.0.2026-03-01-00-00.1.gz');
    expect(objectKey({ ...input, ...where })).toBe(
      `logs/${MEMBER}/eu-west-1/c/audit/2026/03/01/05/db-1/audit.log.0.2026-03-01-00-00.1.gz`,
    );
    expect(objectKey({ ...input, ...where, layout: 'hive' })).toMatch(
      new RegExp(`^logs/account=${MEMBER}/region=eu-west-1/cluster=c/`),
    );
  });

  it('carries account and region in messages; older messages (without them) are the home place', () => {
    const record = { ...file, ...where, cluster: 'c', generation: 2 };
    const body = formatArchiveMessage(archiveMessageFor(record));
    expect(JSON.parse(body)).toMatchObject({ v: 2, account: MEMBER, region: 'eu-west-1' });
    expect(parseArchiveMessage(body)).toEqual({ v: 2, ...record });
    const home = formatArchiveMessage(archiveMessageFor({ ...file, cluster: 'c', generation: 1 }));
    expect(home).toBe(JSON.stringify({ v: 2, cluster: 'c', ...file, generation: 1 }));
    expect(parseArchiveMessage(home)).toEqual({ v: 2, cluster: 'c', ...file, generation: 1 });
    expect(() => parseArchiveMessage(JSON.stringify({ ...JSON.parse(body), region: undefined }))).toThrow(
      /account and region come together/,
    );
    expect(() => parseArchiveMessage(JSON.stringify({ ...JSON.parse(body), account: '12' }))).toThrow(
      /account "12" is not valid/,
    );
  });
});

describe('--account / --region', () => {
  const home = { cluster: 'c', instance: 'i' };
  const there = { ...home, account: MEMBER, region: 'eu-west-1' };
  it('selects a source place, or home by name, and home by its region', () => {
    expect(matchesFilter(there, { account: MEMBER })).toBe(true);
    expect(matchesFilter(home, { account: MEMBER })).toBe(false);
    expect(matchesFilter(home, { account: 'home' })).toBe(true);
    expect(matchesFilter(there, { account: 'home' })).toBe(false);
    expect(matchesFilter(there, { region: 'eu-west-1', homeRegion: 'us-east-1' })).toBe(true);
    expect(matchesFilter(home, { region: 'eu-west-1', homeRegion: 'us-east-1' })).toBe(false);
    expect(matchesFilter(home, { region: 'us-east-1', homeRegion: 'us-east-1' })).toBe(true);
  });
});
