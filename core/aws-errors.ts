/**
 * What an AWS SDK error says about itself, read by class and code (never by matching message text
 * or our own errors' names): one home for the codes that no retry can fix.
 */

/** An AWS SDK service exception: the same test smithy's `ServiceException.isInstance` makes. */
export interface ServiceErrorShape extends Error {
  $fault: 'client' | 'server';
  $metadata: object;
}

/** Whether a value is an AWS SDK service exception (whatever client threw it). */
export function isServiceError(error: unknown): error is ServiceErrorShape {
  const candidate = error as Partial<ServiceErrorShape> | undefined;
  return (
    error instanceof Error &&
    (candidate?.$fault === 'client' || candidate?.$fault === 'server') &&
    typeof candidate.$metadata === 'object'
  );
}

/**
 * The service's error code of an SDK service exception: the `Code` the SDK copies from an XML or
 * JSON error body, else the exception's name, which smithy sets to the code. Undefined for
 * anything that is not a service exception.
 */
export function serviceErrorCode(error: unknown): string | undefined {
  if (!isServiceError(error)) return undefined;
  const code = (error as { Code?: unknown }).Code;
  return typeof code === 'string' && code.length > 0 ? code : error.name;
}

/**
 * Codes no later attempt will fix: the bucket or key is missing, access (including to the KMS key
 * S3 encrypts with: S3 answers AccessDenied or KMS.*) is denied, or the credentials are wrong.
 * Expired credentials and clock skew are not here: fresh credentials fix them.
 */
export const PERMANENT_SERVICE_CODES: ReadonlySet<string> = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'InvalidBucketName',
  'KMS.DisabledException',
  'KMS.NotFoundException',
]);
