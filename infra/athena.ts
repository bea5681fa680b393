import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query/index.js';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup/index.js';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database/index.js';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table/index.js';
import { Construct } from 'constructs';
import type { SourceAccount } from '../core/fleet/source-accounts.js';
import { type LogType, logTypeOfSegment } from '../core/log-types.js';
import type { KeyLayout } from '../core/s3-keys.js';
import {
  AUDIT_COLUMNS,
  type AuditTableInput,
  auditTableLayout,
  ENTRY_TABLES,
  entriesTableLayout,
  exampleQuery,
  LINE_TABLES,
  logTableLayout,
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
  /** The places outside home, which get a table of their own (`AUDIT_SOURCES_TABLE`). */
  sources?: SourceAccount[];
}

export const AUDIT_TABLE = 'audit_log';
/** The audit logs of the places outside home (`sourceAccounts`): `account` and `region` partitions too. */
export const AUDIT_SOURCES_TABLE = 'audit_log_sources';

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

/** A Glue database and audit log table over the archive, and an Athena workgroup to query it. */
export class ArchiveQuery extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly table: GlueCatalogTable;
  /** The table over the places outside home, when `sourceAccounts` lists any. */
  readonly sourcesTable: GlueCatalogTable | undefined;
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: ArchiveQueryProps) {
    super(scope, id);
    const databaseName = props.namePrefix.replaceAll('-', '_');

    this.database = new GlueCatalogDatabase(this, 'database', {
      name: databaseName,
      description: 'Archived RDS log files',
    });

    this.table = this.auditTable('audit', AUDIT_TABLE, props, {
      layout: props.layout,
      prefix: props.keyPrefix,
      clusters: props.clusters,
    });
    const sources = sourcesProjection(props.sources ?? []);
    if (sources) {
      this.sourcesTable = this.auditTable('audit-sources', AUDIT_SOURCES_TABLE, props, {
        layout: props.layout,
        prefix: props.keyPrefix,
        clusters: sources.clusters,
        places: { accounts: sources.accounts, regions: sources.regions },
      });
    }

    for (const table of LINE_TABLES.filter((t) => props.logTypes?.includes(logTypeOfSegment(t.segment)))) {
      const lines = logTableLayout(
        { layout: props.layout, prefix: props.keyPrefix, clusters: props.clusters },
        table.segment,
      );
      new GlueCatalogTable(this, table.name, {
        databaseName: this.database.name,
        name: table.name,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          ...lines.projection,
          'storage.location.template': `s3://${props.bucketName}/${terraformLiteral(lines.templatePath)}`,
        },
        partitionKeys: [
          { name: 'cluster', type: 'string', comment: 'DB cluster, or the standalone instance' },
          { name: 'dt', type: 'string', comment: 'Hour of the log file (UTC), as in the key' },
        ],
        storageDescriptor: {
          location: `s3://${props.bucketName}/${lines.locationPath}`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          compressed: true,
          serDeInfo: {
            // One row per line; the expression must match the whole line (see LINE_TABLES).
            serializationLibrary: 'org.apache.hadoop.hive.serde2.RegexSerDe',
            parameters: { 'input.regex': table.regex },
          },
          columns: table.columns.map(([name, comment]) => ({ name, type: 'string', comment })),
        },
      });
    }

    addEntryTables(this, this.database, props);

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

  /** One audit log table over the archive, partitioned as `input` says. */
  private auditTable(
    id: string,
    name: string,
    props: ArchiveQueryProps,
    input: AuditTableInput,
  ): GlueCatalogTable {
    const layout = auditTableLayout(input);
    const places = input.places
      ? [
          { name: 'account', type: 'string', comment: 'Source account id' },
          { name: 'region', type: 'string', comment: 'Source region' },
        ]
      : [];
    return new GlueCatalogTable(this, id, {
      databaseName: this.database.name,
      name,
      description: input.places
        ? 'Aurora MySQL audit logs of the source accounts (gzip CSV), partitioned by account, region, cluster and hour'
        : 'Aurora MySQL audit logs (gzip CSV), partitioned by cluster and hour',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        classification: 'csv',
        EXTERNAL: 'TRUE',
        ...layout.projection,
        // The bucket is a Terraform reference; only the literal part needs `${` escaped.
        'storage.location.template': `s3://${props.bucketName}/${terraformLiteral(layout.templatePath)}`,
      },
      partitionKeys: [
        ...places,
        { name: 'cluster', type: 'string', comment: 'DB cluster identifier' },
        { name: 'dt', type: 'string', comment: 'Hour of the log file (UTC), as in the key' },
      ],
      storageDescriptor: {
        location: `s3://${props.bucketName}/${layout.locationPath}`,
        // TextInputFormat reads .gz objects transparently.
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        compressed: true,
        serDeInfo: {
          serializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
          // The SQL text is quoted with single quotes and may itself contain commas.
          parameters: { separatorChar: ',', quoteChar: "'", escapeChar: '\\' },
        },
        columns: AUDIT_COLUMNS.map(([column, comment]) => ({ name: column, type: 'string', comment })),
      },
    });
  }
}

/**
 * The tables of the multi-line formats (athena-layout.ts ENTRY_TABLES, which says why): one row per
 * entry, read with the Hive JSON SerDe from the entries objects under `_entries/`, partitioned and
 * projected as the archive is.
 */
function addEntryTables(scope: Construct, database: GlueCatalogDatabase, props: ArchiveQueryProps): void {
  for (const table of ENTRY_TABLES.filter((t) => props.logTypes?.includes(logTypeOfSegment(t.segment)))) {
    const layout = entriesTableLayout(
      { layout: props.layout, prefix: props.keyPrefix, clusters: props.clusters },
      table.segment,
    );
    new GlueCatalogTable(scope, table.name, {
      databaseName: database.name,
      name: table.name,
      description: table.description,
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        classification: 'json',
        EXTERNAL: 'TRUE',
        ...layout.projection,
        'storage.location.template': `s3://${props.bucketName}/${terraformLiteral(layout.templatePath)}`,
      },
      partitionKeys: [
        { name: 'cluster', type: 'string', comment: 'DB cluster, or the standalone instance' },
        { name: 'dt', type: 'string', comment: 'Hour of the log file (UTC), as in the key' },
      ],
      storageDescriptor: {
        location: `s3://${props.bucketName}/${layout.locationPath}`,
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        compressed: true,
        // One JSON object per line, keys named as the columns (core/entries/entry-formats.ts).
        serDeInfo: { serializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
        columns: table.columns.map(({ name, type, comment }) => ({ name, type, comment })),
      },
    });
  }
}
