import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging/index.js';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import { denyInsecureTransport, policyDocument } from './policies.js';
import type { RetentionPlan, StorageTransition } from './settings.js';

/** Key prefix of the server access logs in the log bucket. */
export const ACCESS_LOG_PREFIX = 'archive-bucket/';

export interface PrivateBucketProps {
  /** Exact name, or a prefix Terraform completes with a unique suffix (at most 37 characters). */
  name: { exact: string } | { prefix: string };
  /** SSE-KMS with this key, or SSE-S3 when undefined. */
  kmsKeyArn: string | undefined;
  /** Statements the bucket policy holds besides the TLS-only deny. */
  statements?: (bucketArn: string) => object[];
}

/** The resources `privateBucket` made. */
export interface PrivateBucket {
  bucket: S3Bucket;
  versioning: S3BucketVersioningA;
}

/**
 * A bucket nobody outside the account can reach: versioned, encrypted, public access blocked,
 * ACLs off (bucket owner enforced), a policy refusing every request not made over TLS, and never
 * force-emptied by `cdktf destroy` (it holds audit records). The resources are created directly in
 * `scope` (ids `bucket`, `versioning`, `encryption`, `public-access`, `ownership`, `policy`), so the
 * archive bucket keeps the Terraform addresses of earlier releases and an upgrade replaces nothing.
 */
export function privateBucket(scope: Construct, props: PrivateBucketProps): PrivateBucket {
  const bucket = new S3Bucket(scope, 'bucket', {
    ...('exact' in props.name ? { bucket: props.name.exact } : { bucketPrefix: props.name.prefix }),
    // object_lock_enabled is left unset on purpose: the provider computes it, and setting it would
    // force a new bucket. Object Lock is switched on by its configuration resource, which S3
    // accepts on an existing versioned bucket too (see ArchiveBucket).
    forceDestroy: false,
  });

  const versioning = new S3BucketVersioningA(scope, 'versioning', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });

  new S3BucketServerSideEncryptionConfigurationA(scope, 'encryption', {
    bucket: bucket.id,
    rule: [
      props.kmsKeyArn
        ? {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: 'aws:kms',
              kmsMasterKeyId: props.kmsKeyArn,
            },
            // One data key per bucket instead of per object: far fewer KMS requests.
            bucketKeyEnabled: true,
          }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
    ],
  });

  const publicAccess = new S3BucketPublicAccessBlock(scope, 'public-access', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });

  new S3BucketOwnershipControls(scope, 'ownership', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  });

  new S3BucketPolicy(scope, 'policy', {
    bucket: bucket.id,
    policy: policyDocument([
      denyInsecureTransport('s3', [bucket.arn, `${bucket.arn}/*`]),
      ...(props.statements?.(bucket.arn) ?? []),
    ]),
    // The public access block must exist first, or S3 may judge the policy before it is in force.
    dependsOn: [publicAccess],
  });
  return { bucket, versioning };
}

export interface AccessLogBucketProps {
  namePrefix: string;
  /** The bucket whose access is logged, and the account it belongs to. */
  sourceBucketArn: string;
  account: string;
  /** Days the logs are kept. */
  retentionDays: number;
}

/**
 * Where S3 delivers the archive bucket's server access logs. A bucket of its own: S3 refuses a log
 * target with an Object Lock default retention, and logging a bucket into itself logs its own log
 * writes. SSE-S3, since log delivery cannot use a customer key without a key policy grant this stack
 * does not own. Only the S3 logging service may write, only for the archive bucket of this account.
 * Versioned, so a deleted log stays recoverable for the retention.
 */
