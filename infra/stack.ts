import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DISCOVERY_MAX_RECEIVES } from '../core/fleet/discovery-tasks.js';
import { ArchiverAlarms } from './alarms.js';
import { ArchiveBucket } from './archive-bucket.js';
import { ArchiveQuery } from './athena.js';
import type { BundleDirs } from './bundle.js';
import { DigestChain } from './digests.js';
import { DEPLOYED_OBJECT_DIGEST, functionEnvironment } from './function-environment.js';
import { HandlerFunction } from './handler-function.js';
import { LedgerTable } from './ledger-table.js';
import { OperatorRole } from './operator-role.js';
import { archiverStatements, discovererStatements, operatorStatements, type PolicyArns } from './policies.js';
import { ArchiveQueues } from './queues.js';
import { DiscoveryScheduleRule } from './schedule.js';
import { retentionPlan, type Settings, visibilityTimeoutSeconds } from './settings.js';

/**
 * What `sourceAccounts` adds to the functions' policies: the member roles to assume, exactly as
 * listed, and the RDS resources of the hub's own account in the other regions listed without a
 * role (read with the functions' own credentials). A member account's RDS resources are the
 * member role's to grant (infra/member-role.ts), never the hub role's.
 */
export function sourceAccountArns(
  sources: Settings['sourceAccounts'],
  partition: string,
): Pick<PolicyArns, 'memberRoles' | 'moreRdsArnPrefixes'> {
  const memberRoles = sources.flatMap((source) => (source.roleArn ? [source.roleArn] : []));
  const moreRdsArnPrefixes = sources
    .filter((source) => source.roleArn === undefined)
    .flatMap((source) => source.regions.map((region) => `arn:${partition}:rds:${region}:${source.account}`));
  return { memberRoles, moreRdsArnPrefixes };
}

/** Tasks (places) per discoverer invocation. Small: a slow place holds only its batch's invocation. */
export const DISCOVERY_BATCH_SIZE = 4;
/** Discoverer invocations at once over the discovery queue: places in different accounts run in parallel. */
export const DISCOVERY_MAX_CONCURRENCY = 10;

export interface ArchiverStackProps {
  settings: Settings;
  /** Folders holding each function's bundle (see bundleHandlers). */
  bundles: BundleDirs;
}

/**
 * The whole deployment: storage, ledger, queues, functions, schedules, alarms, the digest chain,
 * Athena, and the operator role. Its defaults are audit-grade (README "Deploy"): Object Lock and
 * lifecycle from one stated retention, server access logs, queues only the pipeline's roles may
 * send to, one role per job with only the actions its code uses, log groups kept a year, an
 * encrypted alarm topic, and hourly digests only the digester may write.
 */
export class ArchiverStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ArchiverStackProps) {
    super(scope, id);
    const s = props.settings;
    new AwsProvider(this, 'aws', {
      region: s.region,
      defaultTags: [{ tags: { application: 'rds-log-archiver', stack: s.name } }],
    });
    const partition = new DataAwsPartition(this, 'partition').partition;
    const account = new DataAwsCallerIdentity(this, 'account').accountId;

    const bucket = new ArchiveBucket(this, 'archive', {
      create: s.createBucket,
      bucketName: s.bucketName,
      namePrefix: s.name,
      partition,
      account,
      transitions: s.transitions,
      retention: retentionPlan(s),
      accessLogging: s.createBucket && s.accessLogging,
      kmsKeyArn: s.kmsKeyArn,
    });
    const ledger = new LedgerTable(this, 'ledger', { tableName: `${s.name}-ledger`, kmsKeyArn: s.kmsKeyArn })
      .table;
    const queues = new ArchiveQueues(this, 'queues', {
      namePrefix: s.name,
      visibilityTimeoutSeconds: visibilityTimeoutSeconds(s),
      maxReceiveCount: s.maxReceiveCount,
      kmsKeyArn: s.kmsKeyArn,
    });
    // Discovery fans out: one task per place (core/fleet/discovery-tasks.ts).
    const discovery = new ArchiveQueues(this, 'discovery-queues', {
      namePrefix: s.name,
      purpose: 'discovery',
      // Lambda asks for at least the function's timeout; six times it, as for the archive queue.
      visibilityTimeoutSeconds: 6 * s.discovererTimeoutSeconds,
      maxReceiveCount: DISCOVERY_MAX_RECEIVES,
      kmsKeyArn: s.kmsKeyArn,
    });

    const environment = functionEnvironment(s, {
      table: ledger.name,
      queueUrl: queues.queue.url,
      dlqUrl: queues.dlq.url,
      discoveryQueueUrl: discovery.queue.url,
      bucket: bucket.name,
    });
    const arns: PolicyArns = {
      table: ledger.arn,
      queue: queues.queue.arn,
      dlq: queues.dlq.arn,
      discoveryQueue: discovery.queue.arn,
      bucket: bucket.arn,
      keyPrefix: s.keyPrefix,
      kmsKey: s.kmsKeyArn,
      digestSigningKey: s.digestSigningKeyArn,
      rdsArnPrefix: `arn:${partition}:rds:${s.region}:${account}`,
      ...sourceAccountArns(s.sourceAccounts, partition),
    };
    const assumesRoles = (arns.memberRoles ?? []).length > 0;
    const vpc =
      s.subnetIds.length > 0 ? { subnetIds: s.subnetIds, securityGroupIds: s.securityGroupIds } : undefined;
    const common = {
      architecture: s.architecture,
      environment,
      logRetentionDays: s.logRetentionDays,
      partition,
      vpc,
    };

