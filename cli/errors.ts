/**
 * The CLI's exit codes and its one error boundary. `EXIT` declares the codes once (the help texts
 * and the README derive from it). `ERROR_RULES` is the one table that turns a known error, by its
 * class or its AWS/Node error code, into an exit code and a line that names the thing (variable,
 * table, queue, bucket, endpoint) and what to do. `main` applies it to whatever a command throws;
 * `--debug` (or DEBUG=1) adds the stack.
 */

import { type AwsCallContext, awsCallContext } from '../core/aws-call-context.js';
import { ConfigError, variableOf } from '../core/config.js';
import { SigningKeyError } from '../core/digests/signing-key.js';
import {
  ENDPOINT_SERVICES,
  type EndpointService,
  endpointSource,
  endpointVariable,
} from '../core/endpoints.js';
import { MissingSettingError, OperationsError } from '../core/operations/errors.js';
import { LocalStackError } from '../local/errors.js';

/** Exit codes shared by every command. */
export const EXIT = {
  /** Done, and the answer is good (e.g. nothing missing). */
  ok: 0,
  /** Ran, but the answer is bad (e.g. gaps found, verification failed), or the command failed. */
  bad: 1,
  /** Usage error: a bad option, argument or setting; nothing was attempted. */
  usage: 2,
} as const;

export type ExitName = keyof typeof EXIT;

/** What each exit code means, in the words every help text uses. */
const EXIT_WORDS: Record<ExitName, string> = {
  ok: 'ok',
  bad: 'bad answer or failure',
  usage: 'usage error (a bad option or setting)',
};

/** The tool's exit code line: `Exit codes: 0 ok, 1 bad answer or failure, 2 usage error (...)`. */
export function exitCodesHelp(): string {
  return `Exit codes: ${(Object.keys(EXIT) as ExitName[]).map((name) => `${EXIT[name]} ${EXIT_WORDS[name]}`).join(', ')}.`;
}

/** What `0` and `1` mean for one command (`bad` when the answer itself can be bad). */
export interface ExitMeanings {
  ok: string;
  bad?: string;
}

/** A command's exit status lines, from what 0 and 1 mean for it. */
export function exitStatusHelp(meanings: ExitMeanings): string {
  const failed = 'the command failed (one line says what, and what to do)';
  return [
    'Exit status:',
    `  ${EXIT.ok}  ${meanings.ok}`,
    `  ${EXIT.bad}  ${meanings.bad ? `${meanings.bad}, or ${failed}` : failed}`,
    `  ${EXIT.usage}  ${EXIT_WORDS.usage}`,
  ].join('\n');
}

/** Base class for CLI failures; `exitCode` is what the process exits with. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number = EXIT.bad;
}

/** Bad invocation: unknown command or option, missing or malformed value. Exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  override readonly exitCode = EXIT.usage;
}

/** Several independent failures found at once (e.g. by a check of every resource before a run). */
export class FailuresError extends CliError {
  override name = 'FailuresError';
  constructor(
    readonly summary: string,
    readonly failures: readonly unknown[],
  ) {
    super(summary);
  }
}

/** What the boundary prints and returns for an error. */
export interface ErrorReport {
  exitCode: number;
  /** The first line follows `rds-log-archiver: `; more lines (e.g. every configuration problem) follow it. */
  lines: string[];
  /** Print "Run '... --help' for usage." after it. */
  usageHint: boolean;
  /** Whether a rule knew the error (unknown ones suggest --debug). */
  known: boolean;
}

/** What a rule sees besides the error. */
export interface ErrorScene {
  env: Record<string, string | undefined>;
}

interface Described {
  exit: ExitName | number;
  lines: string[];
  usageHint?: boolean;
}

interface ErrorRule {
  /** What the rule matches, for readers of the table. */
  kind: string;
  matches(error: unknown): boolean;
  describe(error: never, scene: ErrorScene): Described;
}

