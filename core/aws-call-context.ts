/**
 * What an AWS SDK error does not say: which service, endpoint and resource the failed call was
 * about. SDK errors carry an error code and a message ("Cannot do operations on a non-existent
 * table", "connect ECONNREFUSED 127.0.0.1:42605") but neither the table nor the service. A
 * middleware on every client the pipeline builds records that context on the error as it passes,
 * so whoever reports the error (the CLI's error boundary) can name the thing and what to do.
 */

import type { MiddlewareStack } from '@smithy/types';
import type { EndpointService } from './endpoints.js';

/** The call an error came out of. */
export interface AwsCallContext {
  service: EndpointService;
  /** The SDK command, e.g. `QueryCommand`. */
  command: string;
  /** The endpoint override in use, or undefined for AWS's own endpoint. */
  endpoint: string | undefined;
  region: string;
  /** The resource the call named (table name, queue URL, bucket, DB instance or cluster), if any. */
  resource: { kind: 'table' | 'queue' | 'bucket' | 'db-instance' | 'db-cluster'; name: string } | undefined;
}

const CONTEXT = Symbol('aws-call-context');

/** Request fields that name the resource of a call, per service. */
const RESOURCE_FIELDS: ReadonlyArray<[string, NonNullable<AwsCallContext['resource']>['kind']]> = [
  ['TableName', 'table'],
  ['QueueUrl', 'queue'],
  ['Bucket', 'bucket'],
  ['DBInstanceIdentifier', 'db-instance'],
  ['DBClusterIdentifier', 'db-cluster'],
];

function resourceOf(input: unknown): AwsCallContext['resource'] {
  if (typeof input !== 'object' || input === null) return undefined;
  const fields = input as Record<string, unknown>;
  for (const [field, kind] of RESOURCE_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' && value !== '') return { kind, name: value };
  }
  return undefined;
}

/**
 * Adds the middleware that records an `AwsCallContext` on every error a client's calls throw
 * (service errors, connection errors, missing credentials alike). The error itself is rethrown
 * unchanged otherwise.
 */
export function recordCallContext<Input extends object, Output extends object>(
  client: { middlewareStack: MiddlewareStack<Input, Output> },
  about: Pick<AwsCallContext, 'service' | 'endpoint' | 'region'>,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (typeof error === 'object' && error !== null && !(CONTEXT in error)) {
          const call: AwsCallContext = {
            ...about,
            command: String(context.commandName ?? 'unknown command'),
            resource: resourceOf((args as { input?: unknown }).input),
          };
          Object.defineProperty(error, CONTEXT, { value: call, enumerable: false });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'recordCallContext', override: true },
  );
}

/** The context recorded on an error, or on the first error of its `cause` chain that has one. */
export function awsCallContext(error: unknown): AwsCallContext | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 10; depth++) {
    const found = (e as { [CONTEXT]?: AwsCallContext })[CONTEXT];
    if (found) return found;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
