/**
 * One discovery round over every place: the home place (the hub's account in AWS_REGION, when
 * something is selected there) and every configured source account and region. Places run side
 * by side, since each has its own RDS API budget; within a place `discover` lists a few instances
 * at once. A place that cannot be read (its role cannot be assumed, its listing fails) is reported
 * by account and region, recorded on its place item in the ledger (`status` names it), and delays
 * no other place.
 */

import type { SourceClients } from '../aws-clients.js';
import type { ArchiverConfig } from '../config.js';
import { type DiscoverDeps, type DiscoverSummary, discover } from '../discover.js';
import { SourceAccountError } from './assumed-credentials.js';
import { HOME_PLACE, type PlaceTarget, placeTargets } from './places.js';

/** How one place's discovery went. */
export interface PlaceDiscovery {
  /** `home`, or `<account>/<region>`. */
  place: string;
  account?: string;
  region?: string;
  /** Instances listed there. */
  instances: number;
  enqueued: number;
  /** The place could not be read at all (e.g. the role was refused): why. */
  error?: string;
}

/** A round's summary: every place's instances and errors together, and each place's own line. */
export interface FleetDiscoverSummary extends DiscoverSummary {
  places: PlaceDiscovery[];
}

export interface FleetDiscoverDeps extends Omit<DiscoverDeps, 'where' | 'selector' | 'config'> {
  config: DiscoverDeps['config'] & Pick<ArchiverConfig, 'sourceAccounts'>;
  sources: SourceClients;
}

/** One place's run: its own line, and its summary when it could be read. */
export interface PlaceRun {
  place: PlaceDiscovery;
  summary?: DiscoverSummary;
}

/** Runs one discovery round over every place; never throws for one place's failure. */
export async function discoverFleet(deps: FleetDiscoverDeps): Promise<FleetDiscoverSummary> {
  const runs = await Promise.all(placeTargets(deps.config).map((target) => discoverPlace(deps, target)));
  return fleetSummary(runs);
}

/**
 * Discovers one place and records how it went (`PLACES` item). Never throws for the place's own
 * failure (a refused role, a failed listing): that is its line's `error`.
 */
export async function discoverPlace(deps: FleetDiscoverDeps, target: PlaceTarget): Promise<PlaceRun> {
  const now = deps.now ?? Date.now;
  const run = await readPlace(deps, target);
  try {
    await deps.ledger.recordPlaceDiscovery({
      ...target.where,
      place: target.label,
      attemptedAt: now(),
      instances: run.place.instances,
      enqueued: run.place.enqueued,
      ...(run.place.error !== undefined ? { error: run.place.error } : {}),
    });
  } catch (error) {
    // The place's work is done and sent; only what status shows of it is late.
    deps.log.warn('Could not record how the discovery of a place went', { place: target.label, error });
  }
  return run;
}

async function readPlace(deps: FleetDiscoverDeps, target: PlaceTarget): Promise<PlaceRun> {
  const { label, where } = target;
  if (target.source === undefined) {
    return await discover(deps).then(
      (summary) => ({ place: lineOf(label, summary), summary }),
      (error: unknown) => {
        deps.log.error('Discovery of the home place failed', { error });
        return { place: { place: HOME_PLACE, instances: 0, enqueued: 0, error: messageOf(error) } };
      },
    );
  }
  const clients = deps.sources.forPlace(target.where);
  if (!clients) {
    // Only a task naming a place the configuration no longer lists gets here.
    const why = `${label}: not listed in ARCHIVER_SOURCE_ACCOUNTS`;
    return { place: { ...where, place: label, instances: 0, enqueued: 0, error: why } };
  }
  return await discover({
    ...deps,
    rds: clients.rds,
    where,
    selector: {
      clusters: target.source.clusters,
      tag: target.source.clusterTag,
      instances: target.source.instances,
      instanceTag: target.source.instanceTag,
    },
    log: deps.log.child(where),
  }).then(
    (summary) => ({ place: { ...where, ...lineOf(label, summary) }, summary }),
    (error: unknown) => {
      const why = error instanceof SourceAccountError ? error.message : `${label}: ${messageOf(error)}`;
      deps.log.error('Discovery of a source account and region failed', { ...where, error });
      return { place: { ...where, place: label, instances: 0, enqueued: 0, error: why } };
    },
  );
}

/** The round's summary from its places' runs. */
export function fleetSummary(done: readonly PlaceRun[]): FleetDiscoverSummary {
  const summaries = done.flatMap((run) => (run.summary ? [run.summary] : []));
  return {
    instances: summaries.flatMap((s) => s.instances),
    missingClusters: summaries.flatMap((s) => s.missingClusters),
    missingInstances: summaries.flatMap((s) => s.missingInstances),
    enqueued: summaries.reduce((n, s) => n + s.enqueued, 0),
    writes: summaries.reduce((n, s) => n + s.writes, 0),
    sendFailures: summaries.reduce((n, s) => n + s.sendFailures, 0),
    errors: [
      ...done.flatMap((run) => (run.place.error ? [run.place.error] : [])),
      ...summaries.flatMap((s) => s.errors),
    ],
    places: done.map((run) => run.place),
  };
}

function lineOf(label: string, summary: DiscoverSummary): PlaceDiscovery {
  return { place: label, instances: summary.instances.length, enqueued: summary.enqueued };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
