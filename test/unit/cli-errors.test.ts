import type { MiddlewareStack } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../cli/command.js';
import {
  describeError,
  EXIT,
  exitCodesHelp,
  exitStatusHelp,
  FailuresError,
  UsageError,
} from '../../cli/errors.js';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { type AwsCallContext, awsCallContext, recordCallContext } from '../../core/aws-call-context.js';
import { ConfigError } from '../../core/config.js';
import { JavaNotFoundError } from '../../local/errors.js';

/** An error as the AWS SDK throws it: its name is the service's error code. */
function awsError(code: string, message = code): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: 400 } });
}

/**
 * Passes `error` through the middleware `recordCallContext` adds to a client, as a failed call
 * with `input` would, and returns what comes out.
 */
async function throughClient(
  error: unknown,
  about: Pick<AwsCallContext, 'service' | 'endpoint' | 'region'>,
  command: string,
  input: Record<string, unknown>,
): Promise<unknown> {
  let middleware: ((next: unknown, context: unknown) => (args: unknown) => Promise<unknown>) | undefined;
  const stack = { add: (fn: typeof middleware) => (middleware = fn) } as unknown as MiddlewareStack<
    object,
    object
  >;
  recordCallContext({ middlewareStack: stack }, about);
  const handler = middleware?.(
    async () => {
      throw error;
    },
    { commandName: command },
  );
  return handler?.({ input }).catch((e: unknown) => e);
}

const LOCAL_ENV = {
  AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
  AWS_ENDPOINT_URL_RDS: 'http://127.0.0.1:4599',
};

describe('recordCallContext', () => {
  it('records the service, command, endpoint and resource of a failed call on the error', async () => {
    const error = await throughClient(
      awsError('QueueDoesNotExist'),
      { service: 'SQS', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' },
      'GetQueueAttributesCommand',
      { QueueUrl: 'http://q/1' },
    );
    expect(awsCallContext(error)).toEqual({
      service: 'SQS',
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      command: 'GetQueueAttributesCommand',
      resource: { kind: 'queue', name: 'http://q/1' },
    });
    // Found through a wrapper's cause too.
    expect(awsCallContext(new Error('wrapped', { cause: error }))?.service).toBe('SQS');
  });
});

describe('describeError', () => {
  it('makes configuration problems a usage error listing each of them', () => {
    const report = describeError(new ConfigError(['A is required: x.', 'B must be y.']), { env: {} });
    expect(report.exitCode).toBe(EXIT.usage);
    expect(report.lines).toEqual([
      'invalid configuration (2 problems); set these variables (README "Configuration"):',
      '  - A is required: x.',
      '  - B must be y.',
    ]);
  });

  it('names the IAM action an access denial calls for', async () => {
    const error = await throughClient(
      awsError('AccessDenied', 'Access Denied'),
      { service: 'S3', endpoint: undefined, region: 'eu-west-1' },
      'HeadObjectCommand',
      { Bucket: 'archive', Key: 'k' },
    );
    const report = describeError(error, { env: {} });
    expect(report.exitCode).toBe(EXIT.bad);
    expect(report.lines).toEqual([
      'S3 in eu-west-1 denied HeadObject on archive: the identity needs s3:GetObject ' +
        '(README "Operator permissions" lists what each command needs).',
    ]);
  });

  it('says which endpoint refused the credentials', async () => {
    const error = await throughClient(
      awsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
      { service: 'SQS', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' },
      'ReceiveMessageCommand',
      {},
    );
    expect(describeError(error, { env: LOCAL_ENV }).lines[0]).toMatch(
      /^SQS at http:\/\/127\.0\.0\.1:4566 \(AWS_ENDPOINT_URL_SQS\) refused the credentials \(InvalidClientTokenId: /,
    );
  });

  it('finds the service of a refused connection by its port when no client recorded it', () => {
    // e.g. the hand-signed RDS download, which is plain HTTP, not an SDK client.
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 4599,
    });
    expect(describeError(error, { env: LOCAL_ENV }).lines[0]).toMatch(
      /^cannot reach RDS at http:\/\/127\.0\.0\.1:4599 \(AWS_ENDPOINT_URL_RDS\): connection refused\./,
    );
  });

  it("names AWS's own endpoint when no override is set", async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 52.94.0.1:443'), {
      code: 'ECONNREFUSED',
      address: '52.94.0.1',
      port: 443,
    });
    const error = await throughClient(
      refused,
      { service: 'DYNAMODB', endpoint: undefined, region: 'eu-west-1' },
      'QueryCommand',
      { TableName: 't' },
    );
    expect(describeError(error, { env: {} }).lines).toEqual([
      'cannot reach DynamoDB at its AWS endpoint in eu-west-1 (https://dynamodb.eu-west-1.amazonaws.com): ' +
        'connection refused. Check the network (proxy, VPC endpoints) and AWS_REGION; ' +
        'AWS_ENDPOINT_URL_DYNAMODB points it elsewhere.',
    ]);
  });

  it('says one cause of several failed checks once', () => {
    const missing = () =>
      Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
    const report = describeError(new FailuresError('cannot use:', [missing(), missing()]), { env: {} });
    expect(report.lines).toHaveLength(1);
    expect(report.lines[0]).toMatch(/^no AWS credentials found/);
  });

  it('keeps the install hint of a missing Java', () => {
    const report = describeError(new JavaNotFoundError('java'), { env: {} });
    expect(report.exitCode).toBe(EXIT.bad);
    expect(report.lines[0]).toContain('apt-get install -y default-jre-headless');
  });

  it('reports an unknown error in one line, as a failure', () => {
    const report = describeError(new TypeError('x is not a function\n    at f (file.ts:1:1)'), { env: {} });
    expect(report).toEqual({
      exitCode: EXIT.bad,
      lines: ['TypeError: x is not a function'],
      usageHint: false,
      known: false,
    });
  });
});

