/**
 * The stack as a hub (`sourceAccounts`): the setting read by the runtime's own reader, passed to
 * both functions, and the functions' roles allowed to assume exactly the listed member roles.
 * Expected actions are spelt out, not derived from infra/permissions.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { entriesKey } from '../../core/entries/entry-formats.js';
import { objectKey } from '../../core/s3-keys.js';
import { ENTRY_TABLES, LINE_TABLES, sourcesTableName } from '../../infra/athena-layout.js';
import { functionEnvironment } from '../../infra/function-environment.js';
import { parseSettings, SettingsError } from '../../infra/settings.js';
import { functionNamed, type Json, roleNamed, roleStatements, synthStack } from './synth.js';

const MEMBER_A = 'arn:aws:iam::210987654321:role/rds-log-archiver-member';
const MEMBER_B = 'arn:aws:iam::345678901234:role/rds-log-archiver-member';
const SOURCES = [
  {
    account: '210987654321',
    roleArn: MEMBER_A,
    externalId: 'rds-log-archiver-org',
    regions: ['us-east-1', 'eu-west-1'],
    clusterTag: 'archive=yes',
  },
  {
    account: '345678901234',
    roleArn: MEMBER_B,
    externalId: 'rds-log-archiver-org',
    regions: ['eu-west-1'],
    clusters: ['orders'],
  },
  // The hub's own account in another region: its own credentials, no role.
  { account: '123456789012', regions: ['eu-central-1'], clusters: ['billing'] },
];

function problemsOf(input: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseSettings(input, env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}

const hub = synthStack({ sourceAccounts: SOURCES });
const single = synthStack();

describe('the sourceAccounts setting', () => {
  it('is read from the file and from ARCHIVER_DEPLOY_SOURCE_ACCOUNTS alike, tags as key=value', () => {
    const fromFile = parseSettings({ sourceAccounts: SOURCES }).sourceAccounts;
    const fromEnv = parseSettings(
      {},
      { ARCHIVER_DEPLOY_SOURCE_ACCOUNTS: JSON.stringify(SOURCES) },
    ).sourceAccounts;
    expect(fromEnv).toEqual(fromFile);
    expect(fromFile[0]).toMatchObject({
      account: '210987654321',
      roleArn: MEMBER_A,
      clusterTag: { key: 'archive', value: 'yes' },
    });
  });

  it('refuses what the runtime refuses, naming the entry, and the home region listed without a role', () => {
    const problems = problemsOf({
      sourceAccounts: [
        { account: '210987654321', roleArn: MEMBER_A, regions: ['eu-west-1'], clusters: ['x'] },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^sourceAccounts entry 1: "externalId" of account 210987654321 is required/),
    ]);
    expect(
      problemsOf({
        region: 'eu-west-1',
        sourceAccounts: [{ account: '123456789012', regions: ['eu-west-1'], clusters: ['x'] }],
      }),
    ).toEqual([
      expect.stringMatching(/^sourceAccounts lists account 123456789012 without a role in eu-west-1/),
    ]);
  });

  it('reaches both functions as the ARCHIVER_SOURCE_ACCOUNTS the runtime reads back', () => {
    const s = parseSettings({ region: 'us-east-1', sourceAccounts: SOURCES });
    const env = functionEnvironment(s, {
      table: 'archiver-ledger',
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/archive',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/archive-dlq',
      discoveryQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/discovery',
      bucket: 'archiver-archive',
    });
    expect(loadConfig({ ...env, AWS_REGION: 'us-east-1' }, 'run').sourceAccounts).toEqual(s.sourceAccounts);
    for (const fn of ['-discoverer', '-archiver']) {
      const variables = functionNamed(hub, fn).environment.variables;
      expect(JSON.parse(variables.ARCHIVER_SOURCE_ACCOUNTS).map((x: Json) => x.account)).toEqual([
        '210987654321',
        '345678901234',
        '123456789012',
      ]);
    }
    expect(functionNamed(single, '-archiver').environment.variables).not.toHaveProperty(
      'ARCHIVER_SOURCE_ACCOUNTS',
    );
  });
});

describe('the hub stack', () => {
  it('lets the discoverer and the archiver assume exactly the listed member roles, and nothing else new', () => {
    for (const fn of ['-discoverer', '-archiver']) {
      const statements = roleNamed(hub, fn).statements;
      const assume = statements.filter((st: Json) => st.Action.some((a: string) => a.startsWith('sts:')));
      expect(assume).toEqual([
        {
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: [MEMBER_A, MEMBER_B],
        },
      ]);
      const others = (s: typeof hub) =>
        roleNamed(s, fn)
          .statements.filter((st: Json) => st.Sid !== 'AssumeMemberRoles')
          .map((st: Json) => [st.Sid, st.Action]);
      expect(others(hub)).toEqual(others(single));
    }
  });

  it('gives the operator role no AssumeRole, and a single-account stack none at all', () => {
    expect(roleNamed(hub, '-operator').statements.flatMap((st: Json) => st.Action)).not.toContain(
      'sts:AssumeRole',
    );
    const actions = [...roleStatements(single).values()].flat().flatMap((st: Json) => st.Action);
    expect(actions.filter((a: string) => a.startsWith('sts:'))).toEqual([]);
  });

  it("grants the member accounts' RDS resources to no hub role, but its own account's other regions", () => {
    const rds = roleNamed(hub, '-discoverer').statements.filter((st: Json) => st.Sid.startsWith('Rds'));
    const resources = rds.flatMap((st: Json) => st.Resource);
    expect(resources.some((r: string) => /210987654321|345678901234/.test(r))).toBe(false);
    const instances = rds.find((st: Json) => st.Sid === 'RdsInstances');
    expect(instances.Resource).toEqual([
      expect.stringMatching(/:rds:us-east-1:\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:db:\*$/),
      expect.stringMatching(
        /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:rds:eu-central-1:123456789012:db:\*$/,
      ),
    ]);
  });

  it('asks no AssumeRole permission when every entry is the hub’s own account', () => {
    const own = synthStack({ sourceAccounts: [SOURCES[2]] });
    const actions = [...roleStatements(own).values()].flat().flatMap((st: Json) => st.Action);
    expect(actions).not.toContain('sts:AssumeRole');
  });
});

/** A partition template's path with Athena's placeholders filled, as Athena would build it. */
function projected(template: string, values: Record<string, string>): string {
  let path = template.replace(/^s3:\/\/\$\{[^}]+\}\//, '');
  for (const [column, value] of Object.entries(values)) path = path.replaceAll(`$\${${column}}`, value);
  return path;
}

