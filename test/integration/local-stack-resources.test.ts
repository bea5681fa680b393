import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_INDEXES } from '../../core/ledger/table.js';
import { createTestResources, localStack, type TestResources } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';

describe('createTestResources', () => {
  let res: TestResources;
  beforeAll(async () => {
    res = await createTestResources('resources', { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
  });
  afterAll(() => res?.cleanup());

  it('creates the ledger table with both indexes', async () => {
    const table = await res.clients.dynamodb.send(new DescribeTableCommand({ TableName: res.table }));
    expect(table.Table?.TableStatus).toBe('ACTIVE');
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(
      Object.values(LEDGER_INDEXES)
        .map((i) => i.name)
        .sort(),
    );
    await res.clients.doc.put({ TableName: res.table, Item: { pk: 'I#x', sk: 'F#y', n: 1 } });
    const item = await res.clients.doc.get({ TableName: res.table, Key: { pk: 'I#x', sk: 'F#y' } });
    expect(item.Item?.n).toBe(1);
  });

  it('gives the archive queue a redrive policy to its DLQ', async () => {
    const [queue, dlq] = await Promise.all(
      [res.queueUrl, res.dlqUrl].map((QueueUrl) =>
        res.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
      ),
    );
    expect(queue?.Attributes?.VisibilityTimeout).toBe('1');
    expect(JSON.parse(queue?.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq?.Attributes?.QueueArn,
      maxReceiveCount: 2,
    });
  });

  it('moves a message to the DLQ after maxReceiveCount receives', async () => {
    const { sqs } = res.clients;
    await sqs.send(new SendMessageCommand({ QueueUrl: res.queueUrl, MessageBody: 'poison' }));
    let received = 0;
    await waitUntil('the second receive', async () => {
      const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: res.queueUrl, WaitTimeSeconds: 1 }));
      received += batch.Messages?.length ?? 0;
      return received >= 2;
    });
    expect(received).toBe(2);
    const dead = await waitUntil('the message in the DLQ', async () => {
      // A receive after the last visibility timeout triggers the move.
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: res.queueUrl, WaitTimeSeconds: 1 }));
      const fromDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: res.dlqUrl, WaitTimeSeconds: 1 }));
      const message = fromDlq.Messages?.[0];
      if (!message) return undefined;
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: res.dlqUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      return message.Body;
    });
    expect(dead).toBe('poison');
  });

  it('creates the bucket, reachable path-style', async () => {
    await res.clients.s3.send(new HeadBucketCommand({ Bucket: res.bucket }));
    await res.clients.s3.send(new PutObjectCommand({ Bucket: res.bucket, Key: 'a/b.gz', Body: 'hello' }));
    const got = await res.clients.s3.send(new GetObjectCommand({ Bucket: res.bucket, Key: 'a/b.gz' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it('provides pipeline variables naming these resources', () => {
    const { endpoints, region } = localStack();
    expect(res.env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_REGION: region,
      ARCHIVER_TABLE: res.table,
      ARCHIVER_QUEUE_URL: res.queueUrl,
      ARCHIVER_DLQ_URL: res.dlqUrl,
      ARCHIVER_BUCKET: res.bucket,
      ARCHIVER_MAX_ATTEMPTS: '2',
    });
    const withRds = res.envFor(
      { url: 'http://127.0.0.1:1', credentials: [{ accessKeyId: 'A', secretAccessKey: 'S' }] },
      ['c-1', 'c-2'],
    );
    expect(withRds).toMatchObject({
      AWS_ENDPOINT_URL_RDS: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'A',
      AWS_SECRET_ACCESS_KEY: 'S',
      ARCHIVER_CLUSTERS: 'c-1,c-2',
    });
  });

  it('binds the emulators to 127.0.0.1 and keeps Java running for the whole run', () => {
    const { endpoints, dynamodbPid } = localStack();
    for (const url of Object.values(endpoints)) expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(() => process.kill(dynamodbPid, 0)).not.toThrow();
  });
});