/** A rule for one of our error classes (matched with instanceof). */
function byClass<E>(
  type: abstract new (...args: never[]) => E,
  describe: (error: E, scene: ErrorScene) => Described,
): ErrorRule {
  return {
    kind: type.name,
    matches: (error) => error instanceof type,
    describe: describe as ErrorRule['describe'],
  };
}

/** The code an AWS SDK error carries: its `name` is the service's error code. */
function awsCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

/** A rule for AWS error codes (an SDK error's name), optionally only for some calls. */
function byAwsCode(
  codes: readonly string[],
  describe: (error: Error, call: AwsCallContext | undefined, scene: ErrorScene) => Described,
  when: (call: AwsCallContext | undefined, code: string) => boolean = () => true,
): ErrorRule {
  return {
    kind: `AWS ${codes.join(' | ')}`,
    matches: (error) => {
      const code = awsCode(error) ?? credentialsErrorName(error);
      return code !== undefined && codes.includes(code) && when(awsCallContext(error), code);
    },
    describe: ((error: Error, scene: ErrorScene) =>
      describe(error, awsCallContext(error), scene)) as ErrorRule['describe'],
  };
}

/** The SDK's credential provider errors have no `$metadata`; their name is their code. */
function credentialsErrorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'CredentialsProviderError' ? name : undefined;
}

/** A Node.js system error code (`ECONNREFUSED`, `ENOTFOUND`, ...). */
function nodeCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined;
}

const SERVICE_NAMES: Record<EndpointService, string> = {
  RDS: 'RDS',
  DYNAMODB: 'DynamoDB',
  SQS: 'SQS',
  S3: 'S3',
  KMS: 'KMS',
  STS: 'STS',
};

/** IAM action prefixes of the services (also the first label of their AWS endpoint host names). */
const IAM_PREFIX: Record<EndpointService, string> = {
  RDS: 'rds',
  DYNAMODB: 'dynamodb',
  SQS: 'sqs',
  S3: 's3',
  KMS: 'kms',
  STS: 'sts',
};

/** S3 calls authorised by another action than their name. */
const S3_ACTIONS: Record<string, string> = {
  HeadObject: 'GetObject',
  HeadBucket: 'ListBucket',
  ListObjectsV2: 'ListBucket',
  CreateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  CopyObject: 'PutObject (and GetObject)',
};

/** `at http://127.0.0.1:8000 (AWS_ENDPOINT_URL_DYNAMODB)`, or `in us-east-1` on AWS's own endpoint. */
function place(call: AwsCallContext, env: ErrorScene['env']): string {
  if (call.endpoint === undefined) return `in ${call.region || 'the configured region'}`;
  const source = endpointSource(call.service, env);
  return `at ${call.endpoint}${source ? ` (${source})` : ''}`;
}

/** `DynamoDB at http://127.0.0.1:8000 (AWS_ENDPOINT_URL_DYNAMODB)` or `DynamoDB in us-east-1`. */
function where(call: AwsCallContext, env: ErrorScene['env']): string {
  return `${SERVICE_NAMES[call.service]} ${place(call, env)}`;
}

/** Of the variables that may name a resource, those that hold this name (else all of them). */
function variablesNaming(value: string, candidates: string[], env: ErrorScene['env']): string {
  const named = candidates.filter((variable) => env[variable]?.trim() === value);
  return (named.length > 0 ? named : candidates).join(' / ');
}

/** The endpoint variable whose URL is this host and port, for connection errors without context. */
function endpointAt(error: { address?: unknown; port?: unknown }, env: ErrorScene['env']) {
  for (const service of ENDPOINT_SERVICES) {
    const source = endpointSource(service, env);
    const raw = source ? env[source] : undefined;
    if (!raw) continue;
    try {
      const url = new URL(raw);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      if (String(error.port) === port) return { service, source, url: raw };
    } catch {
      // not a URL: not this one
    }
  }
  return undefined;
}

const CONNECTION_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

const LOCAL_STACK_HINT =
  "Is the local stack running? Start it with 'rds-log-archiver local up' and load its variables with '. .local-state/env'";

/**
 * The table: the first rule that matches an error decides its exit code and message. Our own
 * errors match by class; AWS errors by their error code (with the call context recorded by
 * core/aws-call-context.ts); system errors by their Node.js code.
 */
