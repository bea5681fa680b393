/**
 * The member-account role, on the synthesized Terraform of its own stack and on the CloudFormation
 * template for StackSets: trusted by exactly the hub's function roles with the external id,
 * allowed exactly the RDS reads and the download. Expected actions are spelt out here.
 */
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { SESSION_SECONDS } from '../../core/fleet/assumed-credentials.js';
import { MemberRoleStack, memberRoleTemplate } from '../../infra/member-role.js';
import { type MemberSettings, parseMemberSettings } from '../../infra/member-settings.js';
import { SettingsError } from '../../infra/settings.js';
import { type Json, roleNamed, synthStack } from './synth.js';

const HUB = '123456789012';
const REQUIRED = { hubAccount: HUB, externalId: 'rds-log-archiver-org' };

/** The member stack's role (the only one) and its inline policy, as Terraform JSON. */
function synthMember(raw: Record<string, unknown>): { role: Json; trust: Json; statements: Json[] } {
  const settings = parseMemberSettings(raw);
  const app = Testing.app();
  const stack = new MemberRoleStack(app, 'member', { settings });
  const tf = JSON.parse(Testing.synth(stack, true));
  const roles = Object.values(tf.resource.aws_iam_role) as Json[];
  const policies = Object.values(tf.resource.aws_iam_role_policy) as Json[];
  expect(roles).toHaveLength(1);
  expect(policies).toHaveLength(1);
  return {
    role: roles[0],
    trust: JSON.parse(roles[0].assume_role_policy),
    statements: JSON.parse(policies[0].policy).Statement,
  };
}

function problemsOf(input: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseMemberSettings(input, env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
}

const PARTITION = /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}/.source;
const ACCOUNT = /\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/.source;

describe('member role settings', () => {
  it('needs the hub account and the external id, from the file or ARCHIVER_MEMBER_*', () => {
    expect(problemsOf({})).toEqual([
      'hubAccount is required (or ARCHIVER_MEMBER_HUB_ACCOUNT)',
      'externalId is required (or ARCHIVER_MEMBER_EXTERNAL_ID)',
    ]);
    const s = parseMemberSettings(
      {},
      { ARCHIVER_MEMBER_HUB_ACCOUNT: HUB, ARCHIVER_MEMBER_EXTERNAL_ID: 'rds-log-archiver-org' },
    );
    expect(s).toMatchObject({
      ...REQUIRED,
      roleName: 'rds-log-archiver-member',
      hubName: 'rds-log-archiver',
    });
  });

  it('refuses a malformed account, external id or principal, and a whole account as a principal', () => {
    expect(
      problemsOf({
        hubAccount: '1234',
        externalId: 'x',
        trustedPrincipals: ['arn:aws:iam::123456789012:root'],
        colour: 'blue',
      }),
    ).toEqual([
      'unknown setting "colour"',
      'hubAccount is not a 12-digit account id',
      'externalId is not 2-1224 letters, digits or +=,.@:/-',
      'trustedPrincipals "arn:aws:iam::123456789012:root" is not an IAM role or user ARN',
    ]);
  });
});

