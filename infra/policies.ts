/**
 * IAM and resource policies as plain data. Identity policies come from the grants in
 * permissions.ts: every action is named (no wildcards) and every resource is this stack's table,
 * queues, bucket, key and log group, the RDS instances/clusters of this account and region (and of
 * its other regions listed in `sourceAccounts`), or the member roles `sourceAccounts` lists. The
 * member role's policy (`rdsStatementsFor`) is the one with RDS resources of another account.
 * Kept pure so tests can read them directly.
 */

import { DIGEST_FOLDER } from '../core/digests/format.js';
import type { RecordDigestMode } from '../core/transfer/metadata.js';
import {
  type ArchiverOptions,
  archiverGrants,
  auditorGrants,
  type DigesterOptions,
  type DiscovererOptions,
  digesterGrants,
  discovererGrants,
  type Grant,
  mergeGrants,
  operatorCommandGrants,
  type Target,
} from './permissions.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

/** ARNs (usually Terraform references) the policies are scoped to. */
export interface PolicyArns {
  table: string;
  queue: string;
  dlq: string;
  /** The discovery queue (one task per place), when the grants name it. */
  discoveryQueue?: string;
  bucket: string;
  /** Key prefix the archive is written under (empty for the whole bucket). */
  keyPrefix: string;
  kmsKey: string | undefined;
  /** The asymmetric KMS key digests are signed with, when one is set. */
  digestSigningKey?: string | undefined;
  /** `arn:<partition>:rds:<region>:<account>` */
  rdsArnPrefix: string;
  /**
   * More `arn:<partition>:rds:<region>:<account>` the hub reads with its own credentials: its own
   * account's other regions listed in `sourceAccounts` without a role.
   */
  moreRdsArnPrefixes?: readonly string[];
  /** The member roles listed in `sourceAccounts`, the only roles the functions may assume. */
  memberRoles?: readonly string[];
}

const SIDS: Record<Target, string> = {
  clusters: 'RdsClusters',
  instances: 'RdsInstances',
  table: 'Ledger',
  queue: 'ArchiveQueue',
  dlq: 'DeadLetterQueue',
  discoveryQueue: 'DiscoveryQueue',
  objects: 'ArchivedObjects',
  digests: 'Digests',
  bucket: 'ArchiveBucket',
  signingKey: 'DigestSigningKey',
  memberRoles: 'AssumeMemberRoles',
  rdsEvents: 'RdsEvents',
};

/** The RDS ARNs of an RDS target under the given `arn:<partition>:rds:<region>:<account>` prefixes. */
function rdsResourcesOf(
  target: 'clusters' | 'instances' | 'rdsEvents',
  prefixes: readonly string[],
): string[] {
  switch (target) {
    case 'clusters':
      return prefixes.map((prefix) => `${prefix}:cluster:*`);
    case 'instances':
      return prefixes.map((prefix) => `${prefix}:db:*`);
    case 'rdsEvents':
      return ['*'];
  }
}

function resourcesOf(target: Target, actions: readonly string[], a: PolicyArns): string[] {
  switch (target) {
    case 'clusters':
    case 'instances':
    case 'rdsEvents':
      return rdsResourcesOf(target, [a.rdsArnPrefix, ...(a.moreRdsArnPrefixes ?? [])]);
    case 'memberRoles':
      if (!a.memberRoles || a.memberRoles.length === 0)
        throw new Error('an sts:AssumeRole grant needs the member roles of sourceAccounts');
      return [...a.memberRoles];
    case 'table':
      // A Query may name an index, which IAM checks against the index's ARN.
      return actions.includes('dynamodb:Query') ? [a.table, `${a.table}/index/*`] : [a.table];
    case 'queue':
      return [a.queue];
    case 'dlq':
      return [a.dlq];
    case 'discoveryQueue':
      if (!a.discoveryQueue) throw new Error('a discovery queue grant needs the discovery queue');
      return [a.discoveryQueue];
    case 'objects':
      return [`${a.bucket}/${a.keyPrefix}*`];
    case 'digests':
      return [`${a.bucket}/${a.keyPrefix}${DIGEST_FOLDER}*`];
    case 'bucket':
      return [a.bucket];
    case 'signingKey':
      if (!a.digestSigningKey) throw new Error('a kms:Sign grant needs the digest signing key');
      return [a.digestSigningKey];
  }
}

/**
 * One statement per target, actions sorted, from grants (see permissions.ts). The digests' folder
 * lies under the key prefix, so an action the same grants allow on every object is not repeated
 * for the digests alone.
 */
export function statementsFor(grants: readonly Grant[], a: PolicyArns): PolicyStatement[] {
  const merged = mergeGrants(grants);
  const onObjects = merged.find((grant) => grant.on === 'objects')?.actions ?? [];
  return merged
    .map((grant) =>
      grant.on === 'digests'
        ? { ...grant, actions: grant.actions.filter((action) => !onObjects.includes(action)) }
        : grant,
    )
    .filter((grant) => grant.actions.length > 0)
    .map((grant) => ({
      Sid: SIDS[grant.on],
      Effect: 'Allow',
      Action: [...grant.actions].sort(),
      Resource: resourcesOf(grant.on, grant.actions, a),
    }));
}

/**
 * The member role's statements (permissions.ts `memberRoleGrants`), scoped to the RDS resources
 * under the given prefixes (`arn:<partition>:rds:*:<account>`: every region of the member account).
 */
