/** Queue depth from SQS (approximate, as SQS reports it). */

import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth } from './operations/status/report.js';

/** Visible, in-flight and delayed message counts of one queue: one GetQueueAttributes call. */
export async function queueDepth(sqs: SQSClient, url: string, signal?: AbortSignal): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
    signal ? { abortSignal: signal } : {},
  );
  const count = (name: string) => Number(out.Attributes?.[name as keyof typeof out.Attributes] ?? 0) || 0;
  return {
    url,
    visible: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}
