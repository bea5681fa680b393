/**
 * The discover use case: one pass over every selected instance. For each: list its log files,
 * read what the ledger knows in one Query, plan (discovery-plan.ts), carry the plan out with
 * conditional writes, and send the new work to SQS in batches of 10. A write that loses its
 * condition means another discoverer got there first: that work is theirs to send. A write that
 * fails otherwise ends the instance's pass, but only after what was already written is sent.
 *
 * Deciding what the contents of a rotating family are (core/log-streams.ts) takes the instance's
 * discovery lease first (one conditional write on its heartbeat, released by the heartbeat written
 * at the end), then reads the ledger again and plans again under it: two discoverers never give
 * one content two identities. Only a pass with such writes takes it; a steady pass writes only
 * the heartbeat, and an instance with unique names only (Aurora MySQL) never takes it.
 */

import { randomUUID } from 'node:crypto';
import type { RDSClient } from '@aws-sdk/client-rds';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapLimit } from './concurrency.js';
import type { ArchiverConfig } from './config.js';
import { collectDeletionEvents } from './deletion-events.js';
import {
  needsLease,
  observeLiveFiles,
  type PlanInput,
  type PlannedAction,
  planInstance,
} from './discovery-plan.js';
import { InstanceBusyError, TransitionRefusedError } from './ledger/errors.js';
import { fileLabel, type Where, whereOf } from './ledger/records.js';
import type { LedgerStore } from './ledger/store.js';
import { isArchivedLogFile, rotatedCounts } from './log-streams.js';
import { type ArchiveMessage, archiveMessageFor, formatArchiveMessage } from './messages.js';
import type { Log, PipelineMetrics } from './observability.js';
import { type Selector, selectorOf } from './rds/cluster-selection.js';
import { listLogFiles, type SelectedInstance, selectInstances } from './rds/inventory.js';
import { instanceRetention } from './retention.js';

export interface DiscoverDeps {
  rds: RDSClient;
  sqs: SQSClient;
  ledger: LedgerStore;
  config: Pick<
    ArchiverConfig,
    | 'clusters'
    | 'clusterTag'
    | 'instances'
    | 'instanceTag'
    | 'logTypes'
    | 'queueUrl'
    | 'settleMs'
    | 'sweepAfterMs'
    | 'retentionMs'
    | 'keyLayout'
    | 'keyPrefix'
  >;
  log: Log;
  metrics: PipelineMetrics;
  now?: () => number;
  /** Instances listed at once (each costs RDS API calls from the account's shared budget). */
  concurrency?: number;
  /** Names this discoverer's leases (default: a fresh id per pass). */
  owner?: string;
  /** Another account or region than home (core/fleet/): `rds` reads it, and its records say so. */
  where?: Where;
  /** What is selected there (default: the configuration's home selection). */
  selector?: Selector;
}

/** How long a discovery lease holds: far longer than one instance's pass, shorter than the schedule. */
export const DISCOVERY_LEASE_MS = 2 * 60_000;

export interface InstanceOutcome extends Where {
  cluster: string;
  instance: string;
  standalone?: true;
  listed: number;
  created: number;
  enqueued: number;
  rearmed: number;
  lost: number;
  retired: number;
  writes: number;
  raced: number;
  /** Files that cannot be archived (e.g. no safe key), with the reason. */
  rejected: string[];
  /** Another discoverer held the instance's lease, or recorded a newer listing: left to it. */
  busy?: true;
  gapFrom?: number;
  error?: string;
}

export interface DiscoverSummary {
  instances: InstanceOutcome[];
  missingClusters: string[];
  missingInstances: string[];
  enqueued: number;
  writes: number;
  sendFailures: number;
  errors: string[];
}

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/** Runs one discovery pass. Per-instance errors are collected, not thrown, so one bad instance can't starve the rest. */
export async function discover(deps: DiscoverDeps): Promise<DiscoverSummary> {
  const now = deps.now ?? Date.now;
  if (!deps.config.queueUrl) throw new DiscoveryError('ARCHIVER_QUEUE_URL is not set');
  const where = whereOf(deps.where ?? {});
  const selection = await selectInstances(deps.rds, deps.selector ?? selectorOf(deps.config));
  for (const missing of selection.missingClusters) {
    deps.log.error('Configured cluster not found in RDS', { ...where, cluster: missing });
  }
  for (const missing of selection.missingInstances) {
    deps.log.error('Configured instance not found in RDS', { ...where, instance: missing });
  }
  const owner = deps.owner ?? `discoverer-${randomUUID()}`;
  const outcomes: InstanceOutcome[] = [];
  let sendFailures = 0;
  const targets = selection.instances.map((target) => ({ ...where, ...target }));
  const results = await mapLimit(targets, deps.concurrency ?? 4, (next) =>
    discoverInstance(deps, next, now, owner).catch(
      (error: unknown): InstanceOutcome & { sendFailures?: number } => {
        deps.log.error('Discovery of an instance failed', { ...next, error });
        return { ...emptyOutcome(next), error: error instanceof Error ? error.message : String(error) };
      },
    ),
  );
  for (const outcome of results) {
    if (!outcome) continue;
    sendFailures += outcome.sendFailures ?? 0;
    outcomes.push(outcome);
  }
  outcomes.sort((a, b) => `${a.cluster}/${a.instance}`.localeCompare(`${b.cluster}/${b.instance}`));
  // Errors outside home name the place: `210987654321/us-west-2 aurora-1-instance-1: ...`.
  const at = where.account === undefined ? '' : `${where.account}/${where.region} `;
  const summary: DiscoverSummary = {
    instances: outcomes,
    missingClusters: selection.missingClusters,
    missingInstances: selection.missingInstances,
    enqueued: sum(outcomes, 'enqueued'),
    writes: sum(outcomes, 'writes'),
    sendFailures,
    errors: [
      ...selection.missingClusters.map((id) => `${at}cluster ${id} not found`),
      ...selection.missingInstances.map((id) => `${at}instance ${id} not found`),
      ...outcomes.filter((o) => o.error).map((o) => `${at}${o.instance}: ${o.error}`),
      ...outcomes.flatMap((o) => o.rejected.map((r) => `${at}${o.instance}: ${r}`)),
    ],
  };
  deps.metrics.discovered({
    instances: outcomes.length,
    listed: sum(outcomes, 'listed'),
    enqueued: summary.enqueued,
    writes: summary.writes,
  });
  return summary;
}

