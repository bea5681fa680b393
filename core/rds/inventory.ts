/**
 * What RDS holds: the selected clusters, their instances, and each instance's log files.
 * Listing is per DB instance; clusters give the instances (AWS-FACTS.md). Throttling is retried
 * by the SDK client itself (the wiring gives it an adaptive retry strategy and enough attempts).
 */

import {
  type DBCluster,
  DBClusterNotFoundFault,
  type DBInstance,
  DBInstanceNotFoundFault,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBLogFiles,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import type { ClusterTagSelector } from '../config.js';
import type { ListedFile } from '../discovery-plan.js';
import type { Selector } from './cluster-selection.js';

export interface SelectedInstance {
  /** The group: the DB cluster, or the instance itself when it is standalone. */
  cluster: string;
  instance: string;
  /** An instance in no DB cluster (RDS MySQL, MariaDB...): reports and keys use the instance. */
  standalone?: true;
  /** The engine as RDS names it (`aurora-mysql`, `postgres`...): its logs' retention follows. */
  engine?: string;
}

export interface Selection {
  instances: SelectedInstance[];
  /** Clusters named in the configuration that RDS does not know: reported, never silently skipped. */
  missingClusters: string[];
  /** Instances named in the configuration that RDS does not know. */
  missingInstances: string[];
}

/**
 * The instances of the configured clusters (by identifier and/or tag), and the configured
 * instances (by identifier and/or instance tag; DescribeDBInstances, paged, only when either is
 * set). An instance of a DB cluster selected by instance keeps its cluster as its group.
 */
export async function selectInstances(rds: RDSClient, selector: Selector): Promise<Selection> {
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
    // A cluster's members run its engine: no further call to learn it.
    const engine = detail.Engine ? { engine: detail.Engine } : {};
    for (const instance of members.sort()) instances.push({ cluster, instance, ...engine });
  }
  const { selected, missingInstances } = await selectStandalone(rds, selector);
  const taken = new Set(instances.map((i) => i.instance));
  for (const instance of selected) if (!taken.has(instance.instance)) instances.push(instance);
  return { instances, missingClusters, missingInstances };
}

async function selectStandalone(
  rds: RDSClient,
  selector: Selector,
): Promise<{ selected: SelectedInstance[]; missingInstances: string[] }> {
  const found = new Map<string, DBInstance>();
  const missingInstances: string[] = [];
  for (const id of selector.instances ?? []) {
    try {
      for await (const page of paginateDescribeDBInstances({ client: rds }, { DBInstanceIdentifier: id })) {
        for (const instance of page.DBInstances ?? [])
          if (instance.DBInstanceIdentifier) found.set(instance.DBInstanceIdentifier, instance);
      }
    } catch (error) {
      if (error instanceof DBInstanceNotFoundFault) missingInstances.push(id);
      else throw error;
    }
  }
  const tag = selector.instanceTag;
  if (tag) {
    for await (const page of paginateDescribeDBInstances({ client: rds }, {})) {
      for (const instance of page.DBInstances ?? []) {
        if (instance.DBInstanceIdentifier && carriesTag(instance, tag))
          found.set(instance.DBInstanceIdentifier, instance);
      }
    }
  }
  const selected = [...found.values()]
    .map((detail): SelectedInstance => {
      const instance = detail.DBInstanceIdentifier ?? '';
      const engine = detail.Engine ? { engine: detail.Engine } : {};
      return detail.DBClusterIdentifier
        ? { cluster: detail.DBClusterIdentifier, instance, ...engine }
        : { cluster: instance, instance, standalone: true, ...engine };
    })
    .sort((a, b) => a.instance.localeCompare(b.instance));
  return { selected, missingInstances };
}

/** Whether a cluster or instance carries the selecting tag (`key=value`). */
export function carriesTag(resource: { TagList?: Tag[] | undefined }, tag: ClusterTagSelector): boolean {
  return resource.TagList?.some((t) => t.Key === tag.key && t.Value === tag.value) ?? false;
}

/**
 * Every log file of an instance (paged), with sizes and LastWritten as RDS reports them; with
 * `contains`, only those whose name contains it (`FilenameContains`: one family, for the archiver).
 */
export async function listLogFiles(
  rds: RDSClient,
  instance: string,
  contains?: string,
): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  for await (const page of paginateDescribeDBLogFiles(
    { client: rds, pageSize: 1000 },
    { DBInstanceIdentifier: instance, ...(contains === undefined ? {} : { FilenameContains: contains }) },
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