describe('the Athena table of the source accounts', () => {
  const file = {
    cluster: 'orders',
    instance: 'orders-1',
    logFileName: 'audit/audit.log.0.2025-01-31-07-00.1',
    hour: Date.UTC(2025, 0, 31, 7),
    account: '345678901234',
    region: 'eu-west-1',
  };

  it.each([
    ['seed', '', '2025/01/31/07'],
    ['hive', 'rds-logs/', '2025-01-31-07'],
  ] as const)(
    'projects account, region, cluster and hour onto the %s keys the archiver writes outside home',
    (layout, prefix, dt) => {
      const s = synthStack({ keyLayout: layout, keyPrefix: prefix, sourceAccounts: SOURCES });
      const tables = Object.fromEntries(s.resources('aws_glue_catalog_table').map(([, t]) => [t.name, t]));
      const sources = tables.audit_log_sources;
      expect(sources.partition_keys.map((k: Json) => k.name)).toEqual(['account', 'region', 'cluster', 'dt']);
      expect(sources.parameters).toMatchObject({
        'projection.account.values': '210987654321,345678901234,123456789012',
        'projection.region.values': 'us-east-1,eu-west-1,eu-central-1',
        // One source selects by tag: its clusters are not known at deploy time.
        'projection.cluster.type': 'injected',
      });
      const key = objectKey({ layout, prefix, ...file });
      const partition = projected(sources.parameters['storage.location.template'], {
        account: file.account,
        region: file.region,
        cluster: 'orders',
        dt,
      });
      expect(key.startsWith(partition), `${key} under ${partition}`).toBe(true);
      // The home table's template matches no key outside home.
      const home = projected(tables.audit_log.parameters['storage.location.template'], {
        cluster: 'orders',
        dt,
      });
      expect(key.startsWith(home)).toBe(false);
      expect(s.tf.output.athena_sources_table).toBeDefined();
    },
  );

  it('lists the clusters when every source names them, and exists only with sources', () => {
    const named = synthStack({ sourceAccounts: [SOURCES[1], SOURCES[2]] });
    const table = named
      .resources('aws_glue_catalog_table')
      .find(([, t]) => t.name === 'audit_log_sources')?.[1];
    expect(table.parameters['projection.cluster.values']).toBe('orders,billing');
    expect(single.resources('aws_glue_catalog_table').map(([, t]) => t.name)).toEqual(['audit_log']);
  });
});