async function discoverInstance(
  deps: DiscoverDeps,
  target: SelectedInstance & Where,
  now: () => number,
  owner: string,
): Promise<InstanceOutcome & { sendFailures?: number }> {
  const log = deps.log.child({ ...whereOf(target), cluster: target.cluster, instance: target.instance });
  // Taken before the listing: a ledger change after this instant is newer than what RDS listed.
  const listedAt = now();
  const everything = await listLogFiles(deps.rds, target.instance);
  const listing = everything.filter((file) => isArchivedLogFile(file.logFileName, deps.config.logTypes));
  const planFrom = async () => {
    const { meta, files } = await deps.ledger.instanceState(target.instance, target);
    const input: PlanInput = {
      ...target,
      listing,
      listedTotal: everything.length,
      ledger: files,
      ...(meta?.observed ? { observed: meta.observed } : {}),
      ...(meta?.families ? { families: meta.families } : {}),
      listedAt,
      now: now(),
      settleMs: deps.config.settleMs,
      sweepAfterMs: deps.config.sweepAfterMs,
      keyLayout: deps.config.keyLayout,
      keyPrefix: deps.config.keyPrefix,
    };
    return { meta, input, plan: planInstance(input) };
  };
  let { meta, input, plan } = await planFrom();
  let leaseWrites = 0;
  if (needsLease(plan)) {
    try {
      const held = await deps.ledger.takeDiscoveryLease({
        ...whereOf(target),
        instance: target.instance,
        owner,
        now: input.now,
        until: input.now + DISCOVERY_LEASE_MS,
      });
      leaseWrites = 1;
      if (held && held.lastListedAt > listedAt) {
        log.info('A newer listing of the instance was recorded meanwhile: leaving it this pass');
        return { ...emptyOutcome(target), writes: 1, busy: true };
      }
    } catch (error) {
      if (!(error instanceof InstanceBusyError)) throw error;
      log.info('Another discoverer is deciding this instance: leaving it this pass', {
        holder: error.holder,
      });
      return { ...emptyOutcome(target), busy: true };
    }
    // Under the lease: what another discoverer wrote before it is in this plan.
    ({ meta, input, plan } = await planFrom());
  }
  const at = input.now;
  const outcome = emptyOutcome(target);
  outcome.listed = listing.length;
  outcome.writes = leaseWrites;
  const toSend: ArchiveMessage[] = [];
  let failure: unknown;
  for (const action of plan) {
    if (action.kind === 'reject') {
      outcome.rejected.push(`${action.logFileName}: ${action.reason}`);
      log.error('Log file cannot be archived: no safe object key', {
        file: action.logFileName,
        reason: action.reason,
      });
      continue;
    }
    try {
      const message = await apply(deps.ledger, action);
      outcome.writes += action.kind === 'retire' ? 2 : 1;
      count(outcome, action);
      if (action.kind === 'transition' && action.transition === 'markGone') {
        deps.metrics.fileLost();
        log.warn('Log file lost: gone from RDS before it was archived', {
          file: fileLabel(action.file),
          reason: action.reason,
        });
      }
      if (message) toSend.push(message);
    } catch (error) {
      if (!(error instanceof TransitionRefusedError)) {
        failure = error;
        break;
      }
      outcome.raced += 1;
      log.debug('Another writer changed the file first', {
        file: fileOf(action),
        transition: error.transition,
      });
    }
  }
  if (listing.length === 0)
    log.warn('RDS listed no wanted log files: nothing is marked missing on an empty listing');
  // What was recorded `queued` is sent even when a later write failed: otherwise it would wait for
  // the sweep (ARCHIVER_SWEEP_AFTER_SECONDS) with nothing carrying it.
  const sendFailures = await sendAll(deps, toSend, log);
  outcome.enqueued = toSend.length - sendFailures;
  if (failure !== undefined) {
    // No heartbeat: this listing was not carried out, so it must not count as coverage.
    log.error(
      'A ledger write failed: sent the work already recorded, and gave up on the instance this pass',
      {
        error: failure,
        sent: outcome.enqueued,
      },
    );
    return { ...outcome, sendFailures, error: failure instanceof Error ? failure.message : String(failure) };
  }
  const eventsCursor = await deletionEventsOf(deps, target, meta?.eventsCursor, at, log);
  const retention = instanceRetention(target.engine, deps.config.retentionMs);
  const gap = await deps.ledger.recordListing({
    ...target,
    previous: meta,
    ...(eventsCursor !== undefined ? { eventsCursor } : {}),
    now: at,
    count: listing.length,
    retentionMs: retention.shortestMs,
    retention: retention.byType,
    observed: observeLiveFiles(input),
    rotated: rotatedCounts(listing),
    owner,
  });
  outcome.writes += gap ? 2 : 1;
  if (gap) {
    outcome.gapFrom = gap.from;
    log.warn('Listing gap longer than the log retention: files may have come and gone unseen', {
      from: new Date(gap.from).toISOString(),
      to: new Date(gap.to).toISOString(),
    });
  }
  return { ...outcome, sendFailures };
}

