/**
 * Proves the Lambda bundles, not just the sources: bundles the handlers with esbuild, loads the
 * bundled files with `import()` and runs one discovery pass, one archive batch and one digester run
 * through them against the local stack (DynamoDB Local, fauxqs, the RDS simulator).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../core/observability.js';
import { BUNDLE_FILE, type BundleDirs, bundleHandlers } from '../../infra/bundle.js';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { createTestResources, type TestResources } from '../support/stack.js';
import { synthStack } from './synth.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000;
// A rotated file (writer 0 has a newer one), so it is final and archived without waiting to settle.
const OLD = new Date(NOW - 3 * HOUR);
const stamp = OLD.toISOString().slice(0, 13).replace('T', '-');
const FILE = `audit/audit.log.0.${stamp}-00.1`;
const SIZE = 200_000;

let root: string;
let first: BundleDirs;
let second: BundleDirs;
let res: TestResources;
let sim: RdsSimulator;
const savedEnv = { ...process.env };

function context(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `bundle-test-${name}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'bundle-test',
    getRemainingTimeInMillis: () => 120_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function load(dir: string): Promise<Handler> {
  const mod = (await import(pathToFileURL(join(dir, BUNDLE_FILE)).href)) as { handler: Handler };
  expect(typeof mod.handler).toBe('function');
  return mod.handler;
}

/** One JSON line a handler wrote: a Powertools log line or an EMF metrics document. */
interface StdoutLine {
  message?: string;
  _aws?: { CloudWatchMetrics?: Array<{ Namespace?: string; Metrics?: Array<{ Name: string }> }> };
  [field: string]: unknown;
}

/**
 * Runs `fn` with this process's stdout captured and returns what was written there as JSON lines:
 * the bundled handlers' log lines and EMF metrics, which CloudWatch reads from stdout on Lambda.
 * Captured rather than printed, so the test run stays quiet, and checked below.
 */
async function capturingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; lines: StdoutLine[] }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
  try {
    const result = await fn();
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as StdoutLine);
    return { result, lines };
  } finally {
    spy.mockRestore();
  }
}

