/**
 * Endpoint overrides from the standard SDK variables: `AWS_ENDPOINT_URL_<SERVICE>`, else the
 * generic `AWS_ENDPOINT_URL`. Read explicitly (not left to the SDK) because the CLI may run with an
 * environment other than `process.env`, and the hand-signed RDS download needs the same answer.
 */

export const ENDPOINT_SERVICES = ['RDS', 'DYNAMODB', 'SQS', 'S3', 'KMS', 'STS'] as const;
export type EndpointService = (typeof ENDPOINT_SERVICES)[number];

/** The variable that overrides one service's endpoint. */
export function endpointVariable(service: EndpointService): string {
  return `AWS_ENDPOINT_URL_${service}`;
}

/** The variable overriding every service's endpoint at once (after the per-service ones). */
export const GENERIC_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL';

/** Which variable gives a service's endpoint override in `env`, if any. */
export function endpointSource(
  service: EndpointService,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return [endpointVariable(service), GENERIC_ENDPOINT_VARIABLE].find((name) => env[name]?.trim());
}

/** The override URL for a service, without a trailing slash; undefined when none is set. */
export function endpointOverride(
  service: EndpointService,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const name = endpointSource(service, env);
  return name === undefined ? undefined : env[name]?.trim().replace(/\/+$/, '');
}