describe('the Athena line and entries tables of the source accounts', () => {
  const place = { account: '345678901234', region: 'eu-west-1' };
  const hour = Date.UTC(2025, 0, 31, 7);
  // One file the archiver keys for each table; `entries` when the table reads its entries object.
  const samples: Record<string, { logFileName: string; content?: { stream: string; contentId: string } }> = {
    postgresql_log: { logFileName: 'error/postgresql.log.2025-01-31-07' },
    mysql_error_log: {
      logFileName: 'error/mysql-error-running.log',
      content: { stream: 'error/mysql-error-running.log', contentId: '20250131T075959000Z' },
    },
    postgresql_csvlog: { logFileName: 'error/postgresql.log.2025-01-31-07.csv' },
    mysql_slow_query_log: {
      logFileName: 'slowquery/mysql-slowquery.log',
      content: { stream: 'slowquery/mysql-slowquery.log', contentId: '20250131T075959000Z' },
    },
  };
  const entryTables = new Set(ENTRY_TABLES.map((t) => t.name));

  it('has a sample file for every line and entries table declared', () => {
    expect(Object.keys(samples).sort()).toEqual([...LINE_TABLES, ...ENTRY_TABLES].map((t) => t.name).sort());
  });

  it.each([
    ['seed', '', '2025/01/31/07'],
    ['hive', 'rds-logs/', '2025-01-31-07'],
  ] as const)(
    'projects each sources table onto the %s keys the archiver writes outside home',
    (layout, prefix, dt) => {
      const s = synthStack({
        keyLayout: layout,
        keyPrefix: prefix,
        logTypes: ['all'],
        sourceAccounts: SOURCES,
      });
      const tables = Object.fromEntries(s.resources('aws_glue_catalog_table').map(([, t]) => [t.name, t]));
      for (const [name, file] of Object.entries(samples)) {
        const home = tables[name];
        const sources = tables[sourcesTableName(name)];
        expect(sources, sourcesTableName(name)).toBeDefined();
        expect(sources.partition_keys.map((k: Json) => k.name)).toEqual([
          'account',
          'region',
          'cluster',
          'dt',
        ]);
        expect(sources.parameters).toMatchObject({
          'projection.account.type': 'enum',
          'projection.account.values': '210987654321,345678901234,123456789012',
          'projection.region.type': 'enum',
          'projection.region.values': 'us-east-1,eu-west-1,eu-central-1',
          'projection.cluster.type': 'injected',
        });
        // Read as the home table reads: the same columns and SerDe.
        expect(sources.storage_descriptor).toEqual(home.storage_descriptor);

        const archived = objectKey({
          layout,
          prefix,
          ...place,
          cluster: 'orders',
          instance: 'orders-1',
          hour,
          ...file,
        });
        const key = entryTables.has(name) ? entriesKey(archived, prefix) : archived;
        const partition = projected(sources.parameters['storage.location.template'], {
          ...place,
          cluster: 'orders',
          dt,
        });
        expect(key.startsWith(partition), `${name}: ${key} under ${partition}`).toBe(true);
        // Neither the home table reads the key outside home, nor the sources table a home key.
        const homePartition = projected(home.parameters['storage.location.template'], {
          cluster: 'orders',
          dt,
        });
        expect(key.startsWith(homePartition)).toBe(false);
        const homeArchived = objectKey({
          layout,
          prefix,
          cluster: 'orders',
          instance: 'orders-1',
          hour,
          ...file,
        });
        const homeKey = entryTables.has(name) ? entriesKey(homeArchived, prefix) : homeArchived;
        expect(homeKey.startsWith(homePartition)).toBe(true);
        expect(homeKey.startsWith(partition)).toBe(false);
      }
    },
  );

  it('exists only with sources, and only for the log types archived', () => {
    const names = (settings: Record<string, unknown>) =>
      synthStack(settings)
        .resources('aws_glue_catalog_table')
        .map(([, t]) => t.name)
        .sort();
    expect(names({ logTypes: ['all'] }).filter((name) => name.endsWith('_sources'))).toEqual([]);
    expect(names({ logTypes: ['audit', 'slowquery'], sourceAccounts: SOURCES })).toEqual([
      'audit_log',
      'audit_log_sources',
      'mysql_slow_query_log',
      'mysql_slow_query_log_sources',
    ]);
  });
});
