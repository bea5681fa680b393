/**
 * The digest chain's infrastructure: the digester function on its schedule, with reserved
 * concurrency 1 and a policy that can read the ledger's archive events and chain head, write
 * digests and nothing else of the archive, and sign with the digest key when one is set (the
 * archiver is denied writing digests: policies.ts `digestWritesDenied`); alarms when the digester fails or falls
 * behind; and a managed policy an auditor's read-only role can attach to run
 * `verify --digests` (S3 reads alone). What each may do is declared in permissions.ts (the
 * digester's and the auditor's grants); core/digests/digester.ts says why one scheduled writer.
 */

import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import type { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { Construct } from 'constructs';
import { configEnvironment } from '../core/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/observability.js';
import { HandlerFunction, type HandlerFunctionProps } from './handler-function.js';
import { auditorStatements, digesterStatements, type PolicyArns, policyDocument } from './policies.js';
import { DiscoveryScheduleRule } from './schedule.js';
import type { Settings } from './settings.js';

/** The digester's work is a few small reads and writes per hour: little memory, a short timeout. */
export const DIGESTER_MEMORY_MB = 256;
export const DIGESTER_TIMEOUT_SECONDS = 300;

export interface DigestChainProps {
  settings: Settings;
  /** What every function shares (architecture, environment, logs, VPC). */
  common: Pick<
    HandlerFunctionProps,
    'architecture' | 'environment' | 'logRetentionDays' | 'partition' | 'vpc'
  >;
  bundleDir: string;
  /** The stack's table, bucket, keys (the signing key included) the policies are scoped to. */
  arns: PolicyArns;
  alarmTopic: SnsTopic;
}

/** The digester, its schedule and alarms, the auditor's policy. */
export class DigestChain extends Construct {
  readonly digester: HandlerFunction;
  readonly auditorPolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: DigestChainProps) {
    super(scope, id);
    const s = props.settings;
    const name = `${s.name}-digester`;
    this.digester = new HandlerFunction(this, 'digester', {
      ...props.common,
      environment: {
        ...props.common.environment,
        ...configEnvironment({
          digestSigningKey: s.digestSigningKeyArn ? { kind: 'kms', keyId: s.digestSigningKeyArn } : undefined,
        }),
      },
      functionName: name,
      description: 'Writes the hourly digests of the archive from the ledger (the digest chain)',
      bundleDir: props.bundleDir,
      memoryMb: DIGESTER_MEMORY_MB,
      timeoutSeconds: DIGESTER_TIMEOUT_SECONDS,
      // One writer; the ledger's conditional chain head would refuse a second anyway.
      reservedConcurrency: 1,
      statements: (logGroup) =>
        digesterStatements(props.arns, logGroup, { kmsSigning: s.digestSigningKeyArn !== undefined }),
    });

    new DiscoveryScheduleRule(this, 'schedule', {
      ruleName: name,
      minutes: s.digestScheduleMinutes,
      fn: this.digester.fn,
      description: 'Starts the digester (hourly digests of the archive)',
    });

    this.auditorPolicy = new IamPolicy(this, 'auditor', {
      name: `${s.name}-digest-auditor`,
      description: 'Read-only access for `rds-log-archiver verify --digests`: the archive and its digests',
      policy: policyDocument(auditorStatements(props.arns)),
    });

    const actions = { alarmActions: [props.alarmTopic.arn], okActions: [props.alarmTopic.arn] };
    new CloudwatchMetricAlarm(this, 'digester-errors', {
      alarmName: `${name}-errors`,
      alarmDescription:
        'The digester failed to write a due digest twice in a row: the chain is not advancing.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: this.digester.fn.functionName },
      statistic: 'Sum',
      period: s.digestScheduleMinutes * 60,
      evaluationPeriods: 2,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });
    // The digester's EMF metric: closed hours still without a digest after a run. No data means
    // the digester is not running at all, which is the same failure.
    new CloudwatchMetricAlarm(this, 'digests-behind', {
      alarmName: `${name}-behind`,
      alarmDescription: 'Hours have closed without their digest for over an hour: the chain is behind.',
      namespace: METRICS_NAMESPACE,
      metricName: 'DigestHoursBehind',
      dimensions: { service: SERVICE_NAME },
      statistic: 'Maximum',
      period: 3600,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'breaching',
      ...actions,
    });
  }
}
