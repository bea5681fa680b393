/**
 * The failures use case: the failed and lost partitions of the by-state index (sparse and small),
 * and its `INSTANCES` partition to check the names asked for.
 */

import type { LedgerStore } from '../../ledger/store.js';
import type { LogType } from '../../log-types.js';
import type { FileFilter } from '../filters.js';
import { knownInstances } from '../known-names.js';
import { type FailureRow, failureRows } from './report.js';

/**
 * Failed and lost files passing the filter, oldest first.
 * @throws UnknownNameError when the filter names a cluster or instance the ledger has never listed.
 */
export async function runFailures(
  deps: { ledger: LedgerStore },
  filter: FileFilter,
  /** Only files of this log type (every type when absent). */
  logType?: LogType,
): Promise<FailureRow[]> {
  const [, failed, lost] = await Promise.all([
    knownInstances(deps.ledger, filter),
    deps.ledger.filesInState('failed'),
    deps.ledger.filesInState('lost'),
  ]);
  const ofType = [...failed, ...lost].filter((file) => logType === undefined || file.logType === logType);
  return failureRows(ofType, filter);
}
