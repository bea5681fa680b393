/**
 * The status use case: heartbeats from the by-state index (`INSTANCES`), each instance's active
 * files from one Query on its partition, failed and lost files on record from the by-state index,
 * each place's last discovery (one Query on `PLACES`), optionally the history count, and both
 * queue depths.
 */

import type { SQSClient } from '@aws-sdk/client-sqs';
import { mapLimit } from '../../concurrency.js';
import { type FileRecord, scopedId } from '../../ledger/records.js';
import type { LedgerStore } from '../../ledger/store.js';
import type { LogType } from '../../log-types.js';
import { queueDepth } from '../../queue-depth.js';
import { type FileFilter, matchesFilter } from '../filters.js';
import { knownInstances } from '../known-names.js';
import { buildStatusReport, type StatusReport } from './report.js';

export interface StatusDeps {
  ledger: LedgerStore;
  /** Queue depths are reported when the client and the URLs are given. */
  sqs?: SQSClient;
  queueUrl?: string;
  dlqUrl?: string;
  now?: () => number;
}

export interface StatusOptions {
  filter: FileFilter;
  /** Also count retired (history) files per instance: reads each instance's history partition. */
  history?: boolean;
  /** Only files of this log type (every type when absent). */
  logType?: LogType;
  signal?: AbortSignal;
}

/**
 * Builds the status report from the ledger and SQS.
 * @throws UnknownNameError when the filter names a cluster or instance the ledger has never listed.
 */
export async function runStatus(deps: StatusDeps, options: StatusOptions): Promise<StatusReport> {
  const now = (deps.now ?? Date.now)();
  const ofType = (file: FileRecord) => options.logType === undefined || file.logType === options.logType;
  const instances = (await knownInstances(deps.ledger, options.filter)).filter((meta) =>
    matchesFilter(meta, options.filter),
  );
  const files = new Map<string, FileRecord[]>();
  const retired = options.history ? new Map<string, number>() : undefined;
  await mapLimit(
    instances,
    8,
    async (meta) => {
      // Keyed by place too: two accounts may hold the same instance id.
      const id = scopedId(meta, meta.instance);
      const active = (await deps.ledger.instanceState(meta.instance, meta)).files;
      files.set(id, active.filter(ofType));
      if (retired) retired.set(id, await deps.ledger.retiredCount(meta.instance, meta));
    },
    options.signal,
  );
  // Failed and lost files stay in the (sparse) by-state index even once retired to history.
  const [failed, lost, places] = await Promise.all([
    deps.ledger.filesInState('failed'),
    deps.ledger.filesInState('lost'),
    deps.ledger.placeDiscoveries(),
  ]);
  const onRecord = {
    failed: failed.filter((f) => matchesFilter(f, options.filter) && ofType(f)).length,
    lost: lost.filter((f) => matchesFilter(f, options.filter) && ofType(f)).length,
  };
  const [queue, dlq] = await Promise.all(
    [deps.queueUrl, deps.dlqUrl].map((url) =>
      deps.sqs && url ? queueDepth(deps.sqs, url, options.signal) : Promise.resolve(undefined),
    ),
  );
  return buildStatusReport({
    now,
    filter: options.filter,
    instances,
    files,
    onRecord,
    places,
    ...(retired ? { retired } : {}),
    ...(queue ? { queue } : {}),
    ...(dlq ? { dlq } : {}),
  });
}
