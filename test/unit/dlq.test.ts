import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PARK_EXCERPT_BYTES, PARK_WHOLE_BODY_BYTES, parkedMessage } from '../../core/dlq.js';

/** What SQS counts against MaximumMessageSize: body, attribute names, types and values. */
function sqsSize(parked: ReturnType<typeof parkedMessage>): number {
  let size = Buffer.byteLength(parked.body);
  for (const [name, value] of Object.entries(parked.attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

describe('parkedMessage', () => {
  it('parks a body with its reason and original message id', () => {
    expect(parkedMessage({ body: '{"v":1}', messageId: 'm-1', reason: 'malformed message: x' })).toEqual({
      body: '{"v":1}',
      attributes: {
        reason: { DataType: 'String', StringValue: 'malformed message: x' },
        originalMessageId: { DataType: 'String', StringValue: 'm-1' },
      },
      truncated: false,
    });
  });

  it('parks an empty body as a visible placeholder (SQS refuses empty bodies)', () => {
    expect(parkedMessage({ body: '', messageId: 'm', reason: 'r' }).body).toBe('(empty body)');
  });

  it('cuts the reason to 1000 characters', () => {
    const parked = parkedMessage({ body: 'x', messageId: 'm', reason: 'r'.repeat(5000) });
    expect(parked.attributes.reason?.StringValue).toHaveLength(1000);
  });

  it('parks a body near the 1 MiB limit as an excerpt and a digest of the whole, far below the limit', () => {
    const body = `{"v":2,"pad":"${'é'.repeat(520_000)}"}`;
    const bytes = Buffer.byteLength(body);
    expect(bytes).toBeGreaterThan(1_000_000);
    const parked = parkedMessage({ body, messageId: 'm', reason: 'malformed message: body too large' });
    expect(parked.truncated).toBe(true);
    expect(Buffer.byteLength(parked.body)).toBeLessThanOrEqual(PARK_EXCERPT_BYTES + 3);
    expect(body.startsWith(parked.body.replace(/\uFFFD$/, ''))).toBe(true);
    expect(parked.attributes.bodyBytes).toEqual({ DataType: 'Number', StringValue: String(bytes) });
    expect(parked.attributes.bodySha256?.StringValue).toBe(createHash('sha256').update(body).digest('hex'));
    expect(sqsSize(parked)).toBeLessThan(PARK_WHOLE_BODY_BYTES);
  });

  it('parks a body up to the threshold whole', () => {
    const body = 'x'.repeat(PARK_WHOLE_BODY_BYTES);
    expect(parkedMessage({ body, messageId: 'm', reason: 'r' })).toMatchObject({ body, truncated: false });
    expect(parkedMessage({ body: `${body}x`, messageId: 'm', reason: 'r' }).truncated).toBe(true);
  });
});
