import { ENGINE_SPECS } from './engines.js';
import { AwsErrorAnswer } from './errors.js';
import { describeEvents, type LoggedEvent } from './events.js';
import { clusterArn as clusterArnOf, instanceArn as instanceArnOf } from './fleet.js';
import { downloadDBLogFilePortion } from './portion.js';
import { page, type QueryFilter, readFilters, readInteger, readMaxRecords } from './query-params.js';
import type { SimCluster, SimInstance } from './types.js';
import type { SimWorldInternal } from './world.js';
import { el, queryResponse, tagList, wrap } from './xml.js';

/** The RDS API version this simulator speaks. */
export const RDS_API_VERSION = '2014-10-31';
/** AWS: "Default: 100. Constraints: Minimum 20, maximum 100." (DescribeDBClusters, DescribeDBInstances). */
const DESCRIBE_BOUNDS = { min: 20, max: 100, dflt: 100 };
/**
 * DescribeDBLogFiles documents no bounds; the service pages at 1000 by default (rdslogs PR #8).
 * Assumption: 1..1000 accepted, outside is refused, so a client relying on more fails loudly here.
 */
const LOG_FILE_BOUNDS = { min: 1, max: 1000, dflt: 1000 };

/** What one Query request needs from the simulator: the caller's account and Region, and its world. */
export interface QueryContext {
  world: SimWorldInternal;
  region: string;
  account: string;
  requestId: string;
  /** True when an `empty-listing` fault answers this DescribeDBLogFiles. */
  emptyListing: boolean;
  /** The site's events, every deletion up to now found (of one instance, or of all) first. */
  events(instance?: string): LoggedEvent[];
  /** The simulator's clock now. */
  now: number;
}

function matchFilter(
  filters: QueryFilter[],
  allowedNames: string[],
  probe: (f: QueryFilter) => boolean,
): boolean {
  for (const f of filters) {
    if (!allowedNames.includes(f.name)) {
      throw new AwsErrorAnswer(400, 'InvalidParameterValue', `Unrecognized filter name: ${f.name}.`);
    }
    if (f.values.length === 0) {
      throw new AwsErrorAnswer(
        400,
        'InvalidParameterCombination',
        `The filter ${f.name} needs at least one value.`,
      );
    }
    if (!probe(f)) return false;
  }
  return true;
}

const resourceId = (prefix: string, id: string) =>
  `${prefix}-${Buffer.from(id).toString('hex').toUpperCase().slice(0, 26).padEnd(26, 'A')}`;

function clusterXml(c: SimCluster, region: string, account: string): string {
  const spec = ENGINE_SPECS[c.engine ?? 'aurora-mysql'];
  const members = c.instances
    .map((id, i) =>
      wrap(
        'DBClusterMember',
        el('DBInstanceIdentifier', id) +
          el('IsClusterWriter', i === 0) +
          el('DBClusterParameterGroupStatus', 'in-sync') +
          el('PromotionTier', 1),
      ),
    )
    .join('');
  return wrap(
    'DBCluster',
    el('AllocatedStorage', 1) +
      el('DBClusterIdentifier', c.id) +
      el('Status', 'available') +
      el('Endpoint', `${c.id}.cluster-c0ffee.${region}.rds.amazonaws.com`) +
      el('ReaderEndpoint', `${c.id}.cluster-ro-c0ffee.${region}.rds.amazonaws.com`) +
      el('MultiAZ', c.instances.length > 1) +
      el('Engine', spec.engine) +
      el('EngineVersion', spec.engineVersion) +
      el('Port', spec.port) +
      el('MasterUsername', 'admin') +
      wrap('DBClusterMembers', members) +
      el('StorageEncrypted', true) +
      el('DbClusterResourceId', resourceId('cluster', c.id)) +
      el('DBClusterArn', clusterArnOf(region, account, c.id)) +
      el('ClusterCreateTime', '2025-01-01T00:00:00.000Z') +
      tagList(c.tags),
  );
}

/** A DB instance; a standalone one (RDS MySQL, MariaDB, PostgreSQL) has no DBClusterIdentifier. */
function instanceXml(i: SimInstance, region: string, account: string): string {
  const spec = ENGINE_SPECS[i.engine];
  return wrap(
    'DBInstance',
    el('DBInstanceIdentifier', i.id) +
      el('DBInstanceClass', 'db.r6g.large') +
      el('Engine', spec.engine) +
      el('DBInstanceStatus', 'available') +
      wrap(
        'Endpoint',
        el('Address', `${i.id}.c0ffee.${region}.rds.amazonaws.com`) +
          el('Port', spec.port) +
          el('HostedZoneId', 'Z2R2ITUGPM61AM'),
      ) +
      (spec.clustered ? '' : el('AllocatedStorage', 100)) +
      el('InstanceCreateTime', '2025-01-01T00:00:00.000Z') +
      el('AvailabilityZone', `${region}a`) +
      el('MultiAZ', false) +
      el('EngineVersion', spec.engineVersion) +
      (i.cluster === undefined ? '' : el('DBClusterIdentifier', i.cluster)) +
      el('DbiResourceId', resourceId('db', i.id)) +
      el('DBInstanceArn', instanceArnOf(region, account, i.id)) +
      tagList(i.tags),
  );
}

