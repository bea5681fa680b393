/**
 * Where RDS lives for a region. The SDK honours `AWS_ENDPOINT_URL_RDS` (and the generic
 * `AWS_ENDPOINT_URL`) for its clients; the hand-signed log download must honour the same variables,
 * or the archiver would list files on one endpoint (a simulator, LocalStack) and download from AWS.
 */

import { endpointOverride } from '../endpoints.js';
/**
 * The RDS endpoint URL for `region`: the environment override when set, else
 * `https://rds.{region}.amazonaws.com` (`.amazonaws.com.cn` in the China partition).
 * Returned without a trailing slash.
 */
export function resolveRdsEndpoint(
  region: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const override = rdsEndpointOverride(env);
  if (override) return override;
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`Invalid AWS region: ${JSON.stringify(region)}`);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://rds.${region}.${suffix}`;
}

/** The override only (for SDK client wiring: `new RDSClient({ endpoint: rdsEndpointOverride() })`). */
export function rdsEndpointOverride(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return endpointOverride('RDS', env);
}
