import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/observability.js';
import { policyDocument } from './policies.js';

export interface AlarmsProps {
  namePrefix: string;
  queueName: string;
  dlqName: string;
  /** The discovery DLQ: tasks of places that failed every receive. */
  discoveryDlqName?: string;
  archiverName: string;
  discovererName: string;
  scheduleMinutes: number;
  oldestMessageAlarmSeconds: number;
  alarmEmail: string | undefined;
  /** Encrypt the topic with a key of its own (see `alarmTopicKeyPolicy`). */
  encrypt: boolean;
  partition: string;
  account: string;
}

/**
 * The key policy of the alarm topic's key. The account administers the key (so IAM policies decide
 * who else may use it), and CloudWatch may use it to publish alarms: CloudWatch needs
 * kms:GenerateDataKey* and kms:Decrypt on the topic's key, which the AWS managed `alias/aws/sns`
 * never grants (its policy cannot be edited), so an alarm topic under that key silently delivers
 * nothing. The key encrypts this topic only, so the grant opens nothing else.
 */
export function alarmTopicKeyPolicy(partition: string, account: string): string {
  return policyDocument([
    {
      Sid: 'AccountAdministersTheKey',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    },
  ]);
}

/**
 * Alarms that mean "the archive is falling behind or losing work", sent to one SNS topic, encrypted
 * by default with a key whose policy lets CloudWatch publish (see `alarmTopicKeyPolicy`).
 */
export class ArchiverAlarms extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey | undefined;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.key = props.encrypt
      ? new KmsKey(this, 'key', {
          description: `Encrypts the ${props.namePrefix} alarm topic`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: alarmTopicKeyPolicy(props.partition, props.account),
        })
      : undefined;
    if (this.key)
      new KmsAlias(this, 'key-alias', {
        name: `alias/${props.namePrefix}-alarms`,
        targetKeyId: this.key.keyId,
      });
    this.topic = new SnsTopic(this, 'topic', {
      name: `${props.namePrefix}-alarms`,
      ...(this.key ? { kmsMasterKeyId: this.key.arn } : {}),
    });
    if (props.alarmEmail) {
      // The address must confirm the subscription before it receives anything.
      new SnsTopicSubscription(this, 'email', {
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: props.alarmEmail,
      });
    }
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };

    // A dead-letter queue holding anything is worth a page: its messages wait for an operator.
    const queueNotEmpty = (id: string, queueName: string, alarmDescription: string) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${props.namePrefix}-${id}`,
        alarmDescription,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queueName },
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        ...actions,
      });
    queueNotEmpty(
      'dlq-not-empty',
      props.dlqName,
      'Log files failed every attempt and wait on the DLQ: inspect, then redrive.',
    );
    if (props.discoveryDlqName) {
      queueNotEmpty(
        'discovery-dlq-not-empty',
        props.discoveryDlqName,
        "A place (account and region) could not be discovered on any attempt: 'status' names it and why.",
      );
    }

    new CloudwatchMetricAlarm(this, 'archiver-errors', {
      alarmName: `${props.namePrefix}-archiver-errors`,
      alarmDescription: 'The archiver function failed whole invocations (not single files).',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: props.archiverName },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

    // Three missed runs in a row: a single skipped schedule tick is not worth a page.
    new CloudwatchMetricAlarm(this, 'discoverer-not-running', {
      alarmName: `${props.namePrefix}-discoverer-not-running`,
      alarmDescription:
        'The discoverer has not run for three schedule intervals: new log files are not being found.',
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: props.discovererName },
      statistic: 'Sum',
      period: props.scheduleMinutes * 60,
      evaluationPeriods: 3,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      // No data at all is exactly the failure this alarm is for.
      treatMissingData: 'breaching',
      ...actions,
    });

    new CloudwatchMetricAlarm(this, 'discoverer-errors', {
      alarmName: `${props.namePrefix}-discoverer-errors`,
      alarmDescription: 'The discoverer failed in three schedule intervals in a row.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: props.discovererName },
      statistic: 'Sum',
      period: props.scheduleMinutes * 60,
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

    new CloudwatchMetricAlarm(this, 'oldest-message-age', {
      alarmName: `${props.namePrefix}-oldest-message-age`,
      alarmDescription: 'Archive work has waited too long: the archiver is behind, throttled or failing.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: props.queueName },
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 1,
      threshold: props.oldestMessageAlarmSeconds,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

    // An audit gap: a log file left RDS before it was archived (the archiver's EMF metric).
    new CloudwatchMetricAlarm(this, 'files-lost', {
      alarmName: `${props.namePrefix}-files-lost`,
      alarmDescription: "A log file was gone from RDS before it was archived: an audit gap. See 'failures'.",
      namespace: METRICS_NAMESPACE,
      metricName: 'FilesLost',
      dimensions: { service: SERVICE_NAME },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });
  }
}