export class AccessLogBucket extends Construct {
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const logs = privateBucket(this, {
      // Terraform allows a prefix of 37 characters (63 minus its 26-character unique suffix).
      name: { prefix: `${props.namePrefix.slice(0, 31)}-logs-` },
      kmsKeyArn: undefined,
      statements: (arn) => [
        {
          Sid: 'S3ServerAccessLogDelivery',
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${arn}/${ACCESS_LOG_PREFIX}*`,
          Condition: {
            ArnLike: { 'aws:SourceArn': props.sourceBucketArn },
            StringEquals: { 'aws:SourceAccount': props.account },
          },
        },
      ],
    });
    this.name = logs.bucket.bucket;
    this.arn = logs.bucket.arn;

    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: logs.bucket.id,
      rule: [
        {
          id: 'access-log-retention',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
      dependsOn: [logs.versioning],
    });
  }
}

export interface ArchiveBucketProps {
  /** Create the bucket, or use an existing one by name (then nothing about it is managed here). */
  create: boolean;
  /** Exact name; when creating without one, Terraform generates a name from `namePrefix`. */
  bucketName: string | undefined;
  namePrefix: string;
  partition: string;
  account: string;
  transitions: StorageTransition[];
  retention: RetentionPlan;
  /** Deliver server access logs to a bucket of their own. */
  accessLogging: boolean;
  kmsKeyArn: string | undefined;
}

/**
 * The archive bucket: versioned (a later generation of a file overwrites its key, the earlier one stays
 * as a noncurrent version), encrypted, private, TLS-only, its access logged, with lifecycle rules and
 * Object Lock derived from the one stated retention (`retentionPlan`).
 */
export class ArchiveBucket extends Construct {
  readonly name: string;
  readonly arn: string;
  readonly accessLogs: AccessLogBucket | undefined;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    if (!props.create) {
      // An existing bucket is the owner's to configure; only its name and ARN are used.
      const name = props.bucketName ?? '';
      this.name = name;
      this.arn = `arn:${props.partition}:s3:::${name}`;
      this.accessLogs = undefined;
      return;
    }

    const archive = privateBucket(this, {
      name: props.bucketName ? { exact: props.bucketName } : { prefix: `${props.namePrefix}-` },
      kmsKeyArn: props.kmsKeyArn,
    });
    const { bucket, versioning } = archive;
    this.name = bucket.bucket;
    this.arn = bucket.arn;

    const { retention } = props;
    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: 'archive-tiers',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        transition: props.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })),
        ...(retention.expireCurrentDays === undefined
          ? {}
          : { expiration: [{ days: retention.expireCurrentDays }] }),
        // Never sooner than the retention: an earlier generation of a file is an audit record too.
        noncurrentVersionExpiration: [{ noncurrentDays: retention.noncurrentDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
      },
    ];
    if (retention.expireCurrentDays !== undefined) {
      // Expiry leaves a delete marker; once the versions behind it are gone, so can it go.
      rules.push({
        id: 'expired-delete-markers',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        expiration: [{ expiredObjectDeleteMarker: true }],
      });
    }
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: rules,
      // Lifecycle rules on noncurrent versions need versioning to be on.
      dependsOn: [versioning],
    });

    if (retention.lock) {
      // This resource switches Object Lock on (S3 accepts that on an existing versioned bucket, so a
      // stack deployed without it can turn it on in place) and sets the default retention every new
      // object version gets. S3 never lets a bucket drop Object Lock again; removing this resource
      // only stops new versions from being locked. Locked writes need a checksum header, which the
      // AWS SDK adds to every upload by default (CRC32).
      new S3BucketObjectLockConfigurationA(this, 'object-lock', {
        bucket: bucket.id,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: retention.lock.mode, days: retention.lock.days } },
        dependsOn: [versioning],
      });
    }

    this.accessLogs = props.accessLogging
      ? new AccessLogBucket(this, 'access-logs', {
          namePrefix: props.namePrefix,
          sourceBucketArn: bucket.arn,
          account: props.account,
          retentionDays: retention.accessLogDays,
        })
      : undefined;
    if (this.accessLogs) {
      new S3BucketLoggingA(this, 'access-logging', {
        bucket: bucket.id,
        targetBucket: this.accessLogs.name,
        targetPrefix: ACCESS_LOG_PREFIX,
        // Keys by the request's date (…/YYYY/MM/DD/…): partitions Athena can project.
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
      });
    }
  }
}
