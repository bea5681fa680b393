/**
 * The places one discovery round reads, from the configuration. Pure. The home place (the hub's
 * account in AWS_REGION) is read when something is selected there; then one place per account and
 * region of ARCHIVER_SOURCE_ACCOUNTS, in configuration order. A place is the unit of discovery:
 * the RDS API budget is per account and region, so places never share one.
 */

import type { ArchiverConfig } from '../config.js';
import { placeLabel, type SourceAccount, sourcePlaces } from './source-accounts.js';

/** The label of the home place, as places are named in summaries, the ledger and filters. */
export const HOME_PLACE = 'home';

/** One place to discover: home, or an account and region of a source account. */
export type PlaceTarget = HomeTarget | SourceTarget;

/** The home place: its records carry no place. */
export interface HomeTarget {
  label: typeof HOME_PLACE;
  where: Record<string, never>;
  source?: undefined;
}

/** An account and region of ARCHIVER_SOURCE_ACCOUNTS. */
export interface SourceTarget {
  /** `<account>/<region>`. */
  label: string;
  where: { account: string; region: string };
  /** How to reach it and what to select there. */
  source: SourceAccount;
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

/** Every place a discovery round reads, home first. */
export function placeTargets(
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag' | 'sourceAccounts'>,
): PlaceTarget[] {
  return [
    ...(homeSelects(config) ? [{ label: HOME_PLACE, where: {} } satisfies HomeTarget] : []),
    ...sourcePlaces(config.sourceAccounts).map(
      (place): SourceTarget => ({
        label: placeLabel(place),
        where: { account: place.account, region: place.region },
        source: place.source,
      }),
    ),
  ];
}

/**
 * The label of where a record is, as summaries, filters and tables show it: `home` when it carries
 * no account (the home place), else `<account>/<region>`.
 */
export function whereLabel(where: { account?: string | undefined; region?: string | undefined }): string {
  return where.account === undefined || where.region === undefined
    ? HOME_PLACE
    : placeLabel({ account: where.account, region: where.region });
}