    const discoverer = new HandlerFunction(this, 'discoverer', {
      ...common,
      functionName: `${s.name}-discoverer`,
      description: 'Lists RDS log files, records new work in the ledger and queues it',
      bundleDir: props.bundles.discoverer,
      memoryMb: s.discovererMemoryMb,
      timeoutSeconds: s.discovererTimeoutSeconds,
      statements: (logGroup) =>
        discovererStatements(arns, logGroup, {
          standalone: s.instances.length > 0 || s.instanceTag !== undefined,
          assumesRoles,
        }),
    });
    const archiver = new HandlerFunction(this, 'archiver', {
      ...common,
      functionName: `${s.name}-archiver`,
      description: 'Streams queued RDS log files into S3 as gzip objects',
      bundleDir: props.bundles.archiver,
      memoryMb: s.archiverMemoryMb,
      timeoutSeconds: s.archiverTimeoutSeconds,
      statements: (logGroup) =>
        archiverStatements(arns, logGroup, {
          objectDigest: DEPLOYED_OBJECT_DIGEST,
          clusterTag: s.clusterTag !== undefined,
          instanceTag: s.instanceTag !== undefined,
          assumesRoles,
        }),
    });

    const operator = new OperatorRole(this, 'operator', {
      roleName: `${s.name}-operator`,
      principals:
        s.operatorPrincipals.length > 0 ? s.operatorPrincipals : [`arn:${partition}:iam::${account}:root`],
      statements: operatorStatements(arns, DEPLOYED_OBJECT_DIGEST),
    });
    // The discoverer queues work and operators redrive it; only the archiver parks work in the DLQ.
    queues.restrictSenders({
      queue: [discoverer.role.arn, operator.role.arn],
      dlq: [archiver.role.arn],
    });
    // Only the discoverer plans tasks. No role sends to the discovery DLQ (SQS moves a task there
    // after its last receive, which is no send by a principal); its deny needs a list, and the
    // discoverer's own policy grants it no send there.
    discovery.restrictSenders({ queue: [discoverer.role.arn], dlq: [discoverer.role.arn] });

    new LambdaEventSourceMapping(this, 'discovery-queue-mapping', {
      eventSourceArn: discovery.queue.arn,
      functionName: discoverer.fn.arn,
      batchSize: DISCOVERY_BATCH_SIZE,
      // One place that cannot be read must not send the other places of its batch back.
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: DISCOVERY_MAX_CONCURRENCY },
      dependsOn: [discoverer.role, discoverer.fn],
    });

    new LambdaEventSourceMapping(this, 'archive-queue-mapping', {
      eventSourceArn: queues.queue.arn,
      functionName: archiver.fn.arn,
      batchSize: s.batchSize,
      maximumBatchingWindowInSeconds: s.batchingWindowSeconds,
      // One failed file must not send the whole batch back to the queue.
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: s.maxConcurrency },
      // The mapping polls with the function's role: its policy must exist first.
      dependsOn: [archiver.role, archiver.fn],
    });

    new DiscoveryScheduleRule(this, 'schedule', {
      ruleName: `${s.name}-discover`,
      minutes: s.scheduleMinutes,
      fn: discoverer.fn,
    });

    const alarms = new ArchiverAlarms(this, 'alarms', {
      namePrefix: s.name,
      queueName: queues.queue.name,
      dlqName: queues.dlq.name,
      discoveryDlqName: discovery.dlq.name,
      archiverName: archiver.fn.functionName,
      discovererName: discoverer.fn.functionName,
      scheduleMinutes: s.scheduleMinutes,
      oldestMessageAlarmSeconds: s.oldestMessageAlarmSeconds,
      alarmEmail: s.alarmEmail,
      encrypt: s.encryptAlarmTopic,
      partition,
      account,
    });

    const digests = new DigestChain(this, 'digests', {
      settings: s,
      common,
      bundleDir: props.bundles.digester,
      arns,
      alarmTopic: alarms.topic,
    });

    const query = new ArchiveQuery(this, 'query', {
      namePrefix: s.name,
      bucketName: bucket.name,
      layout: s.keyLayout,
      keyPrefix: s.keyPrefix,
      // The key's first folder is the cluster, or the instance when it is standalone (core/s3-keys.ts);
      // a tag selector means the groups are not known at deploy time.
      clusters: s.clusterTag || s.instanceTag ? [] : [...s.clusters, ...s.instances],
      kmsKeyArn: s.kmsKeyArn,
      logTypes: s.logTypes,
      sources: s.sourceAccounts,
    });

    const outputs: Record<string, string> = {
      bucket: bucket.name,
      table: ledger.name,
      queue_url: queues.queue.url,
      dlq_url: queues.dlq.url,
      discoverer_function: discoverer.fn.functionName,
      archiver_function: archiver.fn.functionName,
      digester_function: digests.digester.fn.functionName,
      digest_auditor_policy: digests.auditorPolicy.arn,
      athena_table: `${query.database.name}.${query.table.name}`,
      athena_workgroup: query.workgroup.name,
      alarm_topic: alarms.topic.arn,
      operator_role_arn: operator.role.arn,
      ...(bucket.accessLogs ? { access_log_bucket: bucket.accessLogs.name } : {}),
      ...(query.sourcesTable
        ? { athena_sources_table: `${query.database.name}.${query.sourcesTable.name}` }
        : {}),
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