export const ERROR_RULES: readonly ErrorRule[] = [
  byClass(UsageError, (e) => ({ exit: 'usage', lines: [e.message], usageHint: true })),
  byClass(FailuresError, (e, scene) => {
    // One cause (no credentials, an endpoint down) often fails several checks: say it once.
    const lines = [...new Set(e.failures.map((failure) => describeError(failure, scene).lines.join(' ')))];
    return {
      exit: 'bad',
      lines: lines.length === 1 ? lines : [e.summary, ...lines.map((line) => `  - ${line}`)],
    };
  }),
  byClass(CliError, (e) => ({ exit: e.exitCode, lines: [e.message] })),
  byClass(ConfigError, (e) => ({
    exit: 'usage',
    lines: [
      `invalid configuration (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}); set these variables (README "Configuration"):`,
      ...e.problems.map((problem) => `  - ${problem}`),
    ],
  })),
  byClass(MissingSettingError, (e) => ({ exit: 'usage', lines: [`${e.message}.`] })),
  // A signing or public key that cannot be used: a setting or option to fix, nothing was attempted.
  byClass(SigningKeyError, (e) => ({ exit: 'usage', lines: [e.message] })),
  byClass(OperationsError, (e) => ({ exit: 'bad', lines: [e.message] })),
  byClass(LocalStackError, (e) => ({ exit: 'bad', lines: [e.message] })),
  byAwsCode(
    ['ResourceNotFoundException'],
    (e, call, { env }) => {
      const table = call?.resource?.kind === 'table' ? call.resource.name : undefined;
      const variable = variablesNaming(table ?? '', [variableOf('table')], env);
      return {
        exit: 'bad',
        lines: [
          `DynamoDB table ${table ? `"${table}" ` : ''}does not exist ${call ? place(call, env) : `(${e.message})`}: ` +
            `check ${variable} and ${variableOf('region')}, or create it ('npx cdktf deploy'; locally 'rds-log-archiver local up').`,
        ],
      };
    },
    (call) => call === undefined || call.service === 'DYNAMODB',
  ),
  byAwsCode(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'], (_e, call, { env }) => {
    const queue = call?.resource?.name;
    const variable = variablesNaming(queue ?? '', [variableOf('queueUrl'), variableOf('dlqUrl')], env);
    return {
      exit: 'bad',
      lines: [
        `SQS queue ${queue ? `${queue} ` : ''}does not exist${call ? ` ${place(call, env)}` : ''}: check ${variable} ('npx cdktf output' shows queue_url and dlq_url).`,
      ],
    };
  }),
  byAwsCode(
    ['NoSuchBucket', 'NotFound'],
    (_e, call, { env }) => {
      const bucket = call?.resource?.name;
      const variable = variablesNaming(bucket ?? '', [variableOf('bucket')], env);
      return {
        exit: 'bad',
        lines: [
          `S3 bucket ${bucket ? `"${bucket}" ` : ''}does not exist${call ? ` ${place(call, env)}` : ''}: check ${variable} ('npx cdktf output' shows bucket).`,
        ],
      };
    },
    // A 404 on HEAD has no body, so no code: only HeadBucket's NotFound means the bucket is missing.
    (call, code) => code === 'NoSuchBucket' || call?.command === 'HeadBucketCommand',
  ),
  byAwsCode(
    ['DBClusterNotFoundFault', 'DBInstanceNotFound', 'DBInstanceNotFoundFault'],
    (_e, call, { env }) => {
      const what = call?.resource?.kind === 'db-instance' ? 'DB instance' : 'DB cluster';
      return {
        exit: 'bad',
        lines: [
          `RDS ${what} ${call?.resource ? `"${call.resource.name}" ` : ''}not found${call ? ` ${place(call, env)}` : ''}: ` +
            `check ${variableOf('clusters')} and ${variableOf('region')}.`,
        ],
      };
    },
  ),
  byAwsCode(['CredentialsProviderError'], () => ({
    exit: 'bad',
    lines: [
      // Not per service: the same credentials serve every client.
      'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ' +
        "or AWS_PROFILE ('aws sso login' first for SSO); for the local stack, '. .local-state/env' sets them.",
    ],
  })),
  byAwsCode(
    [
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'InvalidSignatureException',
      'IncompleteSignature',
      'ExpiredToken',
      'ExpiredTokenException',
      'AuthFailure',
    ],
    (e, call, { env }) => ({
      exit: 'bad',
      lines: [
        `${call ? where(call, env) : 'AWS'} refused the credentials (${awsCode(e)}: ${e.message}): check AWS_ACCESS_KEY_ID, ` +
          'AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or AWS_PROFILE), and that they are still valid.',
      ],
    }),
  ),
  byAwsCode(
    ['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'AuthorizationErrorException'],
    (e, call, { env }) => {
      if (!call) return { exit: 'bad', lines: [`access denied: ${e.message}`] };
      const command = call.command.replace(/Command$/, '');
      const action = `${IAM_PREFIX[call.service]}:${call.service === 'S3' ? (S3_ACTIONS[command] ?? command) : command}`;
      return {
        exit: 'bad',
        lines: [
          `${where(call, env)} denied ${command}${call.resource ? ` on ${call.resource.name}` : ''}: the identity needs ${action} ` +
            '(README "Operator permissions" lists what each command needs).',
        ],
      };
    },
  ),
  {
    kind: 'Node.js connection errors',
    matches: (error) => nodeCode(error) !== undefined && nodeCode(error)! in CONNECTION_WORDS,
    describe: ((error: Error & { address?: unknown; port?: unknown }, { env }: ErrorScene): Described => {
      const code = nodeCode(error) ?? '';
      const words = CONNECTION_WORDS[code] ?? code;
      const call = awsCallContext(error);
      const found = endpointAt(error, env);
      const service = call?.service ?? found?.service;
      const source = service ? endpointSource(service, env) : undefined;
      const endpoint = call?.endpoint ?? found?.url;
      if (service && endpoint && source) {
        return {
          exit: 'bad',
          lines: [
            `cannot reach ${SERVICE_NAMES[service]} at ${endpoint} (${source}): ${words}. ` +
              `${LOCAL_STACK_HINT}; or point ${source} at a running endpoint (unset it to use AWS).`,
          ],
        };
      }
      if (service) {
        // No override: the SDK called AWS's regional endpoint.
        const region = call?.region || 'the region';
        const host = call?.region ? ` (https://${IAM_PREFIX[service]}.${call.region}.amazonaws.com)` : '';
        return {
          exit: 'bad',
          lines: [
            `cannot reach ${SERVICE_NAMES[service]} at its AWS endpoint in ${region}${host}: ${words}. Check the ` +
              `network (proxy, VPC endpoints) and ${variableOf('region')}; ${endpointVariable(service)} points it elsewhere.`,
          ],
        };
      }
      return {
        exit: 'bad',
        lines: [`${error.message}: ${words}; check the AWS_ENDPOINT_URL_* variables. ${LOCAL_STACK_HINT}.`],
      };
    }) as ErrorRule['describe'],
  },
];

/** How the boundary reports an error: the first matching rule, or a generic one-line report. */
export function describeError(error: unknown, scene: ErrorScene): ErrorReport {
  const rule = ERROR_RULES.find((candidate) => candidate.matches(error));
  if (rule) {
    const described = rule.describe(error as never, scene);
    return {
      exitCode: typeof described.exit === 'number' ? described.exit : EXIT[described.exit],
      lines: described.lines,
      usageHint: described.usageHint === true,
      known: true,
    };
  }
  const text =
    error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error).split('\n')[0];
  return { exitCode: EXIT.bad, lines: [text ?? 'unknown error'], usageHint: false, known: false };
}

/** The stack of an error and of each error in its `cause` chain, for `--debug`. */
export function debugText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    parts.push(
      depth === 0 ? '' : 'Caused by: ',
      e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e),
      '\n',
    );
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('');
}
