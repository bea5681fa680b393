/**
 * What every identity of the deployment may do, declared once as data: the three functions
 * (discoverer, archiver, digester), each CLI command an operator runs, and the auditor who runs
 * `verify --digests`. The functions' role policies, the operator role's policy, the auditor's
 * managed policy (policies.ts) and the README's "Operator permissions" table
 * (`renderPermissionsTable`, checked by test/unit/readme.test.ts) all derive from these declarations. Each grant names the code that
 * needs it, so an action is added or removed here together with the call. Pure.
 */

import type { RecordDigestMode } from '../core/transfer/metadata.js';

/**
 * What a grant applies to; policies.ts turns each into this stack's ARNs. `objects` is everything
 * under the key prefix; `digests` only the digests' folder in it (`_digests/`, core/digests/format.ts);
 * `signingKey` the asymmetric KMS key digests are signed with, when one is set. `memberRoles` are the
 * roles of `sourceAccounts` the hub assumes, exactly as listed. `rdsEvents` is "*", for the one RDS
 * read that supports no resource-level permissions (DescribeEvents).
 */
export type Target =
  | 'table'
  | 'queue'
  | 'dlq'
  | 'bucket'
  | 'objects'
  | 'discoveryQueue'
  | 'digests'
  | 'instances'
  | 'clusters'
  | 'signingKey'
  | 'memberRoles'
  | 'rdsEvents';

/** Actions on one target. */
export interface Grant {
  on: Target;
  actions: readonly string[];
}

/** How the archiver is configured, as far as its permissions depend on it. */
export interface ArchiverOptions {
  /** Where the source digest goes (ARCHIVER_OBJECT_DIGEST). */
  objectDigest: RecordDigestMode;
  /** Clusters are chosen by tag: the archiver reads a cluster's tags before downloading. */
  clusterTag: boolean;
  /** Instances are chosen by tag: the archiver reads an instance's tags before downloading. */
  instanceTag: boolean;
  /** `sourceAccounts` lists member roles: the archiver downloads with their credentials. */
  assumesRoles: boolean;
}

/** How the discoverer is configured, as far as its permissions depend on it. */
export interface DiscovererOptions {
  /** Standalone instances are selected (by identifier or tag): DescribeDBInstances finds them. */
  standalone: boolean;
  /** `sourceAccounts` lists member roles: the discoverer lists their files with their credentials. */
  assumesRoles: boolean;
}

/**
 * core/fleet/assumed-credentials.ts: STS AssumeRole (with the member's external id) of each member
 * role, once per account until shortly before the credentials expire. What the hub may then do in
 * the member account is the member role's own policy (`memberRoleGrants`), not the hub role's.
 */
function assumeMemberRoles(assumesRoles: boolean): Grant[] {
  return assumesRoles ? [{ on: 'memberRoles', actions: ['sts:AssumeRole'] }] : [];
}

/**
 * The discoverer (core/discover.ts). Ledger: `instanceState` is a Query; `recordListing` and
 * `create` are PutItems; transitions are UpdateItems; `retire` is a TransactWriteItems of a Delete
 * and a Put, which IAM authorises item by item as DeleteItem and PutItem (a ConditionCheck entry
 * would need ConditionCheckItem; the code has none). SendMessageBatch is authorised as SendMessage.
 */
export function discovererGrants(options: DiscovererOptions): Grant[] {
  return [
    // selectInstances: DescribeDBClusters by identifier, or every cluster for the tag selector.
    { on: 'clusters', actions: ['rds:DescribeDBClusters'] },
    // core/rds/inventory.ts selectStandalone: only when instances are selected by name or tag.
    ...(options.standalone ? [{ on: 'instances' as const, actions: ['rds:DescribeDBInstances'] }] : []),
    // listLogFiles, per DB instance.
    { on: 'instances', actions: ['rds:DescribeDBLogFiles'] },
    // core/deletion-events.ts: DescribeEvents of a clustered instance (SourceType db-instance).
    // On "*": when an action supports no resource-level permissions (an empty "Resource types"
    // column in the Service Authorization Reference), a grant scoped to instances is an AccessDenied
    // on every pass; "*" works either way for this read-only list of events.
    { on: 'rdsEvents', actions: ['rds:DescribeEvents'] },
    // UpdateItem also leases tokens of the RDS API budget (core/rds-budget/dynamodb-store.ts).
    {
      on: 'table',
      actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    },
    { on: 'queue', actions: ['sqs:SendMessage'] },
    // core/fleet/enqueue-discovery.ts sends one task per place (SendMessageBatch is authorised as
    // SendMessage); the event source mapping polls the tasks with the discoverer's role.
    {
      on: 'discoveryQueue',
      actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    },
    ...assumeMemberRoles(options.assumesRoles),
  ];
}

