/**
 * The completeness use case: four index Queries (the cluster's files by hour on by-cluster-hour,
 * its listing gaps on by-cluster-hour `C#<cluster>#GAPS`, the RDS deletion events by hour on
 * `C#<cluster>#EVENTS`, heartbeats on by-state `INSTANCES`),
 * then, unless S3 is not to be asked, one paged ListObjectsV2 per instance-hour prefix holding
 * archived files (object-listing.ts), then the pure report.
 */

import { type FileRecord, fileKeyOf, type Where } from '../../ledger/records.js';
import type { LedgerStore } from '../../ledger/store.js';
import { HOUR_MS, hourStart } from '../../time.js';
import { OperationsError } from '../errors.js';
import { assertKnownNames } from '../known-names.js';
import { listObjectPrefixes, type ObjectStore } from './object-listing.js';
import { checkObjects, type ObjectListing, prefixesToList } from './object-presence.js';
import { buildCompletenessReport, type CompletenessReport } from './report.js';

export interface CompletenessDeps {
  ledger: LedgerStore;
  /**
   * Where the archive is: each archived file's object is confirmed there. Absent: S3 is not
   * asked (`--ledger-only`), and the report says so.
   */
  objects?: ObjectStore;
  now?: () => number;
}

export interface CompletenessOptions {
  /** The group: a DB cluster, or a standalone instance's id. Optional with `instance`: its group. */
  cluster?: string;
  instance?: string;
  /** Window [from, to), epoch ms. */
  from: number;
  to: number;
  /** Log type as the ledger records it (the file name's directory): `audit`. */
  logType: string;
  /** A source account's place (ARCHIVER_SOURCE_ACCOUNTS); default home. */
  where?: Where;
}

/** Longest window one report covers (a grid line per hour beyond this is not an overview). */
export const MAX_WINDOW_MS = 93 * 24 * HOUR_MS;

/**
 * Reads the ledger facts for the window and builds the report.
 * @throws UnknownNameError when the cluster or instance is one the ledger has never listed.
 */
export async function runCompleteness(
  deps: CompletenessDeps,
  options: CompletenessOptions,
): Promise<CompletenessReport> {
  const { from, to } = options;
  if (!(to > from)) throw new OperationsError('the window is empty: --to must be after --from');
  if (to - from > MAX_WINDOW_MS) throw new OperationsError('the window is longer than 93 days: split it');
  const lastHour = hourStart(to - 1);
  // Only the place's instances: another account may hold the same cluster and instance ids.
  const where = options.where ?? {};
  const instances = (await deps.ledger.instances()).filter(
    (meta) => meta.account === where.account && meta.region === where.region,
  );
  const filter = {
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
  };
  if (filter.cluster === undefined && filter.instance === undefined)
    throw new OperationsError('name a --cluster, or an --instance (its cluster, or itself when standalone)');
  assertKnownNames(filter, instances);
  // A standalone instance is its own group; a cluster member's group is its cluster.
  const cluster =
    options.cluster ?? instances.find((meta) => meta.instance === options.instance)?.cluster ?? '';
  const [read, gaps, deletions] = await Promise.all([
    deps.ledger.clusterFiles(cluster, options.logType, hourStart(from), lastHour, where),
    deps.ledger.clusterGaps(cluster, where),
    deps.ledger.clusterDeletionEvents(cluster, hourStart(from), lastHour, where),
  ]);
  const inScope = read.filter((file) => options.instance === undefined || file.instance === options.instance);
  let files: FileRecord[] = read;
  let objects: ObjectListing | undefined;
  if (deps.objects) {
    objects = await listObjectPrefixes(deps.objects, prefixesToList(inScope));
    files = await rereadChanged(deps.ledger, read, checkObjects(inScope, objects));
  }
  return buildCompletenessReport({
    cluster,
    logType: options.logType,
    from,
    to,
    now: (deps.now ?? Date.now)(),
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
    instances,
    files,
    gaps,
    deletions,
    ...(objects ? { objects } : {}),
  });
}

/**
 * A file archived again (a new generation, to the same key) between the ledger read and the
 * listing looks replaced. Each file with a problem is read once more: the fresh record is what the
 * report judges (the listing is newer than the first read, and the archiver writes the object
 * before its ledger record).
 */
async function rereadChanged(
  ledger: LedgerStore,
  files: FileRecord[],
  check: ReturnType<typeof checkObjects>,
): Promise<FileRecord[]> {
  if (check.mode !== 'listed' || check.problems.length === 0) return files;
  const suspect = new Set(check.problems.map((problem) => problem.s3Key));
  return await Promise.all(
    files.map(async (file) =>
      suspect.has(file.s3Key) ? ((await ledger.getFile(fileKeyOf(file))) ?? file) : file,
    ),
  );
}
