/**
 * What `start` archived, split by engine and log type, from the ledger's records (retired ones
 * included): contents archived, their bytes before and after gzip, and contents lost. Pure.
 */

import type { FileRecord } from '../core/ledger/records.js';

/** One engine and log type's figures. */
export interface EngineTypeFigures {
  engine: string;
  logType: string;
  /** Contents (files, or contents of a rotating family) with an archived generation. */
  archived: number;
  bytesIn: number;
  bytesOut: number;
  lost: number;
}

/**
 * Sums records by the engine of their instance and their log type, in engine then type order.
 * @param engineOf the engine of an instance (`unknown` when it is not known)
 */
export function summarizeByEngineAndType(
  records: readonly Pick<
    FileRecord,
    'instance' | 'logType' | 'state' | 'archivedBytes' | 'archivedGzipBytes'
  >[],
  engineOf: (instance: string) => string | undefined,
): EngineTypeFigures[] {
  const rows = new Map<string, EngineTypeFigures>();
  for (const record of records) {
    const engine = engineOf(record.instance) ?? 'unknown';
    const key = `${engine}\u0000${record.logType}`;
    let row = rows.get(key);
    if (!row) {
      row = { engine, logType: record.logType, archived: 0, bytesIn: 0, bytesOut: 0, lost: 0 };
      rows.set(key, row);
    }
    if (record.archivedBytes !== undefined) {
      row.archived += 1;
      row.bytesIn += record.archivedBytes;
      row.bytesOut += record.archivedGzipBytes ?? 0;
    }
    if (record.state === 'lost') row.lost += 1;
  }
  return [...rows.values()].sort(
    (a, b) => a.engine.localeCompare(b.engine) || a.logType.localeCompare(b.logType),
  );
}
