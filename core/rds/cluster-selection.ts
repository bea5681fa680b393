/**
 * Which clusters are selected for archiving, as the archiver checks it before downloading: the
 * ledger names the file, but only a file of a selected cluster may be downloaded. An explicit list
 * (ARCHIVER_CLUSTERS) needs no call; the tag (ARCHIVER_CLUSTER_TAG) is read with one
 * DescribeDBClusters per cluster, remembered by this process for a few minutes.
 */

import { DBClusterNotFoundFault, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { ClusterTagSelector } from '../config.js';
import { carriesTag } from './inventory.js';

export interface ClusterSelection {
  /** Whether the cluster is selected (by name, or by carrying the tag now). */
  includes(cluster: string): Promise<boolean>;
  /** The selection in words, for reasons: `ARCHIVER_CLUSTERS a, b; ARCHIVER_CLUSTER_TAG k=v`. */
  readonly description: string;
}

/** How long a tag answer is reused: a newly tagged cluster is seen by the discoverer first anyway. */
export const SELECTION_CACHE_MS = 5 * 60_000;

/** The selection from the configuration. `now` is this process's clock (default `Date.now`). */
export function clusterSelection(
  rds: RDSClient,
  selector: { clusters: readonly string[]; tag: ClusterTagSelector | undefined },
  options: { cacheMs?: number; now?: () => number } = {},
): ClusterSelection {
  const named = new Set(selector.clusters);
  const cacheMs = options.cacheMs ?? SELECTION_CACHE_MS;
  const now = options.now ?? Date.now;
  const answers = new Map<string, { selected: boolean; at: number }>();
  const parts = [
    ...(named.size > 0 ? [`ARCHIVER_CLUSTERS ${[...named].join(', ')}`] : []),
    ...(selector.tag ? [`ARCHIVER_CLUSTER_TAG ${selector.tag.key}=${selector.tag.value}`] : []),
  ];
  return {
    description: parts.length > 0 ? parts.join('; ') : 'no clusters configured',
    async includes(cluster) {
      if (named.has(cluster)) return true;
      const tag = selector.tag;
      if (!tag) return false;
      const known = answers.get(cluster);
      if (known && now() - known.at < cacheMs) return known.selected;
      const selected = await taggedCluster(rds, cluster, tag);
      answers.set(cluster, { selected, at: now() });
      return selected;
    },
  };
}

async function taggedCluster(rds: RDSClient, cluster: string, tag: ClusterTagSelector): Promise<boolean> {
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }));
    return (out.DBClusters ?? []).some((c) => c.DBClusterIdentifier === cluster && carriesTag(c, tag));
  } catch (error) {
    if (error instanceof DBClusterNotFoundFault) return false;
    throw error;
  }
}