/**
 * The archiver (core/archive.ts). Ledger: the claim, release, fail and lose transitions are
 * UpdateItems; `complete` is a TransactWriteItems of the record's Update, the Put of its archive
 * event and a ConditionCheck that the event's hour is not sealed (core/ledger/archive-events.ts),
 * which IAM authorises item by item as UpdateItem, PutItem and ConditionCheckItem; `getFile` after
 * a refused claim is a GetItem. The queue: what the Lambda event
 * source mapping polls with (ReceiveMessage, DeleteMessage, GetQueueAttributes; the function itself
 * never changes a visibility). The DLQ: parking a message. Objects: see `archiveObjectActions`.
 */
export function archiverGrants(options: ArchiverOptions): Grant[] {
  return [
    // core/rds/cluster-selection.ts: one DescribeDBClusters per cluster, only for a tag selector.
    ...(options.clusterTag ? [{ on: 'clusters' as const, actions: ['rds:DescribeDBClusters'] }] : []),
    // The same check for an instance chosen by tag: one DescribeDBInstances per instance.
    ...(options.instanceTag ? [{ on: 'instances' as const, actions: ['rds:DescribeDBInstances'] }] : []),
    // A rotating family's content is located by listing its stream (DescribeDBLogFiles with
    // FilenameContains) before the download and again before the object is published.
    { on: 'instances', actions: ['rds:DescribeDBLogFiles', 'rds:DownloadCompleteDBLogFile'] },
    {
      on: 'table',
      // Query: the instance's items, to tell which rotated files hold contents already known.
      // UpdateItem also leases tokens of the RDS API budget (core/rds-budget/dynamodb-store.ts).
      actions: [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:ConditionCheckItem',
      ],
    },
    { on: 'queue', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] },
    { on: 'dlq', actions: ['sqs:SendMessage'] },
    { on: 'objects', actions: archiveObjectActions(options.objectDigest) },
    ...assumeMemberRoles(options.assumesRoles),
  ];
}

/**
 * The member role a source account creates for the hub (infra/member-role.ts): the RDS reads and
 * the download the hub's discoverer and archiver make there, with that role's credentials, and
 * nothing else. DescribeDBClusters selects clusters (by identifier or tag); DescribeDBInstances
 * selects standalone instances and checks an instance's tags; DescribeDBLogFiles lists files;
 * DownloadCompleteDBLogFile is the signed download; DescribeEvents reads deletion events. On "*"
 * for DescribeEvents only: it supports no resource-level permissions (an empty "Resource types"
 * column in the Service Authorization Reference), so a grant scoped to instances would be an
 * AccessDenied on every call.
 */
export function memberRoleGrants(): Grant[] {
  return [
    { on: 'clusters', actions: ['rds:DescribeDBClusters'] },
    {
      on: 'instances',
      actions: ['rds:DescribeDBInstances', 'rds:DescribeDBLogFiles', 'rds:DownloadCompleteDBLogFile'],
    },
    { on: 'rdsEvents', actions: ['rds:DescribeEvents'] },
  ];
}

/**
 * What core/transfer/archive-stream.ts does to an archived object. lib-storage sends PutObject, or
 * CreateMultipartUpload / UploadPart / CompleteMultipartUpload (all `s3:PutObject`) and, on failure,
 * AbortMultipartUpload; it never lists parts. The digest: `tags` is a PutObjectTagging naming the
 * version just written (`s3:PutObjectVersionTagging`; `s3:PutObjectTagging` on an unversioned
 * bucket); `metadata` is a CopyObject of that version onto itself, which reads its source
 * (`s3:GetObject`, `s3:GetObjectVersion`). Only `metadata` reads archived objects at all.
 */
export function archiveObjectActions(objectDigest: RecordDigestMode): string[] {
  const digest: Record<RecordDigestMode, string[]> = {
    tags: ['s3:PutObjectTagging', 's3:PutObjectVersionTagging'],
    metadata: ['s3:GetObject', 's3:GetObjectVersion'],
    none: [],
  };
  return ['s3:PutObject', 's3:AbortMultipartUpload', ...digest[objectDigest]];
}