describe.each([
  ['defaults', REQUIRED],
  [
    'named hub, operator and one more principal',
    {
      ...REQUIRED,
      hubName: 'org-archive',
      roleName: 'org-rds-logs',
      trustOperator: true,
      trustedPrincipals: ['arn:aws:iam::555566667777:role/platform-oncall'],
    },
  ],
])('member role stack (%s)', (_name, raw) => {
  const settings: MemberSettings = parseMemberSettings(raw);
  const { role, trust, statements } = synthMember(raw);
  const hubName = settings.hubName;
  const expectedArns = [
    `${PARTITION}:iam::${HUB}:role/${hubName}-discoverer$`,
    `${PARTITION}:iam::${HUB}:role/${hubName}-archiver$`,
    ...(settings.trustOperator ? [`${PARTITION}:iam::${HUB}:role/${hubName}-operator$`] : []),
  ];

  it('is named as set and allows sessions as long as the hub asks for', () => {
    expect(role.name).toBe(settings.roleName);
    expect(role.max_session_duration).toBeGreaterThanOrEqual(SESSION_SECONDS);
  });

  it("trusts exactly the hub's discoverer and archiver roles (and what is listed), only with the external id", () => {
    expect(trust.Statement).toHaveLength(1);
    const [st] = trust.Statement;
    expect(st.Effect).toBe('Allow');
    expect(st.Action).toBe('sts:AssumeRole');
    expect(st.Condition.StringEquals).toEqual({ 'sts:ExternalId': 'rds-log-archiver-org' });
    const named = st.Condition.ArnEquals['aws:PrincipalArn'] as string[];
    expect(named).toEqual([
      ...expectedArns.map((pattern) => expect.stringMatching(new RegExp(pattern))),
      ...settings.trustedPrincipals,
    ]);
    // Only the accounts of those identities are principals; the condition narrows them.
    expect(st.Principal.AWS).toEqual([
      expect.stringMatching(new RegExp(`${PARTITION}:iam::${HUB}:root$`)),
      ...settings.trustedPrincipals.map(() => 'arn:aws:iam::555566667777:root'),
    ]);
  });

  it('allows exactly the RDS reads and the download, on this account only, DescribeEvents alone on "*"', () => {
    expect(statements.map((st: Json) => [st.Sid, st.Action])).toEqual([
      ['RdsClusters', ['rds:DescribeDBClusters']],
      [
        'RdsInstances',
        ['rds:DescribeDBInstances', 'rds:DescribeDBLogFiles', 'rds:DownloadCompleteDBLogFile'],
      ],
      ['RdsEvents', ['rds:DescribeEvents']],
    ]);
    const resources = Object.fromEntries(statements.map((st: Json) => [st.Sid, st.Resource]));
    expect(resources.RdsClusters).toEqual([
      expect.stringMatching(new RegExp(`${PARTITION}:rds:\\*:${ACCOUNT}:cluster:\\*$`)),
    ]);
    expect(resources.RdsInstances).toEqual([
      expect.stringMatching(new RegExp(`${PARTITION}:rds:\\*:${ACCOUNT}:db:\\*$`)),
    ]);
    expect(resources.RdsEvents).toEqual(['*']);
  });
});

describe('the trust and the hub stack', () => {
  it('names the roles the hub stack of the same name creates', () => {
    const hub = synthStack({ name: 'org-archive' });
    const member = synthMember({ ...REQUIRED, hubName: 'org-archive' });
    const named = member.trust.Statement[0].Condition.ArnEquals['aws:PrincipalArn'] as string[];
    for (const fn of ['-discoverer', '-archiver']) {
      const { id } = roleNamed(hub, fn);
      const roleName = hub.resources('aws_iam_role').find(([rid]) => rid === id)?.[1].name;
      expect(
        named.some((arn) => arn.endsWith(`:role/${roleName}`)),
        roleName,
      ).toBe(true);
    }
  });
});

describe('the CloudFormation template for StackSets', () => {
  const raw = { ...REQUIRED, trustOperator: true };
  const template: Json = memberRoleTemplate(parseMemberSettings(raw));
  const properties = template.Resources.MemberRole.Properties;

  /** The template's document with each `Fn::Sub` written as Terraform's references would be. */
  function asTerraform(value: Json): Json {
    if (Array.isArray(value)) return value.map(asTerraform);
    if (value && typeof value === 'object') {
      if (typeof value['Fn::Sub'] === 'string')
        return value['Fn::Sub']
          .replaceAll(`\${AWS::Partition}`, `\${data.aws_partition.partition.partition}`)
          .replaceAll(`\${AWS::AccountId}`, `\${data.aws_caller_identity.account.account_id}`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asTerraform(v)]));
    }
    return value;
  }

  it('holds one IAM role with the same name, session length, trust and permissions as the Terraform stack', () => {
    const member = synthMember(raw);
    expect(Object.keys(template.Resources)).toEqual(['MemberRole']);
    expect(template.Resources.MemberRole.Type).toBe('AWS::IAM::Role');
    expect(properties.RoleName).toBe(member.role.name);
    expect(properties.MaxSessionDuration).toBe(member.role.max_session_duration);
    expect(asTerraform(properties.AssumeRolePolicyDocument)).toEqual(member.trust);
    expect(properties.Policies).toHaveLength(1);
    expect(asTerraform(properties.Policies[0].PolicyDocument).Statement).toEqual(member.statements);
  });

  it('leaves no placeholder outside an Fn::Sub', () => {
    const strings: string[] = [];
    const walk = (value: Json, inSub: boolean): void => {
      if (typeof value === 'string') {
        if (!inSub) strings.push(value);
      } else if (Array.isArray(value)) {
        for (const v of value) walk(v, inSub);
      } else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, k === 'Fn::Sub');
    };
    walk(template, false);
    expect(strings.filter((s) => s.includes(`\${`))).toEqual([]);
  });
});