export function rdsStatementsFor(
  grants: readonly Grant[],
  rdsArnPrefixes: readonly string[],
): PolicyStatement[] {
  return mergeGrants(grants).map((grant) => {
    if (grant.on !== 'clusters' && grant.on !== 'instances' && grant.on !== 'rdsEvents')
      throw new Error(`not an RDS grant: ${grant.on}`);
    return {
      Sid: SIDS[grant.on],
      Effect: 'Allow',
      Action: [...grant.actions].sort(),
      Resource: rdsResourcesOf(grant.on, rdsArnPrefixes),
    };
  });
}

/** Writing to a function's own log group (created by Terraform, so no logs:CreateLogGroup). */
export function logsStatement(logGroupArn: string): PolicyStatement {
  return {
    Sid: 'Logs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [`${logGroupArn}:*`],
  };
}

/** Use of the customer key, when there is one (by its key ARN: IAM ignores alias ARNs for key use). */
export function kmsStatements(a: PolicyArns): PolicyStatement[] {
  if (!a.kmsKey) return [];
  return [
    { Sid: 'Key', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [a.kmsKey] },
  ];
}

/** The discoverer lists clusters, instances and log files, records work in the ledger and queues it. */
export function discovererStatements(
  a: PolicyArns,
  logGroupArn: string,
  options: DiscovererOptions,
): PolicyStatement[] {
  return [...statementsFor(discovererGrants(options), a), logsStatement(logGroupArn), ...kmsStatements(a)];
}

/**
 * Only the digester writes digests. The archiver may write everything else under the key prefix,
 * so its policy also denies it the digests' folder: a compromised or buggy archiver cannot rewrite
 * the chain, whatever other policy its role is given.
 */
export function digestWritesDenied(a: PolicyArns): PolicyStatement {
  return {
    Sid: 'DigestsAreTheDigesters',
    Effect: 'Deny',
    Action: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
    Resource: [`${a.bucket}/${a.keyPrefix}${DIGEST_FOLDER}*`],
  };
}

/** The archiver consumes the queue, downloads log files and writes them to the bucket (not digests). */
export function archiverStatements(
  a: PolicyArns,
  logGroupArn: string,
  options: ArchiverOptions,
): PolicyStatement[] {
  return [
    ...statementsFor(archiverGrants(options), a),
    logsStatement(logGroupArn),
    ...kmsStatements(a),
    digestWritesDenied(a),
  ];
}

/** The digester reads archive events from the ledger and writes the digests (and signs them). */
export function digesterStatements(
  a: PolicyArns,
  logGroupArn: string,
  options: DigesterOptions,
): PolicyStatement[] {
  return [...statementsFor(digesterGrants(options), a), logsStatement(logGroupArn), ...kmsStatements(a)];
}

/**
 * The auditor's managed policy: `verify --digests` and nothing else; with a customer key, only
 * Decrypt (an auditor writes nothing).
 */
export function auditorStatements(a: PolicyArns): PolicyStatement[] {
  return [
    ...statementsFor(auditorGrants(), a),
    ...(a.kmsKey
      ? [{ Sid: 'Key', Effect: 'Allow' as const, Action: ['kms:Decrypt'], Resource: [a.kmsKey] }]
      : []),
  ];
}

/** The operator role: exactly what the operator commands need, for every command at once. */
export function operatorStatements(a: PolicyArns, objectDigest: RecordDigestMode): PolicyStatement[] {
  const grants = Object.values(operatorCommandGrants(objectDigest)).flat();
  return [...statementsFor(grants, a), ...kmsStatements(a)];
}

/** A policy document (JSON) from statements. */
export function policyDocument(statements: readonly object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The trust policy letting Lambda assume a role. */
export function lambdaTrustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
}

/** The trust policy letting the given IAM principals (role, user or account root ARNs) assume a role. */
export function principalsTrustPolicy(principals: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: [...principals] }, Action: 'sts:AssumeRole' }],
  });
}

/** A resource policy statement refusing every request not made over TLS. */
export function denyInsecureTransport(service: 's3' | 'sqs', resources: string[]) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: `${service}:*`,
    Resource: resources,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * A queue policy: only the named roles may send, and only over TLS. In one account an Allow in a
 * resource policy adds nothing to what IAM policies already allow, so the restriction is a Deny on
 * `sqs:SendMessage` for every principal whose ARN is not listed (an assumed role's
 * `aws:PrincipalArn` is its role's ARN).
 *
 * The Deny is limited to requests by IAM principals (`aws:PrincipalIsAWSService` false) so that it
 * cannot touch what SQS does itself: moving a message to the DLQ after `maxReceiveCount` receives is
 * SQS's own redrive, not a SendMessage by a principal of this account, and a condition key a
 * request does not carry makes a `Bool` condition false, so the Deny does not apply to it. A move
 * task (`redrive --native`) sends with the permissions of whoever started it: the operator role.
 * The Lambda event source mapping only receives and deletes, with the archiver's role.
 */
export function queuePolicy(queueArn: string, senderRoleArns: readonly string[]): string {
  return policyDocument([
    {
      Sid: 'OnlyListedSenders',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [...senderRoleArns] },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    },
    denyInsecureTransport('sqs', [queueArn]),
  ]);
}