/** How the digester is configured, as far as its permissions depend on it. */
export interface DigesterOptions {
  /** Digests are signed with a KMS key (ARCHIVER_DIGEST_SIGNING_KEY names one). */
  kmsSigning: boolean;
}

/**
 * The digester (core/digests/digester.ts). Ledger: `sealHour` and `advanceDigestHead` are
 * conditional PutItems, `digestHead` a GetItem, `archiveEvents` a Query on the table. S3: one
 * PutObject per digest, into the digests' folder only (the archiver is denied it: infra/digests.ts).
 * KMS: `Sign` with the signing key, only when digests are signed with KMS. It touches no queue, no
 * RDS and no archived object.
 */
export function digesterGrants(options: DigesterOptions): Grant[] {
  return [
    { on: 'table', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] },
    { on: 'digests', actions: ['s3:PutObject'] },
    ...(options.kmsSigning ? [{ on: 'signingKey' as const, actions: ['kms:Sign'] }] : []),
  ];
}

/**
 * `verify --digests` (core/digests/verify-digests.ts), an auditor's whole need: one HeadBucket
 * (authorised as ListBucket, which also turns a missing key's 403 into 404, and serves the listings
 * of key hours), GetObject of digests and objects, and GetObjectVersion for an object a digest
 * lists by its version. No ledger, no queue.
 */
export function auditorGrants(): Grant[] {
  return [
    { on: 'objects', actions: ['s3:GetObject', 's3:GetObjectVersion'] },
    { on: 'bucket', actions: ['s3:ListBucket'] },
  ];
}

/** Ledger reads of the operator commands: Queries on the table and its indexes. */
const LEDGER_QUERIES: Grant = { on: 'table', actions: ['dynamodb:Query'] };

/**
 * What each operator command needs (core/operations/*), for a deployment whose functions record the
 * digest the given way. `completeness` lists the archive's instance-hour prefixes (ListObjectsV2 is
 * authorised as `s3:ListBucket`) and reads a file with a problem again (`getFile`, GetItem).
 * `verify` re-reads objects (GetObject, and GetObjectTagging for `tags`) after one HeadBucket, which S3 authorises as ListBucket (ListBucket also turns a missing key's 403 into
 * 404). `redrive` moves DLQ messages itself (a visibility change releases the ones it leaves);
 * `redrive --native` starts an SQS move task, for which SQS requires the receive, delete and
 * attribute actions on the DLQ and SendMessage on the queue from whoever starts it.
 */
