/**
 * Whether the `--cluster` / `--instance` an operator typed names something the ledger knows. The
 * ledger's heartbeats (by-state index, `INSTANCES` partition) list every cluster/instance pair the
 * discoverer has listed; a name outside them can only match nothing, and an empty answer about
 * nothing must not read as "all is well".
 */

import type { InstanceMeta } from '../ledger/records.js';
import type { LedgerStore } from '../ledger/store.js';
import { OperationsError } from './errors.js';
import type { FileFilter } from './filters.js';

/** Names shown before "and N more": enough to spot a typo, short enough for one line. */
const NAMES_SHOWN = 12;

/** A `--cluster` or `--instance` the ledger has never listed. */
export class UnknownNameError extends OperationsError {
  override name = 'UnknownNameError';
}

/** A cluster/instance pair, as the ledger's heartbeats record it. */
export type KnownInstance = Pick<InstanceMeta, 'cluster' | 'instance'>;

function nameList(names: readonly string[]): string {
  const sorted = [...new Set(names)].sort();
  const shown = sorted.slice(0, NAMES_SHOWN).join(', ');
  return sorted.length > NAMES_SHOWN ? `${shown} and ${sorted.length - NAMES_SHOWN} more` : shown;
}

/**
 * What is wrong with the filter's names, in one line, or undefined when the ledger knows them.
 * Pure: `known` is the ledger's `INSTANCES` partition.
 */
export function unknownNameProblem(filter: FileFilter, known: readonly KnownInstance[]): string | undefined {
  if (filter.cluster === undefined && filter.instance === undefined) return undefined;
  const asked = [
    ...(filter.cluster !== undefined ? [`cluster '${filter.cluster}'`] : []),
    ...(filter.instance !== undefined ? [`instance '${filter.instance}'`] : []),
  ].join(', ');
  if (known.length === 0) {
    return `${asked}: the ledger knows no instance yet (has the discoverer run against this ARCHIVER_TABLE?)`;
  }
  const clusters = known.map((k) => k.cluster);
  if (filter.cluster !== undefined && !clusters.includes(filter.cluster)) {
    return `cluster '${filter.cluster}' is unknown to the ledger; it knows: ${nameList(clusters)}`;
  }
  if (filter.instance === undefined) return undefined;
  const owner = known.find((k) => k.instance === filter.instance);
  if (owner === undefined) {
    const candidates = known.filter((k) => filter.cluster === undefined || k.cluster === filter.cluster);
    const where = filter.cluster !== undefined ? ` in cluster '${filter.cluster}'` : '';
    return `instance '${filter.instance}' is unknown to the ledger${where}; it knows: ${nameList(candidates.map((k) => k.instance))}`;
  }
  if (filter.cluster !== undefined && owner.cluster !== filter.cluster) {
    return `instance '${filter.instance}' belongs to cluster '${owner.cluster}', not '${filter.cluster}'`;
  }
  return undefined;
}

/** Throws {@link UnknownNameError} when the filter names something `known` does not hold. */
export function assertKnownNames(filter: FileFilter, known: readonly KnownInstance[]): void {
  const problem = unknownNameProblem(filter, known);
  if (problem !== undefined) throw new UnknownNameError(problem);
}

/**
 * Reads the ledger's instances once (one Query on the by-state index) and checks the filter
 * against them. @returns the instances read, for the caller to reuse.
 */
export async function knownInstances(ledger: LedgerStore, filter: FileFilter): Promise<InstanceMeta[]> {
  const instances = await ledger.instances();
  assertKnownNames(filter, instances);
  return instances;
}
