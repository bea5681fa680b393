/**
 * How Athena finds the archived audit logs: the Glue table's location and its partition projection,
 * derived from the same key layouts core/s3-keys.ts writes. Pure.
 *
 * Partitions are `cluster` and `dt` (the file's hour). The instance stays inside the partition folder:
 * Athena reads every object under a partition's location, instance folders included, and `"$path"`
 * names the instance. That keeps "all instances of a cluster for these hours" one query.
 */

import type { KeyLayout } from '../core/s3-keys.js';

export interface AuditTableInput {
  layout: KeyLayout;
  /** Key prefix: empty or ending in `/`. */
  prefix: string;
  /** Clusters, when listed; empty when clusters are chosen by tag. */
  clusters: string[];
  /**
   * The places outside home (`sourceAccounts`), for their own table: their keys carry one more
   * level, `{account}/{region}/` (core/s3-keys.ts), which the home table's template cannot match.
   */
  places?: { accounts: string[]; regions: string[] };
}

export interface AuditTableLayout {
  /** Path under the bucket where the table starts (the key prefix). */
  locationPath: string;
  /** Path under the bucket of one partition, with Athena's `${column}` placeholders. */
  templatePath: string;
  /** Table parameters for partition projection (without the template). */
  projection: Record<string, string>;
}

/** Columns of an Aurora MySQL audit log line, in order (the SQL text is the `object` column). */
export const AUDIT_COLUMNS = [
  ['ts_us', 'Event time, microseconds since the epoch'],
  ['serverhost', 'Instance that logged the event'],
  ['username', 'Database user'],
  ['host', 'Client host'],
  ['connectionid', 'Connection id'],
  ['queryid', 'Query id'],
  ['operation', 'CONNECT, QUERY, READ, WRITE, ...'],
  ['database', 'Default database'],
  ['object', 'SQL text or object name'],
  ['retcode', 'Return code'],
] as const;

/** Partition projection for the audit log table under the given key layout. */
export function auditTableLayout(input: AuditTableInput): AuditTableLayout {
  const hive = input.layout === 'hive';
  const cluster: Record<string, string> =
    input.clusters.length > 0
      ? { 'projection.cluster.type': 'enum', 'projection.cluster.values': input.clusters.join(',') }
      : // Clusters chosen by tag are not known at deploy time: queries name the cluster instead.
        { 'projection.cluster.type': 'injected' };
  const places = input.places;
  const placeLevel = places
    ? hive
      ? `account=\${account}/region=\${region}/`
      : `\${account}/\${region}/`
    : '';
  const placeProjection: Record<string, string> = places
    ? {
        'projection.account.type': 'enum',
        'projection.account.values': places.accounts.join(','),
        'projection.region.type': 'enum',
        'projection.region.values': places.regions.join(','),
      }
    : {};
  return {
    locationPath: input.prefix,
    templatePath: hive
      ? `${input.prefix}${placeLevel}cluster=\${cluster}/log_type=audit/dt=\${dt}/`
      : `${input.prefix}${placeLevel}\${cluster}/audit/\${dt}/`,
    projection: {
      'projection.enabled': 'true',
      ...placeProjection,
      ...cluster,
      'projection.dt.type': 'date',
      'projection.dt.format': hive ? 'yyyy-MM-dd-HH' : 'yyyy/MM/dd/HH',
      'projection.dt.range': 'NOW-5YEARS,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
    },
  };
}

/** Escapes a literal for a Terraform string: `${` would otherwise start an interpolation. */
export function terraformLiteral(text: string): string {
  // A replacer function: in a replacement *string*, `$$` would itself collapse to `$`.
  return text.replaceAll('${', () => '$${');
}

/** The example query from the README: one cluster, one day, who ran what. */
export function exampleQuery(database: string, table: string, layout: KeyLayout): string {
  const from = layout === 'hive' ? '2025-01-31-00' : '2025/01/31/00';
  const to = layout === 'hive' ? '2025-01-31-23' : '2025/01/31/23';
  return [
    'SELECT from_unixtime(CAST(ts_us AS bigint) / 1000000) AS at, serverhost, username, host, operation,',
    '       "database", object, retcode',
    `FROM "${database}"."${table}"`,
    `WHERE cluster = 'my-cluster' AND dt BETWEEN '${from}' AND '${to}'`,
    "  AND operation = 'QUERY'",
    'ORDER BY at',
    'LIMIT 100',
  ].join('\n');
}