describe('exit codes in help texts', () => {
  it('derive from EXIT', () => {
    expect(exitCodesHelp()).toBe(
      `Exit codes: ${EXIT.ok} ok, ${EXIT.bad} bad answer or failure, ${EXIT.usage} usage error (a bad option or setting).`,
    );
    expect(exitStatusHelp({ ok: 'COMPLETE', bad: 'INCOMPLETE' }).split('\n')).toEqual([
      'Exit status:',
      `  ${EXIT.ok}  COMPLETE`,
      `  ${EXIT.bad}  INCOMPLETE, or the command failed (one line says what, and what to do)`,
      `  ${EXIT.usage}  usage error (a bad option or setting)`,
    ]);
  });
});

describe('main as the error boundary', () => {
  const failing = (error: unknown): Command => ({
    name: 'fail',
    summary: 'throws',
    usage: 'Usage: rds-log-archiver fail',
    exits: { ok: 'never' },
    run: async () => {
      throw error;
    },
  });

  it('prints one line for an unknown error and the stack only with --debug or DEBUG=1', async () => {
    const quiet = bufferIo();
    expect(await main(['fail'], quiet.io, [failing(new Error('boom'))])).toBe(EXIT.bad);
    expect(quiet.err()).toBe(
      'rds-log-archiver: Error: boom\n(run with --debug or DEBUG=1 for the stack trace)\n',
    );
    for (const [argv, env] of [
      [['fail', '--debug'], {}],
      [['--debug', 'fail'], {}],
      [['fail'], { DEBUG: '1' }],
    ] as const) {
      const loud = bufferIo({ env });
      expect(await main([...argv], loud.io, [failing(new Error('boom'))])).toBe(EXIT.bad);
      expect(loud.err()).toMatch(/^rds-log-archiver: Error: boom\n\nError: boom\n\s+at /);
    }
  });

  it('adds the usage hint to usage errors', async () => {
    const { io, err } = bufferIo();
    expect(await main(['fail'], io, [failing(new UsageError('--x is wrong'))])).toBe(EXIT.usage);
    expect(err()).toBe("rds-log-archiver: --x is wrong\nRun 'rds-log-archiver fail --help' for usage.\n");
  });
});
