import type { DigestHead } from './archive-events.js';
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

/**
 * A transition's archive event would go into an hour whose digest is being or has been built (the
 * hour is sealed): nothing was written. The archiver's clock is behind the digester's by more than
 * its delay; the work is retried, and then lands in an hour that is still open.
 */
export class HourSealedError extends LedgerError {
  override name = 'HourSealedError';
  constructor(
    readonly transition: string,
    readonly partition: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Ledger refused ${transition}: the hour ${partition} is sealed (its digest is being built)`,
      options,
    );
  }
}

/** An immutable item a transition writes already exists: nothing was written. */
export class ItemExistsError extends LedgerError {
  override name = 'ItemExistsError';
}

/** The digest chain's head is not where the caller read it: another digester moved it. */
export class DigestHeadMovedError extends LedgerError {
  override name = 'DigestHeadMovedError';
  constructor(
    readonly current: DigestHead | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `Digest chain head moved: it is ${current ? `at ${new Date(current.nextHour).toISOString()}` : 'absent'}`,
      options,
    );
  }
}
