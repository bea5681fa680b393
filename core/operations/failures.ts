/** The failures use case: the failed and lost partitions of the by-state index (sparse and small). */

import type { LedgerStore } from '../ledger/store.js';
import { type FailureRow, failureRows } from './failure-report.js';
import type { FileFilter } from './filters.js';

/** Failed and lost files passing the filter, oldest first. */
export async function runFailures(deps: { ledger: LedgerStore }, filter: FileFilter): Promise<FailureRow[]> {
  const [failed, lost] = await Promise.all([
    deps.ledger.filesInState('failed'),
    deps.ledger.filesInState('lost'),
  ]);
  return failureRows([...failed, ...lost], filter);
}
