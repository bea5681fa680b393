/**
 * Parking a message in the DLQ with the reason it cannot be processed, so it is visible to an
 * operator (`failures`, `redrive`) and never silently lost.
 *
 * SQS limits a message to its queue's MaximumMessageSize (at most 1 MiB), body and attributes
 * together. A message that barely fit the archive queue would no longer fit with a reason added,
 * and the send would fail on every delivery until SQS moved it without one. Our own messages are
 * a few hundred bytes, so a body this large is never ours: the DLQ gets its first bytes and a
 * digest of the whole instead.
 */

import { createHash } from 'node:crypto';
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Bodies up to this many UTF-8 bytes are parked whole (far below any queue's limit). */
export const PARK_WHOLE_BODY_BYTES = 64 * 1024;
/** Of a larger body, this many bytes are kept. */
export const PARK_EXCERPT_BYTES = 8 * 1024;
/** The reason attribute is cut to this many characters. */
export const PARK_REASON_CHARS = 1000;

export interface ParkedMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  /** True when only an excerpt of the body could be kept. */
  truncated: boolean;
}

/** What goes to the DLQ for a message that cannot be processed. Pure. */
export function parkedMessage(input: { body: string; messageId: string; reason: string }): ParkedMessage {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const attributes: Record<string, MessageAttributeValue> = {
    reason: text(input.reason.slice(0, PARK_REASON_CHARS)),
    originalMessageId: text(input.messageId),
  };
  if (input.body.length === 0) return { body: '(empty body)', attributes, truncated: false };
  const bytes = Buffer.from(input.body, 'utf8');
  if (bytes.length <= PARK_WHOLE_BODY_BYTES) return { body: input.body, attributes, truncated: false };
  // A cut through a multi-byte character decodes as U+FFFD, which SQS accepts.
  const excerpt = bytes.subarray(0, PARK_EXCERPT_BYTES).toString('utf8');
  return {
    body: excerpt,
    attributes: {
      ...attributes,
      bodyTruncated: text(`first ${PARK_EXCERPT_BYTES} of ${bytes.length} bytes`),
      bodyBytes: { DataType: 'Number', StringValue: String(bytes.length) },
      bodySha256: text(createHash('sha256').update(bytes).digest('hex')),
    },
    truncated: true,
  };
}

/** Sends a parked message to the DLQ. */
export async function parkInDlq(sqs: SQSClient, dlqUrl: string, parked: ParkedMessage): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: parked.body,
      MessageAttributes: parked.attributes,
    }),
  );
}