/**
 * RDS's deletion events of a clustered instance since its cursor (core/deletion-events.ts),
 * recorded before the heartbeat carries the new cursor. A failure (e.g. a role without
 * rds:DescribeEvents) is logged and leaves the cursor where it was: the next pass reads the same
 * events again, and the listing itself still counts.
 */
async function deletionEventsOf(
  deps: DiscoverDeps,
  target: SelectedInstance & Where,
  cursor: number | undefined,
  now: number,
  log: Log,
): Promise<number | undefined> {
  if (target.standalone) return cursor;
  try {
    const read = await collectDeletionEvents(deps, target, cursor, now);
    if (read.recorded > 0) {
      log.warn('RDS reports log files deleted before they were published: recorded as audit gaps', {
        events: read.recorded,
      });
    }
    return read.cursor;
  } catch (error) {
    log.error(
      'Reading RDS events failed: deletion evidence not collected this pass (needs rds:DescribeEvents)',
      {
        error,
      },
    );
    return cursor;
  }
}

/** Carries out one planned action; returns the message to send when it enqueues work. */
async function apply(ledger: LedgerStore, action: PlannedAction): Promise<ArchiveMessage | undefined> {
  switch (action.kind) {
    case 'create':
      await ledger.create(action.record);
      return action.enqueue ? archiveMessageFor(action.record) : undefined;
    case 'transition': {
      // The message carries the generation as written (a grown file's is the next one).
      const written = await ledger.apply(action.transition, action.file, action.args);
      return action.enqueue ? archiveMessageFor(written) : undefined;
    }
    case 'retire':
      await ledger.retire(action.file);
      return undefined;
    case 'reject':
      return undefined;
  }
}

/**
 * Sends in batches of 10. A message that fails to send stays `queued` in the ledger, and the sweep
 * sends it again later: nothing is lost, so a failure here is logged and counted, not thrown.
 */
async function sendAll(deps: DiscoverDeps, messages: ArchiveMessage[], log: Log): Promise<number> {
  let failures = 0;
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    try {
      const out = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: deps.config.queueUrl,
          Entries: batch.map((message, j) => ({ Id: String(j), MessageBody: formatArchiveMessage(message) })),
        }),
      );
      for (const failed of out.Failed ?? []) {
        failures += 1;
        log.warn('SQS refused a message; the sweep will send it again', {
          code: failed.Code,
          reason: failed.Message,
        });
      }
    } catch (error) {
      failures += batch.length;
      log.error('SendMessageBatch failed; the sweep will send these again', { error, count: batch.length });
    }
  }
  return failures;
}

function count(outcome: InstanceOutcome, action: PlannedAction): void {
  if (action.kind === 'create') outcome.created += 1;
  else if (action.kind === 'retire') outcome.retired += 1;
  else if (action.kind === 'transition' && action.transition === 'rearm') outcome.rearmed += 1;
  else if (action.kind === 'transition' && action.transition === 'markGone') outcome.lost += 1;
}

function fileOf(action: PlannedAction): string {
  if (action.kind === 'create') return fileLabel(action.record);
  return action.kind === 'reject' ? action.logFileName : fileLabel(action.file);
}

function emptyOutcome(target: SelectedInstance & Where): InstanceOutcome {
  return {
    ...target,
    listed: 0,
    created: 0,
    enqueued: 0,
    rearmed: 0,
    lost: 0,
    retired: 0,
    writes: 0,
    raced: 0,
    rejected: [],
  };
}

function sum(outcomes: InstanceOutcome[], field: 'enqueued' | 'writes' | 'listed'): number {
  return outcomes.reduce((total, outcome) => total + outcome[field], 0);
}
