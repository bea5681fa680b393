/**
 * What is selected for archiving, as the archiver checks it before downloading: the ledger names
 * the file, but only a file of a selected cluster or instance may be downloaded. Explicit lists
 * (ARCHIVER_CLUSTERS, ARCHIVER_INSTANCES) need no call; a tag (ARCHIVER_CLUSTER_TAG,
 * ARCHIVER_INSTANCE_TAG) is read with one DescribeDBClusters per cluster or DescribeDBInstances per
 * instance, remembered by this process for a few minutes.
 */

import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { ArchiverConfig, ClusterTagSelector } from '../config.js';
import { carriesTag } from './inventory.js';

/** What the selection is asked about: a file's group (cluster, or the instance) and instance. */
export interface SelectionTarget {
  cluster: string;
  instance: string;
  /** A standalone instance: `cluster` is the instance itself, so only the instance rules apply. */
  standalone?: boolean | undefined;
}

export interface ClusterSelection {
  /** Whether the target is selected (by name, or by carrying a tag now). */
  includes(target: SelectionTarget): Promise<boolean>;
  /** The selection in words, for reasons: `ARCHIVER_CLUSTERS a, b; ARCHIVER_CLUSTER_TAG k=v`. */
  readonly description: string;
}

/** The selection settings. */
export interface Selector {
  clusters: readonly string[];
  tag: ClusterTagSelector | undefined;
  instances?: readonly string[];
  instanceTag?: ClusterTagSelector | undefined;
}

/** The selection settings of a configuration. */
export function selectorOf(
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag'>,
): Selector {
  return {
    clusters: config.clusters,
    tag: config.clusterTag,
    instances: config.instances,
    instanceTag: config.instanceTag,
  };
}

/** How long a tag answer is reused: a newly tagged cluster is seen by the discoverer first anyway. */
export const SELECTION_CACHE_MS = 5 * 60_000;

/** The selection from the configuration. `now` is this process's clock (default `Date.now`). */
export function clusterSelection(
  rds: RDSClient,
  selector: Selector,
  options: { cacheMs?: number; now?: () => number } = {},
): ClusterSelection {
  const named = new Set(selector.clusters);
  const namedInstances = new Set(selector.instances ?? []);
  const cacheMs = options.cacheMs ?? SELECTION_CACHE_MS;
  const now = options.now ?? Date.now;
  const answers = new Map<string, { selected: boolean; at: number }>();
  const cached = async (key: string, ask: () => Promise<boolean>): Promise<boolean> => {
    const known = answers.get(key);
    if (known && now() - known.at < cacheMs) return known.selected;
    const selected = await ask();
    answers.set(key, { selected, at: now() });
    return selected;
  };
  const parts = [
    ...(named.size > 0 ? [`ARCHIVER_CLUSTERS ${[...named].join(', ')}`] : []),
    ...(selector.tag ? [`ARCHIVER_CLUSTER_TAG ${selector.tag.key}=${selector.tag.value}`] : []),
    ...(namedInstances.size > 0 ? [`ARCHIVER_INSTANCES ${[...namedInstances].join(', ')}`] : []),
    ...(selector.instanceTag
      ? [`ARCHIVER_INSTANCE_TAG ${selector.instanceTag.key}=${selector.instanceTag.value}`]
      : []),
  ];
  return {
    description: parts.length > 0 ? parts.join('; ') : 'nothing configured',
    async includes(target) {
      if (namedInstances.has(target.instance)) return true;
      if (!target.standalone) {
        if (named.has(target.cluster)) return true;
        const tag = selector.tag;
        if (tag && (await cached(`C#${target.cluster}`, () => taggedCluster(rds, target.cluster, tag))))
          return true;
      }
      const instanceTag = selector.instanceTag;
      if (!instanceTag) return false;
      return await cached(`I#${target.instance}`, () => taggedInstance(rds, target.instance, instanceTag));
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

async function taggedInstance(rds: RDSClient, instance: string, tag: ClusterTagSelector): Promise<boolean> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instance }));
    return (out.DBInstances ?? []).some((i) => i.DBInstanceIdentifier === instance && carriesTag(i, tag));
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return false;
    throw error;
  }
}
