import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import { type PolicyStatement, policyDocument, principalsTrustPolicy } from './policies.js';

export interface OperatorRoleProps {
  roleName: string;
  /** IAM principals (role, user or account root ARNs) that may assume the role. */
  principals: readonly string[];
  /** What the role may do (`operatorStatements`). */
  statements: PolicyStatement[];
}

/**
 * The role operators assume to run `status`, `completeness`, `failures`, `verify` and `redrive`
 * against the deployed stack: exactly what those commands need (permissions.ts), nothing of the
 * functions' (no downloads, no archive writes, no ledger creation). The archive queue's policy lets
 * this role send to it, for redrives.
 */
export class OperatorRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: OperatorRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description:
        'Runs the rds-log-archiver operator commands (status, completeness, failures, verify, redrive)',
      assumeRolePolicy: principalsTrustPolicy(props.principals),
    });
    new IamRolePolicy(this, 'policy', {
      name: 'operator-commands',
      role: this.role.name,
      policy: policyDocument(props.statements),
    });
  }
}