export function operatorCommandGrants(objectDigest: RecordDigestMode): Record<string, Grant[]> {
  return {
    status: [
      LEDGER_QUERIES,
      { on: 'queue', actions: ['sqs:GetQueueAttributes'] },
      { on: 'dlq', actions: ['sqs:GetQueueAttributes'] },
    ],
    // With ARCHIVER_BUCKET set it also reads the window's digests (core/digests/chain-status.ts):
    // one HeadBucket, then a GetObject per hour. The ledger: Query, and a GetItem re-reading a file
    // whose object looks missing or replaced before reporting it.
    completeness: [
      { on: 'table', actions: ['dynamodb:Query', 'dynamodb:GetItem'] },
      { on: 'digests', actions: ['s3:GetObject'] },
      { on: 'bucket', actions: ['s3:ListBucket'] },
    ],
    failures: [LEDGER_QUERIES],
    verify: [
      { on: 'table', actions: ['dynamodb:Query', 'dynamodb:GetItem'] },
      {
        on: 'objects',
        actions: ['s3:GetObject', ...(objectDigest === 'tags' ? ['s3:GetObjectTagging'] : [])],
      },
      { on: 'bucket', actions: ['s3:ListBucket'] },
    ],
    redrive: [
      { on: 'table', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      {
        on: 'dlq',
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ],
      },
      { on: 'queue', actions: ['sqs:SendMessage'] },
    ],
    'redrive --native': [
      {
        on: 'dlq',
        actions: [
          'sqs:StartMessageMoveTask',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
      },
      { on: 'queue', actions: ['sqs:SendMessage'] },
    ],
    'verify --digests': auditorGrants(),
  };
}

/**
 * The pipeline commands run by hand (cli/commands/discover.ts, archive.ts, run.ts): what the
 * function does, plus the check before work starts (cli/pipeline-wiring.ts `checkResources`: a
 * GetItem, GetQueueAttributes on each queue it uses, HeadBucket) and, for `archive`, the poller
 * that stands in for the event source mapping (cli/sqs-event-source.ts). `run` also runs the
 * digester, and with ARCHIVER_DISCOVERY_QUEUE_URL set fans discovery out over that queue as the
 * deployed schedule does (cli/pipeline-loop.ts).
 */
export function pipelineCommandGrants(
  options: ArchiverOptions & DiscovererOptions & DigesterOptions,
): Record<string, Grant[]> {
  // `discover` reads every place itself; the discovery queue is the deployed schedule's and `run`'s.
  const discover: Grant[] = [
    ...discovererGrants(options).filter((grant) => grant.on !== 'discoveryQueue'),
    { on: 'table', actions: ['dynamodb:GetItem'] },
    { on: 'queue', actions: ['sqs:GetQueueAttributes'] },
  ];
  const archive: Grant[] = [
    ...archiverGrants(options),
    { on: 'dlq', actions: ['sqs:GetQueueAttributes'] },
    { on: 'bucket', actions: ['s3:ListBucket'] },
  ];
  return {
    discover,
    archive,
    run: [...discovererGrants(options), ...discover, ...archive, ...digesterGrants(options)],
  };
}

/** Grants merged per target, actions in first-seen order without repeats, targets in declared order. */
export function mergeGrants(grants: readonly Grant[]): Grant[] {
  const order: Target[] = [
    'clusters',
    'instances',
    'table',
    'queue',
    'dlq',
    'discoveryQueue',
    'objects',
    'digests',
    'bucket',
    'signingKey',
    'memberRoles',
    'rdsEvents',
  ];
  const byTarget = new Map<Target, string[]>();
  for (const grant of grants) {
    const actions = byTarget.get(grant.on) ?? [];
    for (const action of grant.actions) if (!actions.includes(action)) actions.push(action);
    byTarget.set(grant.on, actions);
  }
  return order.flatMap((on) => {
    const actions = byTarget.get(on);
    return actions && actions.length > 0 ? [{ on, actions }] : [];
  });
}

const TARGET_WORDS: Record<Target, string> = {
  clusters: 'DB clusters',
  instances: 'DB instances',
  table: 'the ledger table',
  queue: 'the archive queue',
  dlq: 'the DLQ',
  discoveryQueue: 'the discovery queue',
  objects: 'the archived objects (under `keyPrefix`)',
  digests: 'the digests (`keyPrefix` + `_digests/`)',
  bucket: 'the bucket',
  signingKey: 'the digest signing key (when digests are signed with KMS)',
  memberRoles: 'the member roles listed in `sourceAccounts` (only when it lists any)',
  rdsEvents: 'any resource (RDS events: no resource-level permissions)',
};

/** One table cell: the actions grouped by target, targets sharing the same actions named together. */
function describe(grants: readonly Grant[]): string {
  const groups = new Map<string, { actions: readonly string[]; targets: Target[] }>();
  for (const grant of mergeGrants(grants)) {
    const key = grant.actions.join(',');
    const group = groups.get(key) ?? { actions: grant.actions, targets: [] };
    group.targets.push(grant.on);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ actions, targets }) => {
      const on = targets.map((t) => TARGET_WORDS[t]);
      const where = on.length === 1 ? on[0] : `${on.slice(0, -1).join(', ')} and ${on.at(-1)}`;
      return `${actions.map((a) => `\`${a}\``).join(', ')} on ${where}`;
    })
    .join('; ');
}

/**
 * The README's permissions table for a deployment as the stack makes it: one row per command
 * (commands needing the same are one row), operator commands first, padded like the README's
 * other tables.
 */
export function renderPermissionsTable(objectDigest: RecordDigestMode): string {
  const commands = {
    ...operatorCommandGrants(objectDigest),
    ...pipelineCommandGrants({
      objectDigest,
      clusterTag: true,
      instanceTag: true,
      standalone: true,
      kmsSigning: true,
      assumesRoles: true,
    }),
  };
  const rows: [string[], string][] = [];
  for (const [command, grants] of Object.entries(commands)) {
    const cell = describe(grants);
    const same = rows.find(([, existing]) => existing === cell);
    if (same) same[0].push(command);
    else rows.push([[command], cell]);
  }
  const body = rows.map(([names, cell]) => [names.map((n) => `\`${n}\``).join(', '), cell]);
  const header = ['command', 'actions'];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
