import { buildApp } from 'fauxqs';

/** A running fauxqs (SQS + S3 on one endpoint), in this process. */
export interface Fauxqs {
  /** `http://127.0.0.1:PORT` — AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_S3. */
  endpoint: string;
  port: number;
  /** Closes the server (and its open connections). Safe to call twice. */
  stop(): Promise<void>;
}

export interface FauxqsOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Region used for requests that carry no SigV4 scope; default us-east-1. */
  region?: string;
}

/**
 * Starts fauxqs bound to 127.0.0.1. `startFauxqs()` from the package always listens on 0.0.0.0,
 * so this uses its `buildApp()` and listens itself; resources are created through the SDK.
 *
 * Queue URLs it hands out look like `http://sqs.<region>.localhost:PORT/000000000000/<name>`,
 * which does not resolve: SQS clients must be given the endpoint explicitly and
 * `useQueueUrlAsEndpoint: false`.
 */
export async function startFauxqsServer(options: FauxqsOptions = {}): Promise<Fauxqs> {
  const app = buildApp({ logger: false, defaultRegion: options.region ?? 'us-east-1' });
  const address = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
