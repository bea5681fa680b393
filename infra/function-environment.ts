import type { Settings } from './settings.js';

/** Names of this stack's resources the functions need at run time (usually Terraform references). */
export interface RuntimeResources {
  table: string;
  queueUrl: string;
  dlqUrl: string;
  bucket: string;
}

/**
 * The `ARCHIVER_*` environment both functions read (see core/config.ts). The lease equals the
 * archiver's timeout: a claim must outlive the invocation holding it, and no longer. The attempt limit
 * equals the queue's maxReceiveCount, so the archiver knows its last attempt before SQS gives up.
 * `AWS_REGION` is set by Lambda itself.
 */
export function functionEnvironment(s: Settings, r: RuntimeResources): Record<string, string> {
  const env: Record<string, string> = {
    ARCHIVER_TABLE: r.table,
    ARCHIVER_QUEUE_URL: r.queueUrl,
    ARCHIVER_DLQ_URL: r.dlqUrl,
    ARCHIVER_BUCKET: r.bucket,
    ARCHIVER_LOG_TYPES: s.logTypes.join(','),
    ARCHIVER_KEY_LAYOUT: s.keyLayout,
    ARCHIVER_KEY_PREFIX: s.keyPrefix,
    ARCHIVER_SETTLE_SECONDS: String(s.settleSeconds),
    ARCHIVER_LEASE_SECONDS: String(s.archiverTimeoutSeconds),
    ARCHIVER_SWEEP_AFTER_SECONDS: String(s.sweepAfterSeconds),
    ARCHIVER_MAX_ATTEMPTS: String(s.maxReceiveCount),
    ARCHIVER_RETENTION_HOURS: String(s.rdsLogRetentionHours),
    // On AWS the digest goes in object tags: no copy, so no second version to keep (Object Lock
    // would keep it for the whole retention). The local emulator lacks tagging: not the default there.
    ARCHIVER_OBJECT_DIGEST: 'tags',
  };
  if (s.clusters.length > 0) env.ARCHIVER_CLUSTERS = s.clusters.join(',');
  if (s.clusterTag !== undefined) env.ARCHIVER_CLUSTER_TAG = s.clusterTag;
  return env;
}
