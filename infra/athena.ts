import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query/index.js';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup/index.js';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database/index.js';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table/index.js';
import { Construct } from 'constructs';
import type { LogType } from '../core/log-types.js';
import type { KeyLayout } from '../core/s3-keys.js';
import {
  AUDIT_COLUMNS,
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
}

export const AUDIT_TABLE = 'audit_log';

/** A Glue database and audit log table over the archive, and an Athena workgroup to query it. */
export class ArchiveQuery extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly table: GlueCatalogTable;
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: ArchiveQueryProps) {
    super(scope, id);
    const layout = auditTableLayout({
      layout: props.layout,
      prefix: props.keyPrefix,
      clusters: props.clusters,
    });
    const databaseName = props.namePrefix.replaceAll('-', '_');

    this.database = new GlueCatalogDatabase(this, 'database', {
      name: databaseName,
      description: 'Archived RDS log files',
    });

    this.table = new GlueCatalogTable(this, 'audit', {
      databaseName: this.database.name,
      name: AUDIT_TABLE,
      description: 'Aurora MySQL audit logs (gzip CSV), partitioned by cluster and hour',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        classification: 'csv',
        EXTERNAL: 'TRUE',
        ...layout.projection,
        // The bucket is a Terraform reference; only the literal part needs `${` escaped.
        'storage.location.template': `s3://${props.bucketName}/${terraformLiteral(layout.templatePath)}`,
      },
      partitionKeys: [
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
        columns: AUDIT_COLUMNS.map(([name, comment]) => ({ name, type: 'string', comment })),
      },
    });

    for (const table of LINE_TABLES.filter((t) => props.logTypes?.includes(t.logType))) {
      const lines = logTableLayout(
        { layout: props.layout, prefix: props.keyPrefix, clusters: props.clusters },
        table.logType,
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
}

/**
 * The tables of the multi-line formats (athena-layout.ts ENTRY_TABLES, which says why): one row per
 * entry, read with the Hive JSON SerDe from the entries objects under `_entries/`, partitioned and
 * projected as the archive is.
 */
function addEntryTables(scope: Construct, database: GlueCatalogDatabase, props: ArchiveQueryProps): void {
  for (const table of ENTRY_TABLES.filter((t) => props.logTypes?.includes(t.logType))) {
    const layout = entriesTableLayout(
      { layout: props.layout, prefix: props.keyPrefix, clusters: props.clusters },
      table.logType,
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
