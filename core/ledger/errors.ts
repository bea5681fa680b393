import type { FileRecord } from './records.js';

/** Base of every ledger error. */
export class LedgerError extends Error {
  override name = 'LedgerError';
}

/**
 * A conditional write lost: the item was not in the expected state. Carries the item as it is now
 * (DynamoDB's `ReturnValuesOnConditionCheckFailure: ALL_OLD`), undefined when there is none.
 */
export class TransitionRefusedError extends LedgerError {
  override name = 'TransitionRefusedError';
  constructor(
    readonly transition: string,
    readonly current: FileRecord | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `Ledger refused ${transition}: item is ${current ? `${current.state} at generation ${current.generation}` : 'absent'}`,
      options,
    );
  }
}

/** Another discoverer holds the instance's discovery lease: this pass leaves the instance to it. */
export class InstanceBusyError extends LedgerError {
  override name = 'InstanceBusyError';
  constructor(
    readonly instance: string,
    readonly holder: string | undefined,
    readonly until: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `Instance ${instance} is being discovered by ${holder ?? 'another discoverer'}` +
        (until === undefined ? '' : ` (lease until ${new Date(until).toISOString()})`),
      options,
    );
  }
}
