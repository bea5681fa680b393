import type { EmulatorEndpoints } from './aws-config.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { startFauxqsServer } from './fauxqs.js';

/** DynamoDB Local (Java) and fauxqs (in-process SQS + S3), running. */
export interface Emulators {
  endpoints: EmulatorEndpoints;
  /** pid of DynamoDB Local's Java process. */
  dynamodbPid: number;
  /** Stops both; safe to call twice. */
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  region?: string;
  dynamodbPort?: number;
  fauxqsPort?: number;
}

/**
 * Starts DynamoDB Local and fauxqs side by side. If one fails, the other is stopped before the
 * error is rethrown, so a failed start leaves no process behind.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const [dynamo, fauxqs] = await Promise.allSettled([
    startDynamoDbLocal(options.dynamodbPort === undefined ? {} : { port: options.dynamodbPort }),
    startFauxqsServer({
      ...(options.fauxqsPort === undefined ? {} : { port: options.fauxqsPort }),
      ...(options.region === undefined ? {} : { region: options.region }),
    }),
  ]);
  if (dynamo.status === 'rejected' || fauxqs.status === 'rejected') {
    await Promise.all([
      dynamo.status === 'fulfilled' ? dynamo.value.stop() : undefined,
      fauxqs.status === 'fulfilled' ? fauxqs.value.stop() : undefined,
    ]);
    throw dynamo.status === 'rejected' ? dynamo.reason : (fauxqs as PromiseRejectedResult).reason;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoints: { dynamodb: dynamo.value.endpoint, sqs: fauxqs.value.endpoint, s3: fauxqs.value.endpoint },
    dynamodbPid: dynamo.value.pid,
    stop: () => {
      stopping ??= Promise.all([dynamo.value.stop(), fauxqs.value.stop()]).then(() => undefined);
      return stopping;
    },
  };
}
