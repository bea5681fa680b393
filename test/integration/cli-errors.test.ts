/**
 * The CLI's error boundary, through the real binary (`node bin/rds-log-archiver.js`) against the
 * shared emulators: each known failure ends in one line that names the thing and what to do, with
 * the documented exit code, and no stack trace unless --debug or DEBUG=1 asks for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { freePort } from '../../local/ports.js';
import { CLI_BIN, runNode } from '../support/processes.js';
import { createTestResources, type TestResources } from '../support/stack.js';

let res: TestResources;
let scratch: string;

/** A stack frame line of a printed stack trace. */
const STACK_FRAME = /\n\s+at .+[:(]/;

/** The environment a configured operator has: the test resources, one cluster. */
function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...res.env, ARCHIVER_CLUSTERS: 'aurora-audit-1', DEBUG: undefined, ...overrides };
}

/** Runs the CLI; stderr is expected to be the boundary's report, without a stack trace. */
async function cli(args: string[], environment: Record<string, string | undefined>) {
  const run = await runNode([CLI_BIN, ...args], environment);
  return { ...run, line: run.stderr.trim().split('\n')[0] ?? '' };
}

beforeAll(async () => {
  res = await createTestResources('cli-errors');
  scratch = mkdtempSync(join(tmpdir(), 'cli-errors-'));
});

afterAll(async () => {
  await res?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the CLI error boundary', () => {
  it('reports every configuration problem at once, as a usage error, for discover, archive and run', async () => {
    const bare = {
      ...Object.fromEntries(Object.keys(res.env).map((key) => [key, undefined])),
      AWS_REGION: 'us-east-1',
      ARCHIVER_GZIP_LEVEL: 'eleven',
    };
    const [discover, archive, run] = await Promise.all([
      cli(['discover'], bare),
      cli(['archive'], bare),
      cli(['run'], bare),
    ]);
    for (const result of [discover, archive, run]) {
      expect(result.code).toBe(EXIT.usage);
      expect(result.line).toMatch(/^rds-log-archiver: invalid configuration \(\d problems\)/);
      expect(result.stderr).toMatch(/- ARCHIVER_TABLE is required: the DynamoDB ledger table name/);
      expect(result.stderr).toMatch(/- ARCHIVER_GZIP_LEVEL must be a whole number from 1 to 9, got "eleven"/);
      expect(result.stderr).not.toMatch(STACK_FRAME);
    }
    // The queue URL is one of the problems, reported with the others (archive drains it itself).
    expect(archive.stderr).toMatch(/- ARCHIVER_QUEUE_URL is required/);
    expect(archive.stderr).toMatch(/- ARCHIVER_BUCKET is required/);
    expect(discover.stderr).toMatch(/- ARCHIVER_QUEUE_URL is required/);
    expect(discover.stderr).not.toMatch(/ARCHIVER_BUCKET/);
  });

  it('gives archive and redrive the same exit code and words for a missing queue URL', async () => {
    const results = await Promise.all(
      [['archive'], ['redrive']].map((args) => cli(args, env({ ARCHIVER_QUEUE_URL: undefined }))),
    );
    for (const result of results) {
      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).toMatch(/- ARCHIVER_QUEUE_URL is required: the archive queue, an SQS queue URL/);
    }
  });

  it('names a table that does not exist, and the variable to fix', async () => {
    const result = await cli(['status'], env({ ARCHIVER_TABLE: `${res.names.table}-missing` }));
    expect(result.code).toBe(EXIT.bad);
    expect(result.line).toBe(
      `rds-log-archiver: DynamoDB table "${res.names.table}-missing" does not exist at ${res.endpoints.dynamodb} ` +
        "(AWS_ENDPOINT_URL_DYNAMODB): check ARCHIVER_TABLE and AWS_REGION, or create it ('npx cdktf deploy'; " +
        "locally 'rds-log-archiver local up').",
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names a queue and a bucket that do not exist before archiving anything', async () => {
    const queue = `${res.queueUrl}-missing`;
    const bucket = `${res.names.bucket}-missing`;
    const [queueResult, bucketResult, both] = await Promise.all([
      cli(['archive'], env({ ARCHIVER_QUEUE_URL: queue })),
      cli(['archive'], env({ ARCHIVER_BUCKET: bucket })),
      cli(['archive'], env({ ARCHIVER_QUEUE_URL: queue, ARCHIVER_BUCKET: bucket })),
    ]);
    expect(queueResult.code).toBe(EXIT.bad);
    expect(queueResult.line).toBe(
      `rds-log-archiver: SQS queue ${queue} does not exist at ${res.endpoints.sqs} (AWS_ENDPOINT_URL_SQS): ` +
        "check ARCHIVER_QUEUE_URL ('npx cdktf output' shows queue_url and dlq_url).",
    );
    expect(bucketResult.code).toBe(EXIT.bad);
    expect(bucketResult.line).toBe(
      `rds-log-archiver: S3 bucket "${bucket}" does not exist at ${res.endpoints.s3} (AWS_ENDPOINT_URL_S3): ` +
        "check ARCHIVER_BUCKET ('npx cdktf output' shows bucket).",
    );
    // Both at once: listed together.
    expect(both.code).toBe(EXIT.bad);
    expect(both.stderr).toContain(`SQS queue ${queue} does not exist`);
    expect(both.stderr).toContain(`S3 bucket "${bucket}" does not exist`);
    for (const result of [queueResult, bucketResult, both]) expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('names the service whose endpoint refused the connection', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(['failures'], env({ AWS_ENDPOINT_URL_DYNAMODB: closed }));
    expect(result.code).toBe(EXIT.bad);
    expect(result.line).toMatch(
      new RegExp(
        `^rds-log-archiver: cannot reach DynamoDB at ${closed} \\(AWS_ENDPOINT_URL_DYNAMODB\\): connection refused\\. ` +
          'Is the local stack running\\?',
      ),
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('says how to provide credentials when there are none', async () => {
    const nowhere = join(scratch, 'no-such-file');
    const result = await cli(
      ['status'],
      env({
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: nowhere,
        AWS_SHARED_CREDENTIALS_FILE: nowhere,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        // No instance metadata service to ask on a developer machine (and no waiting for one).
        AWS_EC2_METADATA_DISABLED: 'true',
        HOME: scratch,
      }),
    );
    expect(result.code).toBe(EXIT.bad);
    expect(result.line).toMatch(
      /^rds-log-archiver: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('shows the stack with --debug or DEBUG=1, after the same line', async () => {
    const missing = env({ ARCHIVER_TABLE: `${res.names.table}-missing` });
    const [flag, variable] = await Promise.all([
      cli(['failures', '--debug'], missing),
      cli(['failures'], { ...missing, DEBUG: '1' }),
    ]);
    for (const result of [flag, variable]) {
      expect(result.code).toBe(EXIT.bad);
      expect(result.line).toMatch(/^rds-log-archiver: DynamoDB table ".+-missing" does not exist/);
      expect(result.stderr).toMatch(/ResourceNotFoundException: /);
      expect(result.stderr).toMatch(STACK_FRAME);
    }
  });

  it('says how to install Java when local up cannot find it', async () => {
    const emptyBin = join(scratch, 'bin');
    const result = await cli(['local', 'up', '--state-dir', join(scratch, 'state')], {
      PATH: emptyBin,
      DEBUG: undefined,
    });
    expect(result.code).toBe(EXIT.bad);
    expect(result.stderr).toContain(
      "rds-log-archiver: Java was not found (no 'java' on PATH); DynamoDB Local needs it: install Java 17 or newer " +
        '(Debian/Ubuntu: apt-get install -y default-jre-headless',
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
