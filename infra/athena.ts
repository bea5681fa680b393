import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query/index.js';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup/index.js';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database/index.js';
import {
  GlueCatalogTable,
  type GlueCatalogTableStorageDescriptorColumns,
  type GlueCatalogTableStorageDescriptorSerDeInfo,
} from '@cdktf/provider-aws/lib/glue-catalog-table/index.js';
import { Construct } from 'constructs';
import type { SourceAccount } from '../core/fleet/source-accounts.js';
import { type KeySegment, type LogType, logTypeOfSegment } from '../core/log-types.js';
import type { KeyLayout } from '../core/s3-keys.js';
import {
  AUDIT_COLUMNS,
  type AuditTableInput,
  auditTableLayout,
  ENTRY_TABLES,
  type EntryTable,
  entriesTableLayout,
  exampleQuery,
  LINE_TABLES,
  logTableLayout,
  type RegexTable,
  sourcesTableName,
  terraformLiteral,
} from './athena-layout.js';

export interface ArchiveQueryProps {
  namePrefix: string;
  bucketName: string;
  layout: KeyLayout;
  keyPrefix: string;
  clusters: string[];
  kmsKeyArn: string | undefined;
  /**
   * The archived log types: a line table for each that has one (athena-layout.ts LINE_TABLES), and
   * an entries table for each multi-line format among them (ENTRY_TABLES).
   */
  logTypes?: readonly LogType[];
  /**
   * The places outside home, whose logs get tables of their own: a `_sources` variant of every
   * table (`sourcesTableName`), e.g. `AUDIT_SOURCES_TABLE`.
   */
  sources?: SourceAccount[];
}

export const AUDIT_TABLE = 'audit_log';
/** The audit logs of the places outside home (`sourceAccounts`): `account` and `region` partitions too. */
export const AUDIT_SOURCES_TABLE = sourcesTableName(AUDIT_TABLE);

/**
 * The accounts, regions and (when every source lists them) clusters of the places outside home,
 * for partition projection; undefined without sources. A source selecting by tag makes the
 * cluster column injected: its clusters are not known at deploy time.
 */
export function sourcesProjection(
  sources: readonly SourceAccount[],
): { accounts: string[]; regions: string[]; clusters: string[] } | undefined {
  if (sources.length === 0) return undefined;
  const unique = (values: string[]) => [...new Set(values)];
  const byTag = sources.some((source) => source.clusterTag || source.instanceTag);
  return {
    accounts: unique(sources.map((source) => source.account)),
    regions: unique(sources.flatMap((source) => source.regions)),
    clusters: byTag ? [] : unique(sources.flatMap((source) => [...source.clusters, ...source.instances])),
  };
}

/**
 * Where a set of tables reads: home (the deployment's own clusters, the tables as named), or the
 * places outside home (every table's `_sources` variant, `account` and `region` partitions first).
 */
interface TableScope {
  input: AuditTableInput;
  /** A table's name (and construct id) in this scope, from its home name. */
  name: (table: string) => string;
}

/**
 * The partition columns of a table in a scope: `account` and `region` outside home (the order of
 * the key's levels: core/s3-keys.ts), then `cluster` and `dt`.
 */
function partitionKeys(input: AuditTableInput, clusterComment: string) {
  return [
    ...(input.places
      ? [
          { name: 'account', type: 'string', comment: 'Source account id' },
          { name: 'region', type: 'string', comment: 'Source region' },
        ]
      : []),
    { name: 'cluster', type: 'string', comment: clusterComment },
    { name: 'dt', type: 'string', comment: 'Hour of the log file (UTC), as in the key' },
  ];
}

/** A table's description in a scope: the home one, said to be of the source accounts outside home. */
function scopedDescription(input: AuditTableInput, description: string): string {
  return input.places
    ? `Source accounts (sourceAccounts), partitioned by account and region first: ${description}`
    : description;
}

