/**
 * One discovery round over every place: the home place (the hub's account in AWS_REGION, when
 * something is selected there) and every configured source account and region. Places run side
 * by side, since each has its own RDS API budget; within a place `discover` lists a few instances
 * at once. A place that cannot be read (its role cannot be assumed, its listing fails) is reported
 * by account and region and delays no other place.
 */

import type { SourceClients } from '../aws-clients.js';
import type { ArchiverConfig } from '../config.js';
import { type DiscoverDeps, type DiscoverSummary, discover } from '../discover.js';
import { SourceAccountError } from './assumed-credentials.js';
import { placeLabel, sourcePlaces } from './source-accounts.js';

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

/** Whether the home place selects anything (a hub may only read member accounts). */
export function homeSelects(
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag'>,
): boolean {
  return (
    config.clusters.length > 0 ||
    config.clusterTag !== undefined ||
    config.instances.length > 0 ||
    config.instanceTag !== undefined
  );
}

/** Runs one discovery round over every place; never throws for one place's failure. */
export async function discoverFleet(deps: FleetDiscoverDeps): Promise<FleetDiscoverSummary> {
  const runs: Array<Promise<{ place: PlaceDiscovery; summary?: DiscoverSummary }>> = [];
  if (homeSelects(deps.config)) {
    runs.push(
      discover(deps).then(
        (summary) => ({ place: placeOf('home', summary), summary }),
        (error: unknown) => ({
          place: { place: 'home', instances: 0, enqueued: 0, error: messageOf(error) },
        }),
      ),
    );
  }
  for (const target of sourcePlaces(deps.config.sourceAccounts)) {
    const label = placeLabel(target);
    const where = { account: target.account, region: target.region };
    const clients = deps.sources.forPlace(target);
    if (!clients) continue;
    runs.push(
      discover({
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
        (summary) => ({ place: { ...where, ...placeOf(label, summary) }, summary }),
        (error: unknown) => {
          const why = error instanceof SourceAccountError ? error.message : `${label}: ${messageOf(error)}`;
          deps.log.error('Discovery of a source account and region failed', { ...where, error });
          return { place: { ...where, place: label, instances: 0, enqueued: 0, error: why } };
        },
      ),
    );
  }
  const done = await Promise.all(runs);
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

function placeOf(label: string, summary: DiscoverSummary): PlaceDiscovery {
  return { place: label, instances: summary.instances.length, enqueued: summary.enqueued };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
