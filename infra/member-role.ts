/**
 * The role a member (source) account creates so that the hub can read its RDS logs: trusted by the
 * hub's discoverer and archiver roles with the external id, allowed exactly the RDS reads and the
 * download (permissions.ts `memberRoleGrants`). Two forms from the same policy documents: a cdktf
 * stack for one account (`member.ts`), and a CloudFormation template for an organisation-wide
 * rollout with service-managed StackSets (`memberRoleTemplate`).
 */

import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SESSION_SECONDS } from '../core/fleet/assumed-credentials.js';
import type { MemberSettings } from './member-settings.js';
import { memberRoleGrants } from './permissions.js';
import { type PolicyStatement, policyDocument, rdsStatementsFor } from './policies.js';

/** The name of the member role's inline policy. */
export const MEMBER_POLICY_NAME = 'rds-log-reader';

/** The hub identities the role trusts: its functions' roles, the operator's and any others listed. */
export function trustedArns(s: MemberSettings, partition: string): string[] {
  const hubRole = (suffix: string) => `arn:${partition}:iam::${s.hubAccount}:role/${s.hubName}-${suffix}`;
  return [
    hubRole('discoverer'),
    hubRole('archiver'),
    ...(s.trustOperator ? [hubRole('operator')] : []),
    ...s.trustedPrincipals,
  ];
}

/**
 * The trust policy. The principals are the accounts of the trusted identities, narrowed to exactly
 * those identities by `aws:PrincipalArn`, and every AssumeRole must carry the external id. Naming
 * the roles in a condition rather than as principals is deliberate: IAM refuses a trust policy
 * naming a role that does not exist yet (a member rolled out before the hub), and turns a named
 * role into its unique id, which no longer matches once the hub's role is recreated; a condition
 * on the ARN has neither problem and admits nobody else.
 */
export function memberTrustPolicy(s: MemberSettings, partition: string): object {
  const arns = trustedArns(s, partition);
  // `arn:<partition>:iam::<account>` of each ARN (the partition may be a placeholder holding colons).
  const accounts = [...new Set(arns.map((arn) => /^(.*:iam::\d{12}):/.exec(arn)?.[1] ?? arn))].map(
    (prefix) => `${prefix}:root`,
  );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubReadsRdsLogs',
        Effect: 'Allow',
        Principal: { AWS: accounts },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'sts:ExternalId': s.externalId },
          ArnEquals: { 'aws:PrincipalArn': arns },
        },
      },
    ],
  };
}

/** The role's permissions: `memberRoleGrants` on every region of the given account. */
export function memberRoleStatements(partition: string, account: string): PolicyStatement[] {
  return rdsStatementsFor(memberRoleGrants(), [`arn:${partition}:rds:*:${account}`]);
}

export interface MemberRoleProps {
  settings: MemberSettings;
  partition: string;
  /** The member account's id (a Terraform reference). */
  account: string;
}

/** The member role and its inline policy, in the member account. */
export class MemberRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: MemberRoleProps) {
    super(scope, id);
    const s = props.settings;
    this.role = new IamRole(this, 'role', {
      name: s.roleName,
      description: `Lets the rds-log-archiver hub ${s.hubName} in ${s.hubAccount} read this account's RDS log files`,
      assumeRolePolicy: JSON.stringify(memberTrustPolicy(s, props.partition)),
      // The hub asks for sessions of this length (core/fleet/assumed-credentials.ts).
      maxSessionDuration: SESSION_SECONDS,
    });
    new IamRolePolicy(this, 'policy', {
      name: MEMBER_POLICY_NAME,
      role: this.role.name,
      policy: policyDocument(memberRoleStatements(props.partition, props.account)),
    });
  }
}

/** One member account's stack: the provider, the role, and its ARN as output `role_arn`. */
export class MemberRoleStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: { settings: MemberSettings }) {
    super(scope, id);
    const s = props.settings;
    new AwsProvider(this, 'aws', {
      region: s.region,
      defaultTags: [{ tags: { application: 'rds-log-archiver', hub: s.hubName } }],
    });
    const partition = new DataAwsPartition(this, 'partition').partition;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const member = new MemberRole(this, 'member', { settings: s, partition, account });
    new TerraformOutput(this, 'role_arn', { value: member.role.arn });
  }
}

/** CloudFormation pseudo parameters, as `Fn::Sub` placeholders. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a JS template
const CFN_PARTITION = '${AWS::Partition}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a JS template
const CFN_ACCOUNT = '${AWS::AccountId}';

/** Wraps every string naming a CloudFormation pseudo parameter in `Fn::Sub`. */
function substituted(value: unknown): unknown {
  if (typeof value === 'string')
    return value.includes(CFN_PARTITION) || value.includes(CFN_ACCOUNT) ? { 'Fn::Sub': value } : value;
  if (Array.isArray(value)) return value.map(substituted);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituted(item)]));
  return value;
}

/**
 * The same role as a CloudFormation template, for a service-managed StackSet deployed to an
 * organisational unit (every account in it, and each account that joins later, gets the role).
 * The policies are the Terraform stack's, built by the same functions; the member account and
 * partition are the stack's own pseudo parameters.
 */
export function memberRoleTemplate(s: MemberSettings): object {
  const partition = CFN_PARTITION;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `rds-log-archiver member role: lets the hub ${s.hubName} in ${s.hubAccount} read RDS log files`,
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: s.roleName,
          MaxSessionDuration: SESSION_SECONDS,
          AssumeRolePolicyDocument: substituted(memberTrustPolicy(s, partition)),
          Policies: [
            {
              PolicyName: MEMBER_POLICY_NAME,
              PolicyDocument: substituted({
                Version: '2012-10-17',
                Statement: memberRoleStatements(partition, CFN_ACCOUNT),
              }),
            },
          ],
          Tags: [
            { Key: 'application', Value: 'rds-log-archiver' },
            { Key: 'hub', Value: s.hubName },
          ],
        },
      },
    },
    Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['MemberRole', 'Arn'] } } },
  };
}
