import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy/index.js';
import { SqsQueueRedrivePolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-policy/index.js';
import { Construct } from 'constructs';
import { queuePolicy } from './policies.js';

/** 14 days: the longest SQS keeps a message, so failed work waits as long as possible for a redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** 4 days on the work queue: the DLQ must keep messages longer (their age carries over). */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;

export interface ArchiveQueuesProps {
  namePrefix: string;
  /** What the queues carry, in their names: `archive` (default) or `discovery`. */
  purpose?: 'archive' | 'discovery';
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  kmsKeyArn: string | undefined;
}

/**
 * A work queue and its dead-letter queue, both encrypted, wired both ways: the archive queue, or
 * the discovery queue (one task per place, core/fleet/discovery-tasks.ts). Who may send to them
 * is set once the roles exist (`restrictSenders`).
 */
export class ArchiveQueues extends Construct {
  readonly queue: SqsQueue;
  readonly dlq: SqsQueue;

  constructor(scope: Construct, id: string, props: ArchiveQueuesProps) {
    super(scope, id);
    const encryption = props.kmsKeyArn
      ? { kmsMasterKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 }
      : { sqsManagedSseEnabled: true };

    const purpose = props.purpose ?? 'archive';
    this.dlq = new SqsQueue(this, 'dlq', {
      name: `${props.namePrefix}-${purpose}-dlq`,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      ...encryption,
    });
    this.queue = new SqsQueue(this, 'queue', {
      name: `${props.namePrefix}-${purpose}`,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
      // Long polling: fewer empty receives for the event source mapping's pollers.
      receiveWaitTimeSeconds: 20,
      ...encryption,
    });

    // Separate resources (not inline attributes) so neither queue's definition refers to the other.
    new SqsQueueRedrivePolicy(this, 'redrive', {
      queueUrl: this.queue.url,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.dlq.arn,
        maxReceiveCount: props.maxReceiveCount,
      }),
    });
    new SqsQueueRedriveAllowPolicy(this, 'redrive-allow', {
      queueUrl: this.dlq.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [this.queue.arn] }),
    });
  }

  /**
   * Queue policies: only the listed roles may send to each queue, and nothing reaches either queue
   * except over TLS (see `queuePolicy`). SQS's own move to the DLQ after `maxReceiveCount` receives
   * is not a send by a principal, so the DLQ needs no grant for it.
   */
  restrictSenders(senders: { queue: readonly string[]; dlq: readonly string[] }): void {
    new SqsQueuePolicy(this, 'queue-policy', {
      queueUrl: this.queue.url,
      policy: queuePolicy(this.queue.arn, senders.queue),
    });
    new SqsQueuePolicy(this, 'dlq-policy', {
      queueUrl: this.dlq.url,
      policy: queuePolicy(this.dlq.arn, senders.dlq),
    });
  }
}
