import { type ArchiverConfig, configEnvironment } from '../core/config.js';
import type { RecordDigestMode } from '../core/transfer/metadata.js';
import type { Settings } from './settings.js';

/**
 * Where the deployed functions record a file's digest. On AWS it goes in object tags: no copy, so
 * no second version to keep (Object Lock would keep it for the whole retention). The local emulator
 * lacks tagging: not the default there. The roles' S3 permissions follow from it (permissions.ts).
 */
export const DEPLOYED_OBJECT_DIGEST: RecordDigestMode = 'tags';

/** Names of this stack's resources the functions need at run time (usually Terraform references). */
export interface RuntimeResources {
  table: string;
  queueUrl: string;
  dlqUrl: string;
  /** The discovery queue: the schedule enqueues one task per place there (core/fleet/). */
  discoveryQueueUrl: string;
  bucket: string;
}

/**
 * The runtime configuration both functions get, from the deployment settings: written as
 * configuration values, turned into `ARCHIVER_*` variables by core/config.ts (the one place that
 * names them), so the functions read back exactly these values.
 *
 * The lease equals the archiver's timeout: a claim must outlive the invocation holding it, and no
 * longer. The attempt limit equals the queue's maxReceiveCount, so the archiver knows its last
 * attempt before SQS gives up. `AWS_REGION` is set by Lambda itself.
 */
export function functionConfig(s: Settings, r: RuntimeResources): Partial<ArchiverConfig> {
  return {
    table: r.table,
    queueUrl: r.queueUrl,
    dlqUrl: r.dlqUrl,
    discoveryQueueUrl: r.discoveryQueueUrl,
    bucket: r.bucket,
    clusters: s.clusters.length > 0 ? s.clusters : undefined,
    clusterTag: s.clusterTag,
    instances: s.instances.length > 0 ? s.instances : undefined,
    instanceTag: s.instanceTag,
    sourceAccounts: s.sourceAccounts.length > 0 ? s.sourceAccounts : undefined,
    logTypes: s.logTypes,
    keyLayout: s.keyLayout,
    keyPrefix: s.keyPrefix,
    settleMs: s.settleSeconds * 1000,
    leaseMs: s.archiverTimeoutSeconds * 1000,
    sweepAfterMs: s.sweepAfterSeconds * 1000,
    maxAttempts: s.maxReceiveCount,
    retentionMs: s.rdsLogRetentionHours === undefined ? undefined : s.rdsLogRetentionHours * 3_600_000,
    rdsApiRate: s.rdsApiRate,
    rdsApiBurst: s.rdsApiBurst,
    objectDigest: DEPLOYED_OBJECT_DIGEST,
  };
}

/** The Lambda environment variables of both functions (see `functionConfig`). */
export function functionEnvironment(s: Settings, r: RuntimeResources): Record<string, string> {
  return configEnvironment(functionConfig(s, r));
}
