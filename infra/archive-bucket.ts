import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import type { ObjectLockSettings, StorageTransition } from './settings.js';

export interface ArchiveBucketProps {
  /** Create the bucket, or use an existing one by name (then nothing about it is managed here). */
  create: boolean;
  /** Exact name; when creating without one, Terraform generates a name from `namePrefix`. */
  bucketName: string | undefined;
  namePrefix: string;
  partition: string;
  transitions: StorageTransition[];
  noncurrentVersionExpiryDays: number;
  objectLock: ObjectLockSettings;
  kmsKeyArn: string | undefined;
}

/** A bucket policy statement refusing every request not made over TLS. */
export function denyInsecureTransport(bucketArn: string) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * The archive bucket: versioned (a later generation of a file overwrites its key, the earlier one stays
 * as a noncurrent version), encrypted, private, TLS-only, with lifecycle rules and optional Object Lock.
 */
export class ArchiveBucket extends Construct {
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    if (!props.create) {
      // An existing bucket is the owner's to configure; only its name and ARN are used.
      const name = props.bucketName ?? '';
      this.name = name;
      this.arn = `arn:${props.partition}:s3:::${name}`;
      return;
    }

    const locked = props.objectLock.mode !== 'off';
    const bucket = new S3Bucket(this, 'bucket', {
      ...(props.bucketName ? { bucket: props.bucketName } : { bucketPrefix: `${props.namePrefix}-` }),
      // Object Lock can only be switched on when the bucket is created, and never off again.
      objectLockEnabled: locked,
      // An audit archive must never be emptied by `cdktf destroy`.
      forceDestroy: false,
    });
    this.name = bucket.bucket;
    this.arn = bucket.arn;

    const versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });

    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
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

    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });

    new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [denyInsecureTransport(bucket.arn)] }),
      // The public access block must exist first, or S3 may judge the policy before it is in force.
      dependsOn: [publicAccess],
    });

    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'archive-tiers',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          transition: props.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })),
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpiryDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
      // Lifecycle rules on noncurrent versions need versioning to be on.
      dependsOn: [versioning],
    });

    if (props.objectLock.mode !== 'off') {
      new S3BucketObjectLockConfigurationA(this, 'object-lock', {
        bucket: bucket.id,
        rule: {
          defaultRetention: { mode: props.objectLock.mode.toUpperCase(), days: props.objectLock.days },
        },
        dependsOn: [versioning],
      });
    }
  }
}