function describeDBClusters(params: URLSearchParams, ctx: QueryContext): string {
  const maxRecords = readMaxRecords(params, DESCRIBE_BOUNDS);
  const wanted = params.get('DBClusterIdentifier');
  const filters = readFilters(params);
  let clusters = ctx.world.clusters();
  if (wanted) {
    clusters = clusters.filter(
      (c) => c.id === wanted || clusterArnOf(ctx.region, ctx.account, c.id) === wanted,
    );
    if (clusters.length === 0)
      throw new AwsErrorAnswer(404, 'DBClusterNotFoundFault', `DBCluster ${wanted} not found.`);
  }
  clusters = clusters.filter((c) =>
    matchFilter(filters, ['db-cluster-id', 'engine'], (f) =>
      f.name === 'engine'
        ? f.values.includes(c.engine ?? 'aurora-mysql')
        : f.values.includes(c.id) || f.values.includes(clusterArnOf(ctx.region, ctx.account, c.id)),
    ),
  );
  const p = page(clusters, (c) => c.id, params.get('Marker'), maxRecords);
  return (
    wrap('DBClusters', p.items.map((c) => clusterXml(c, ctx.region, ctx.account)).join('')) +
    (p.marker ? el('Marker', p.marker) : '')
  );
}

function describeDBInstances(params: URLSearchParams, ctx: QueryContext): string {
  const maxRecords = readMaxRecords(params, DESCRIBE_BOUNDS);
  const wanted = params.get('DBInstanceIdentifier');
  const filters = readFilters(params);
  let rows = ctx.world.instances();
  if (wanted) {
    rows = rows.filter((r) => r.id === wanted || instanceArnOf(ctx.region, ctx.account, r.id) === wanted);
    if (rows.length === 0)
      throw new AwsErrorAnswer(404, 'DBInstanceNotFound', `DBInstance ${wanted} not found.`);
  }
  rows = rows.filter((r) =>
    matchFilter(filters, ['db-cluster-id', 'db-instance-id', 'engine'], (f) => {
      if (f.name === 'engine') return f.values.includes(r.engine);
      if (f.name === 'db-instance-id')
        return f.values.includes(r.id) || f.values.includes(instanceArnOf(ctx.region, ctx.account, r.id));
      return (
        r.cluster !== undefined &&
        (f.values.includes(r.cluster) || f.values.includes(clusterArnOf(ctx.region, ctx.account, r.cluster)))
      );
    }),
  );
  const p = page(rows, (r) => r.id, params.get('Marker'), maxRecords);
  return (
    wrap('DBInstances', p.items.map((r) => instanceXml(r, ctx.region, ctx.account)).join('')) +
    (p.marker ? el('Marker', p.marker) : '')
  );
}

function describeDBLogFiles(params: URLSearchParams, ctx: QueryContext): string {
  const instance = params.get('DBInstanceIdentifier');
  if (!instance) {
    throw new AwsErrorAnswer(
      400,
      'MissingParameter',
      'The request must contain the parameter DBInstanceIdentifier',
    );
  }
  const maxRecords = readMaxRecords(params, LOG_FILE_BOUNDS);
  const contains = params.get('FilenameContains');
  const lastWritten = readInteger(params, 'FileLastWritten');
  const size = readInteger(params, 'FileSize');
  if (!ctx.world.hasInstance(instance)) {
    throw new AwsErrorAnswer(404, 'DBInstanceNotFound', `DBInstance ${instance} not found.`);
  }
  const files = ctx.emptyListing
    ? []
    : ctx.world
        .listFiles(instance)
        .filter((f) => (contains ? f.name.includes(contains) : true))
        // AWS: "files written since the specified date" / "files larger than the specified size".
        .filter((f) => (lastWritten !== undefined ? f.lastWritten >= lastWritten : true))
        .filter((f) => (size !== undefined ? f.size > size : true));
  const p = page(files, (f) => f.name, params.get('Marker'), maxRecords);
  const details = p.items
    .map((f) =>
      wrap(
        'DescribeDBLogFilesDetails',
        el('LogFileName', f.name) + el('LastWritten', f.lastWritten) + el('Size', f.size),
      ),
    )
    .join('');
  return wrap('DescribeDBLogFiles', details) + (p.marker ? el('Marker', p.marker) : '');
}

const actions: Record<string, (params: URLSearchParams, ctx: QueryContext) => string> = {
  DescribeDBClusters: describeDBClusters,
  DescribeDBInstances: describeDBInstances,
  DescribeDBLogFiles: describeDBLogFiles,
  DownloadDBLogFilePortion: (params, ctx) => downloadDBLogFilePortion(params, ctx.world),
  DescribeEvents: (params, ctx) => describeEvents(params, (i) => ctx.events(i), ctx.now),
};

/** True for the actions this simulator implements. */
export function isKnownAction(action: string): boolean {
  return Object.hasOwn(actions, action);
}

/** Answers one RDS Query request with its XML body; AWS errors are thrown as {@link AwsErrorAnswer}. */
export function handleQuery(params: URLSearchParams, ctx: QueryContext): string {
  const action = params.get('Action');
  if (!action) throw new AwsErrorAnswer(400, 'MissingAction', 'Missing Action');
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  const version = params.get('Version');
  if (!handler || version !== RDS_API_VERSION) {
    throw new AwsErrorAnswer(
      400,
      'InvalidAction',
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  return queryResponse(action, handler(params, ctx), ctx.requestId);
}
