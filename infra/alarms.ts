import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../core/observability.js';

export interface AlarmsProps {
  namePrefix: string;
  queueName: string;
  dlqName: string;
  archiverName: string;
  discovererName: string;
  scheduleMinutes: number;
  oldestMessageAlarmSeconds: number;
  alarmEmail: string | undefined;
}

/**
 * Alarms that mean "the archive is falling behind or losing work", sent to one SNS topic.
 * The topic is not KMS-encrypted on purpose: CloudWatch cannot publish to a topic under the AWS managed
 * SNS key, a customer key needs a key-policy grant this stack does not own, and alarm messages carry
 * no log data.
 */
export class ArchiverAlarms extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'topic', { name: `${props.namePrefix}-alarms` });
    if (props.alarmEmail) {
      // The address must confirm the subscription before it receives anything.
      new SnsTopicSubscription(this, 'email', {
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: props.alarmEmail,
      });
    }
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };

    new CloudwatchMetricAlarm(this, 'dlq-not-empty', {
      alarmName: `${props.namePrefix}-dlq-not-empty`,
      alarmDescription: 'Log files failed every attempt and wait on the DLQ: inspect, then redrive.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: props.dlqName },
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

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
