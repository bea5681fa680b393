/**
 * The ledger table's physical shape: one definition shared by the runtime code, the local stack
 * (which creates it in DynamoDB Local) and the infrastructure (which declares it in Terraform).
 *
 * Items (all in one table, told apart by their sort key):
 *
 * | item                 | pk                  | sk                          | gsi1 (by-state)                        | gsi2 (by-cluster-hour)                      |
 * |----------------------|---------------------|-----------------------------|----------------------------------------|---------------------------------------------|
 * | active log file      | `I#<instance>`      | `F#<logFileName>`           | `S#<state>` / `<since>#<inst>#<file>`   | `C#<group>#<logType>` / `<hour>#<inst>#<file>` |
 * | active content item  | `I#<instance>`      | `C#<stream>#<contentId>`    | `S#<state>` / `<since>#<inst>#<stream>#<contentId>` | `C#<group>#<logType>` / `<hour>#<inst>#<stream>#<contentId>` |
 * | retired file/content | `H#<instance>`      | same as active              | same as active (kept)                  | same as active (kept)                       |
 * | instance heartbeat   | `I#<instance>`      | `#META`                     | `INSTANCES` / `<group>#<instance>`     | -                                           |
 * | listing gap          | `I#<instance>`      | `GAP#<fromIso>`             | -                                      | `C#<group>#GAPS` / `<fromIso>#<inst>`       |
 * | archive event        | `E#<hourIso>`       | `<inst>#<file sk>#g<gen>#<atIso>` | -                              | -                                           |
 * | hour seal            | `E#<hourIso>`       | `#SEAL`                     | -                                      | -                                           |
 * | digest chain head    | `DIGEST#CHAIN`      | `#HEAD`                     | -                                      | -                                           |
 * | RDS deletion event   | `E#<instance>`      | `<dateIso>#<msgDigest>`     | -                                      | `C#<group>#EVENTS` / `<hour>#<inst>#<date>#<digest>` |
 * | place discovery      | `PLACES`            | `home` / `<account>/<region>` | -                                    | -                                           |
 * | RDS API budget bucket | `RDSBUDGET#<account>#<region>` | `#BUCKET`          | -                                      | -                                           |
 *
 * A unique name (Aurora MySQL audit, dated files: core/log-streams.ts) is its own identity: `F#`
 * items, exactly as before content items existed. A content of a rotating family (RDS MySQL and
 * MariaDB audit `server_audit.log` and its rotated names), or a later content of a unique name
 * whose content changed, is a content item: `<stream>` is the family's live name (or that unique
 * name) and `<contentId>` is fixed at first sight; the name it has now is not stored (a rename
 * costs no write). `<group>` is the DB cluster, or the instance itself when it is standalone. The
 * heartbeat also carries the discovery lease (`leaseOwner`, `leaseUntil`) while a discoverer
 * decides an instance's content identities; writing the heartbeat releases it. An archive event's
 * `<file sk>` is the archived record's sort key, `F#<name>` or `C#<stream>#<contentId>`
 * (archive-events.ts).
 *
 * Outside the home place (ARCHIVER_SOURCE_ACCOUNTS) every `<instance>` and `<group>` above is
 * qualified by its account and region, `<account>/<region>/<id>` (records.ts `scopedId`), and the
 * items carry `account` and `region`; the home place's keys are those of a one-account ledger.
 *
 * Reads and what serves them:
 * - all active files + heartbeat of one instance: one Query on the table, pk = `I#<instance>` (the
 *   discoverer, and the archiver before it downloads a content of a rotating family);
 * - one file: GetItem (pk, sk);
 * - work by state (sweeps, failure lists): Query gsi1 on `S#<state>`, sorted by when it entered
 *   that state. gsi1 is sparse: archived files drop out of it, so it stays small;
 * - every instance (status): Query gsi1 on `INSTANCES`; every place's last discovery: Query on `PLACES`;
 * - archive events of one hour (the digester, archive-events.ts): one Query on `E#<hourIso>`;
 * - files of a cluster by hour (completeness): Query gsi2 on `C#<cluster>#<logType>` with
 *   `BETWEEN` on the hour prefix; listing gaps of a cluster: Query gsi2 on `C#<cluster>#GAPS`;
 *   RDS deletion events of a cluster by hour: Query gsi2 on `C#<cluster>#EVENTS` with `BETWEEN`.
 *   Events live in their own partition (`E#<instance>`) so the discoverer's Query of an instance
 *   does not grow with them.
 *
 * The RDS API budget's buckets (core/rds-budget/store.ts) are not ledger records: one item per
 * account-Region (tokens, time, version), written by every discoverer and archiver with a
 * compare-and-swap, in a partition of its own and without index attributes, so no read above
 * meets them.
 *
 * Files move from the active to the retired partition once archived (or lost) and gone from RDS,
 * so the discoverer's one Query per instance stays the size of what RDS still holds.
 */

export const LEDGER_KEY = { partition: 'pk', sort: 'sk' } as const;

export const LEDGER_INDEXES = {
  byState: { name: 'by-state', partition: 'gsi1pk', sort: 'gsi1sk' },
  byClusterHour: { name: 'by-cluster-hour', partition: 'gsi2pk', sort: 'gsi2sk' },
} as const;

/** Attribute definitions for CreateTable / Terraform (every key attribute is a string). */
export const LEDGER_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'] as const;

/** A CreateTable input (without the table name) usable by the SDK and mirrored by infra. */
export function ledgerTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: [
      { AttributeName: LEDGER_KEY.partition, KeyType: 'HASH' as const },
      { AttributeName: LEDGER_KEY.sort, KeyType: 'RANGE' as const },
    ],
    AttributeDefinitions: LEDGER_ATTRIBUTES.map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    GlobalSecondaryIndexes: Object.values(LEDGER_INDEXES).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partition, KeyType: 'HASH' as const },
        { AttributeName: index.sort, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