/** The metric names of the EMF documents among `lines`, with their values. */
function metricsIn(lines: StdoutLine[]): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  for (const line of lines) {
    const directive = line._aws?.CloudWatchMetrics?.[0];
    if (directive?.Namespace !== METRICS_NAMESPACE) continue;
    for (const { Name } of directive.Metrics ?? []) metrics[Name] = line[Name];
  }
  return metrics;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  // Two bundles into two different folders: the output must not depend on where it is written.
  first = await bundleHandlers(join(root, 'a'));
  second = await bundleHandlers(join(root, 'b'));
  res = await createTestResources('bundle');
  sim = await startRdsSimulator({
    region: res.region,
    clock: manualClock(NOW),
    workload: {
      clusters: 1,
      instancesPerCluster: 1,
      historyHours: 1,
      logKinds: ['audit'],
      writerBytesPerSecond: 16,
    },
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await sim?.stop();
  await res?.cleanup();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('bundleHandlers', () => {
  it('writes the same bytes, and so the same TerraformAsset hash, wherever it bundles', () => {
    for (const name of ['discoverer', 'archiver'] as const) {
      expect(sha256(join(first[name], BUNDLE_FILE))).toBe(sha256(join(second[name], BUNDLE_FILE)));
      const text = readFileSync(join(first[name], BUNDLE_FILE), 'utf8');
      expect(text).not.toContain(root);
      expect(text.startsWith("import { createRequire } from 'module';")).toBe(true);
    }
    const hashes = (bundles: BundleDirs) =>
      synthStack({}, bundles)
        .resources('aws_lambda_function')
        .map(([, fn]) => fn.source_code_hash)
        .sort();
    expect(hashes(first)).toEqual(hashes(second));
  });

  it('carries only the SDK clients each function uses', () => {
    // esbuild's (non-minified) output names every bundled module's path in a comment.
    const bundled = (name: 'discoverer' | 'archiver' | 'digester', pkg: string) =>
      readFileSync(join(first[name], BUNDLE_FILE), 'utf8').includes(`node_modules/@aws-sdk/${pkg}/`);
    expect(bundled('discoverer', 'client-rds')).toBe(true);
    expect(bundled('discoverer', 'client-sqs')).toBe(true);
    expect(bundled('discoverer', 'client-s3')).toBe(false);
    expect(bundled('discoverer', 'lib-storage')).toBe(false);
    expect(bundled('archiver', 'client-s3')).toBe(true);
    // The archiver downloads over signed HTTP, but reads a cluster's tags (DescribeDBClusters)
    // before downloading when clusters are chosen by tag (core/rds/cluster-selection.ts).
    expect(bundled('archiver', 'client-rds')).toBe(true);
    expect(bundled('archiver', 'lib-dynamodb')).toBe(true);
    // The digester: the ledger, S3 and (for a KMS signing key) KMS; no RDS, no queue.
    expect(bundled('digester', 'client-dynamodb')).toBe(true);
    expect(bundled('digester', 'client-s3')).toBe(true);
    expect(bundled('digester', 'client-kms')).toBe(true);
    expect(bundled('digester', 'client-rds')).toBe(false);
    expect(bundled('digester', 'client-sqs')).toBe(false);
  });

  it('runs a discovery pass, an archive batch and a digester run from the bundled files against the local stack', async () => {
    const cluster = sim.world.clusters()[0];
    const instance = cluster?.instances[0];
    if (!cluster || !instance) throw new Error('the simulator made no cluster');
    sim.world.addFile(instance, FILE, { size: SIZE, lastWritten: OLD.getTime() + HOUR });
    Object.assign(process.env, res.envFor({ url: sim.url, credentials: sim.credentials }, [cluster.id]));

    const discoverer = await load(first.discoverer);
    // The schedule plans one discovery task per place (here the home place) on the discovery queue.
    const scheduled = await capturingStdout(() =>
      discoverer(
        {
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          time: new Date(NOW).toISOString(),
          detail: {},
        },
        context('discoverer'),
      ),
    );
    expect(scheduled.lines.map((line) => line.message)).toContain('Discovery tasks sent');
    expect(scheduled.result).toEqual({ planned: 1, sent: 1, unsent: [] });
    // The event source mapping delivers the task to the same function.
    const tasks = await receiveEvery(res.discoveryQueueUrl);
    expect(tasks.map((m) => JSON.parse(m.Body ?? '{}').place)).toEqual(['home']);
    const discovery = await capturingStdout(() => discoverer(sqsEvent(tasks), context('discoverer')));
    expect(discovery.result).toEqual({ batchItemFailures: [] });
    expect(discovery.lines.map((line) => line.message)).toContain('Discovery tasks done');
    expect(metricsIn(discovery.lines)).toMatchObject({ InstancesListed: 1 });

    const messages = await receiveEvery(res.queueUrl);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    const event = sqsEvent(messages);

    const archiver = await load(first.archiver);
    const archived = await capturingStdout(() => archiver(event, context('archiver')));
    expect((archived.result as SQSBatchResponse).batchItemFailures).toEqual([]);
    const lines = archived.lines.filter((line) => line.message === 'Archived');
    expect(lines).toHaveLength(messages.length);
    expect(lines[0]).toMatchObject({ level: 'INFO', function_name: 'archiver' });
    expect(metricsIn(archived.lines)).toHaveProperty('FilesArchived');

    const listed = await res.clients.s3.send(new ListObjectsV2Command({ Bucket: res.bucket }));
    const key = (listed.Contents ?? [])
      .map((o) => o.Key ?? '')
      .find((k) => k.endsWith(`/${FILE.split('/')[1]}.gz`));
    expect(key).toMatch(new RegExp(`^${cluster.id}/audit/\\d{4}/\\d{2}/\\d{2}/\\d{2}/${instance}/`));
    const object = await res.clients.s3.send(new GetObjectCommand({ Bucket: res.bucket, Key: key }));
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of (object.Body as NodeJS.ReadableStream).pipe(createGunzip())) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    expect({ bytes, sha256: hash.digest('hex') }).toEqual({
      bytes: SIZE,
      sha256: await sim.world.sha256(instance, FILE),
    });

    // The digester's first run starts the chain at the hour before now and writes every digest
    // that is due (that hour's, once five minutes of this one have passed).
    const digester = await load(first.digester);
    const digested = await capturingStdout(() =>
      digester({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, context('digester')),
    );
    const ran = digested.result as {
      written: Array<{ hour: string; key: string; objects: number }>;
      nextHour: string;
      behind: number;
    };
    expect(digested.lines.find((line) => line.message === 'Digester run done')).toMatchObject({
      level: 'INFO',
      function_name: 'digester',
    });
    expect(metricsIn(digested.lines)).toHaveProperty('DigestsWritten');
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    expect(ran.behind).toBe(0);
    expect([hour - 2 * HOUR, hour - HOUR, hour].map((h) => new Date(h).toISOString())).toContain(
      ran.nextHour,
    );
    for (const digest of ran.written) {
      const stored = await res.clients.s3.send(new GetObjectCommand({ Bucket: res.bucket, Key: digest.key }));
      expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject({
        hour: digest.hour,
        previous: null,
      });
    }
  }, 180_000); // a bound, not a wait: it imports three bundles, each taking seconds on a loaded machine
});

/** Every visible message, each hidden until the end of the test: none is received twice. */
async function receiveEvery(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const received = await res.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 3600,
        WaitTimeSeconds: 1,
      }),
    );
    if (!received.Messages?.length) return messages;
    messages.push(...received.Messages);
  }
}

/** The event Lambda's SQS event source mapping would deliver for these messages. */
function sqsEvent(messages: readonly Message[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(NOW),
        SenderId: 'bundle-test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:bundle-test',
      awsRegion: res.region,
    })),
  };
}