/** A Glue database and tables over the archive, and an Athena workgroup to query them. */
export class ArchiveQuery extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly table: GlueCatalogTable;
  /** The audit table over the places outside home, when `sourceAccounts` lists any. */
  readonly sourcesTable: GlueCatalogTable | undefined;
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: ArchiveQueryProps) {
    super(scope, id);
    const databaseName = props.namePrefix.replaceAll('-', '_');

    this.database = new GlueCatalogDatabase(this, 'database', {
      name: databaseName,
      description: 'Archived RDS log files',
    });

    const home: TableScope = {
      input: { layout: props.layout, prefix: props.keyPrefix, clusters: props.clusters },
      name: (table) => table,
    };
    const sources = sourcesProjection(props.sources ?? []);
    const outside: TableScope | undefined = sources && {
      input: {
        layout: props.layout,
        prefix: props.keyPrefix,
        clusters: sources.clusters,
        places: { accounts: sources.accounts, regions: sources.regions },
      },
      name: sourcesTableName,
    };

    // Construct ids: the home audit table's stays `audit` (its Terraform address), the sources
    // one's `audit-sources`; every other table's id is its name.
    this.table = this.auditTable('audit', home, props);
    this.sourcesTable = outside && this.auditTable('audit-sources', outside, props);
    const deployed = <T extends { segment: KeySegment }>(tables: readonly T[]) =>
      tables.filter((t) => props.logTypes?.includes(logTypeOfSegment(t.segment)));
    for (const where of outside ? [home, outside] : [home]) {
      for (const table of deployed(LINE_TABLES)) this.lineTable(table, where, props);
      for (const table of deployed(ENTRY_TABLES)) this.entryTable(table, where, props);
    }

    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: props.namePrefix,
      description: 'Queries over the RDS log archive',
      forceDestroy: true,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        // Results kept by Athena itself: no results bucket to secure, and nothing written into the
        // (possibly Object-Locked) archive.
        managedQueryResultsConfiguration: {
          enabled: true,
          ...(props.kmsKeyArn ? { encryptionConfiguration: { kmsKey: props.kmsKeyArn } } : {}),
        },
      },
    });

    new AthenaNamedQuery(this, 'example', {
      name: 'audit-queries-of-one-cluster-day',
      database: this.database.name,
      workgroup: this.workgroup.name,
      query: exampleQuery(databaseName, AUDIT_TABLE, props.layout),
    });
  }

  /** The audit log table of one scope over the archive. */
  private auditTable(id: string, where: TableScope, props: ArchiveQueryProps): GlueCatalogTable {
    return this.gzipTextTable(id, where, props, {
      name: AUDIT_TABLE,
      description: 'Aurora MySQL audit logs (gzip CSV), partitioned by cluster and hour',
      classification: 'csv',
      layout: auditTableLayout(where.input),
      clusterComment: 'DB cluster identifier',
      serDeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        // The SQL text is quoted with single quotes and may itself contain commas.
        parameters: { separatorChar: ',', quoteChar: "'", escapeChar: '\\' },
      },
      columns: AUDIT_COLUMNS.map(([column, comment]) => ({ name: column, type: 'string', comment })),
    });
  }

  /** The table of one line format (athena-layout.ts LINE_TABLES) in one scope. */
  private lineTable(table: RegexTable, where: TableScope, props: ArchiveQueryProps): void {
    this.gzipTextTable(where.name(table.name), where, props, {
      name: table.name,
      description: table.description,
      layout: logTableLayout(where.input, table.segment),
      clusterComment: 'DB cluster, or the standalone instance',
      serDeInfo: {
        // One row per line; the expression must match the whole line (see LINE_TABLES).
        serializationLibrary: 'org.apache.hadoop.hive.serde2.RegexSerDe',
        parameters: { 'input.regex': table.regex },
      },
      columns: table.columns.map(([column, comment]) => ({ name: column, type: 'string', comment })),
    });
  }

  /**
   * The table of one multi-line format (athena-layout.ts ENTRY_TABLES, which says why) in one
   * scope: one row per entry, read with the Hive JSON SerDe from the entries objects under
   * `_entries/`, partitioned and projected as the archive is.
   */
  private entryTable(table: EntryTable, where: TableScope, props: ArchiveQueryProps): void {
    this.gzipTextTable(where.name(table.name), where, props, {
      name: table.name,
      description: table.description,
      classification: 'json',
      layout: entriesTableLayout(where.input, table.segment),
      clusterComment: 'DB cluster, or the standalone instance',
      // One JSON object per line, keys named as the columns (core/entries/entry-formats.ts).
      serDeInfo: { serializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
      columns: table.columns.map(({ name: column, type, comment }) => ({ name: column, type, comment })),
    });
  }

  /**
   * One table over gzip text objects of the archive in one scope, partitioned and projected over
   * the real keys: what every table shares, whatever its format.
   */
  private gzipTextTable(
    id: string,
    where: TableScope,
    props: ArchiveQueryProps,
    spec: {
      name: string;
      description: string;
      classification?: string;
      layout: { projection: Record<string, string>; templatePath: string; locationPath: string };
      clusterComment: string;
      serDeInfo: GlueCatalogTableStorageDescriptorSerDeInfo;
      columns: GlueCatalogTableStorageDescriptorColumns[];
    },
  ): GlueCatalogTable {
    return new GlueCatalogTable(this, id, {
      databaseName: this.database.name,
      name: where.name(spec.name),
      description: scopedDescription(where.input, spec.description),
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        ...(spec.classification ? { classification: spec.classification } : {}),
        EXTERNAL: 'TRUE',
        ...spec.layout.projection,
        // The bucket is a Terraform reference; only the literal part needs `${` escaped.
        'storage.location.template': `s3://${props.bucketName}/${terraformLiteral(spec.layout.templatePath)}`,
      },
      partitionKeys: partitionKeys(where.input, spec.clusterComment),
      storageDescriptor: {
        location: `s3://${props.bucketName}/${spec.layout.locationPath}`,
        // TextInputFormat reads .gz objects transparently.
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        compressed: true,
        serDeInfo: spec.serDeInfo,
        columns: spec.columns,
      },
    });
  }
}
