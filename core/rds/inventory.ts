/**
 * What RDS holds: the selected clusters, their instances, and each instance's log files.
 * Listing is per DB instance; clusters give the instances (AWS-FACTS.md). Throttling is retried
 * by the SDK client itself (the wiring gives it an adaptive retry strategy and enough attempts).
 */

import {
  type DBCluster,
  DBClusterNotFoundFault,
  paginateDescribeDBClusters,
  paginateDescribeDBLogFiles,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { ClusterTagSelector } from '../config.js';
import type { ListedFile } from '../discovery-plan.js';

export interface SelectedInstance {
  cluster: string;
  instance: string;
}

export interface Selection {
  instances: SelectedInstance[];
  /** Clusters named in the configuration that RDS does not know: reported, never silently skipped. */
  missingClusters: string[];
}

/** The instances of the configured clusters (by identifier and/or tag). */
export async function selectInstances(
  rds: RDSClient,
  selector: { clusters: readonly string[]; tag: ClusterTagSelector | undefined },
): Promise<Selection> {
  const found = new Map<string, DBCluster>();
  const missingClusters: string[] = [];
  for (const id of selector.clusters) {
    try {
      for await (const page of paginateDescribeDBClusters({ client: rds }, { DBClusterIdentifier: id })) {
        for (const cluster of page.DBClusters ?? [])
          if (cluster.DBClusterIdentifier) found.set(cluster.DBClusterIdentifier, cluster);
      }
    } catch (error) {
      if (error instanceof DBClusterNotFoundFault) missingClusters.push(id);
      else throw error;
    }
  }
  if (selector.tag) {
    for await (const page of paginateDescribeDBClusters({ client: rds }, {})) {
      for (const cluster of page.DBClusters ?? []) {
        if (cluster.DBClusterIdentifier && carriesTag(cluster, selector.tag)) {
          found.set(cluster.DBClusterIdentifier, cluster);
        }
      }
    }
  }
  const instances: SelectedInstance[] = [];
  for (const [cluster, detail] of [...found.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const members = (detail.DBClusterMembers ?? [])
      .map((member) => member.DBInstanceIdentifier)
      .filter(Boolean) as string[];
    for (const instance of members.sort()) instances.push({ cluster, instance });
  }
  return { instances, missingClusters };
}

/** Whether a cluster carries the selecting tag (`key=value`). */
export function carriesTag(cluster: DBCluster, tag: ClusterTagSelector): boolean {
  return cluster.TagList?.some((t) => t.Key === tag.key && t.Value === tag.value) ?? false;
}

/** Every log file of an instance (paged), with sizes and LastWritten as RDS reports them. */
export async function listLogFiles(rds: RDSClient, instance: string): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  for await (const page of paginateDescribeDBLogFiles(
    { client: rds, pageSize: 1000 },
    { DBInstanceIdentifier: instance },
  )) {
    for (const detail of page.DescribeDBLogFiles ?? []) {
      if (!detail.LogFileName) continue;
      files.push({
        logFileName: detail.LogFileName,
        size: detail.Size ?? 0,
        lastWritten: detail.LastWritten ?? 0,
      });
    }
  }
  return files;
}
