import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { Construct } from 'constructs';

/** `rate(1 minute)` / `rate(5 minutes)`: EventBridge insists on the singular for 1. */
export function rateExpression(minutes: number): string {
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

export interface DiscoverySchedule {
  ruleName: string;
  minutes: number;
  fn: LambdaFunction;
  /** Default: the discoverer's. */
  description?: string;
}

/** Runs a function (the discoverer, the digester) every few minutes through an EventBridge rule. */
export class DiscoveryScheduleRule extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: DiscoverySchedule) {
    super(scope, id);
    this.rule = new CloudwatchEventRule(this, 'rule', {
      name: props.ruleName,
      description: props.description ?? 'Starts the RDS log discoverer',
      scheduleExpression: rateExpression(props.minutes),
    });
    new CloudwatchEventTarget(this, 'target', { rule: this.rule.name, arn: props.fn.arn });
    new LambdaPermission(this, 'invoke', {
      statementId: 'AllowEventBridgeSchedule',
      action: 'lambda:InvokeFunction',
      functionName: props.fn.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: this.rule.arn,
    });
  }
}
