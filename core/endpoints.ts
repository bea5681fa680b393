/**
 * Endpoint overrides from the standard SDK variables: `AWS_ENDPOINT_URL_<SERVICE>`, else the
 * generic `AWS_ENDPOINT_URL`. Read explicitly (not left to the SDK) because the CLI may run with an
 * environment other than `process.env`, and the hand-signed RDS download needs the same answer.
 */

export type EndpointService = 'RDS' | 'DYNAMODB' | 'SQS' | 'S3';

/** The override URL for a service, without a trailing slash; undefined when none is set. */
export function endpointOverride(
  service: EndpointService,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  for (const name of [`AWS_ENDPOINT_URL_${service}`, 'AWS_ENDPOINT_URL']) {
    const value = env[name]?.trim();
    if (value) return value.replace(/\/+$/, '');
  }
  return undefined;
}
