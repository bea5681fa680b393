import { HOME_PLACE } from '../fleet/places.js';

/** Which files an operation looks at: everything, one cluster, or one instance (of a cluster). */
export interface FileFilter {
  cluster?: string;
  instance?: string;
  /** One account: its id, or `home` for the deployment's own account in its own region. */
  account?: string;
  /** One region (home files are in `homeRegion`). */
  region?: string;
  /** The deployment's own region (AWS_REGION), where home files are: for `region`. */
  homeRegion?: string;
}

/** The `account` filter value naming the home place (whose records carry no account): its label. */
export const HOME_ACCOUNT = HOME_PLACE;

/** Whether a file (or a message naming one) passes the filter. */
export function matchesFilter(
  item: { cluster: string; instance: string; account?: string | undefined; region?: string | undefined },
  filter: FileFilter,
): boolean {
  if (filter.cluster !== undefined && item.cluster !== filter.cluster) return false;
  if (filter.instance !== undefined && item.instance !== filter.instance) return false;
  if (filter.account !== undefined && (item.account ?? HOME_ACCOUNT) !== filter.account) return false;
  if (filter.region !== undefined && (item.region ?? filter.homeRegion) !== filter.region) return false;
  return true;
}

/** The filter as words, for headings and messages: `cluster c1, instance i1` or `all files`. */
export function describeFilter(filter: FileFilter): string {
  const parts = [
    ...(filter.cluster !== undefined ? [`cluster ${filter.cluster}`] : []),
    ...(filter.instance !== undefined ? [`instance ${filter.instance}`] : []),
    ...(filter.account !== undefined ? [`account ${filter.account}`] : []),
    ...(filter.region !== undefined ? [`region ${filter.region}`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'all clusters';
}
