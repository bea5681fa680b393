/**
 * Rules for the names of AWS things that settings carry, shared by the runtime configuration and
 * the deployment settings so each rule is written once. Each returns a problem phrased to follow
 * the value ("is not ..."), or undefined when the name is fine. Pure.
 */

const CLUSTER_IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A DB cluster (or instance) identifier: a letter, then letters, digits and hyphens, 1-63. */
export function clusterIdentifierProblem(id: string): string | undefined {
  return CLUSTER_IDENTIFIER.test(id)
    ? undefined
    : 'is not a DB cluster identifier (letters, digits, hyphens)';
}

/** A DB instance identifier: the same rule as a cluster identifier. */
export function instanceIdentifierProblem(id: string): string | undefined {
  return CLUSTER_IDENTIFIER.test(id)
    ? undefined
    : 'is not a DB instance identifier (letters, digits, hyphens)';
}

/** An S3 bucket name (3-63 lower-case letters, digits, dots and hyphens). */
export function bucketNameProblem(name: string): string | undefined {
  return BUCKET_NAME.test(name) ? undefined : `must be a valid S3 bucket name, got "${name}"`;
}

/** An AWS region name such as `us-east-1`. */
export function regionProblem(name: string): string | undefined {
  return REGION.test(name) ? undefined : `must look like us-east-1, got "${name}"`;
}
