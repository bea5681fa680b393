import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { AssetType, type ITerraformDependable, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { LAMBDA_HANDLER } from './bundle.js';
import { lambdaTrustPolicy, type PolicyStatement, policyDocument } from './policies.js';
import type { Settings } from './settings.js';

export const LAMBDA_RUNTIME = 'nodejs22.x';

export interface HandlerFunctionProps {
  functionName: string;
  description: string;
  /** Folder holding the function's bundle (`index.mjs`). */
  bundleDir: string;
  memoryMb: number;
  timeoutSeconds: number;
  architecture: Settings['architecture'];
  environment: Record<string, string>;
  logRetentionDays: number;
  partition: string;
  /** Builds the role's statements once the log group ARN is known. */
  statements: (logGroupArn: string) => PolicyStatement[];
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | undefined;
}

/**
 * One Lambda function from a bundle folder: its own role with an inline least-privilege policy, its
 * own log group with retention, JSON logs.
 */
export class HandlerFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    // Created here rather than by Lambda on first run, so it has a retention and is removed on destroy.
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
    });

    this.role = new IamRole(this, 'role', {
      name: props.functionName,
      assumeRolePolicy: lambdaTrustPolicy(),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.name,
      policy: policyDocument(props.statements(this.logGroup.arn)),
    });
    const dependencies: ITerraformDependable[] = [this.logGroup, policy];
    if (props.vpc) {
      // ENI management for a function in a VPC. ec2:DescribeNetworkInterfaces and friends cannot be
      // scoped to resources, so this is the one AWS-managed policy used, and only with a VPC.
      dependencies.push(
        new IamRolePolicyAttachment(this, 'vpc-access', {
          role: this.role.name,
          policyArn: `arn:${props.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`,
        }),
      );
    }

    const asset = new TerraformAsset(this, 'code', { path: props.bundleDir, type: AssetType.ARCHIVE });
    this.fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      handler: LAMBDA_HANDLER,
      architectures: [props.architecture],
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      filename: asset.path,
      // The zip itself carries file times; the asset hash is over the bundle's bytes only, so it is
      // the same on every machine that bundles the same code.
      sourceCodeHash: asset.assetHash,
      environment: { variables: props.environment },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      ...(props.vpc ? { vpcConfig: props.vpc } : {}),
      dependsOn: dependencies,
    });
  }
}
