/**
 * The state machine (transitions.ts) evaluated in TypeScript, with DynamoDB's semantics: a
 * comparison with a missing attribute is false. The in-memory store applies transitions with it,
 * and the discovery planner asks it whether a write would be accepted (is the lease expired? is
 * this lost mark older than the listing?), so those rules have no second home. The contract test
 * (test/integration/ledger-contract.test.ts) holds it to what DynamoDB does.
 */

import { TransitionRefusedError } from './errors.js';
import { type FileKey, type FileRecord, stateIndex } from './records.js';
import {
  type ArgsOf,
  type Fragment,
  type From,
  TRANSITIONS,
  type TransitionName,
  targetState,
} from './transitions.js';

type Args = Record<string, unknown>;

/** Whether one condition fragment holds on a record. */
export function holds(record: FileRecord | undefined, fragment: Fragment, args: Args): boolean {
  const actual = record?.[fragment.attr];
  const expected = args[fragment.arg];
  if (actual === undefined || expected === undefined || typeof actual !== typeof expected) return false;
  if (fragment.op === '=') return actual === expected;
  return (actual as number | string) < (expected as number | string);
}

/** Whether a record is in one of the states a transition (or the retirement) leaves. */
export function leavesFrom(record: FileRecord | undefined, from: readonly From[], args: Args): boolean {
  if (!record) return false;
  return from.some((entry) =>
    typeof entry === 'string'
      ? record.state === entry
      : record.state === entry.state && holds(record, entry.when, args),
  );
}

/** Whether a record meets a condition: in one of the from-states (with its guard), every fragment holding. */
export function meets(
  record: FileRecord | undefined,
  condition: { readonly from: readonly From[]; readonly when: readonly Fragment[] },
  args: Args,
): boolean {
  return (
    leavesFrom(record, condition.from, args) &&
    condition.when.every((fragment) => holds(record, fragment, args))
  );
}

/** Whether the ledger would accept this transition on this record (absent: never). */
export function canApply<N extends TransitionName>(
  record: FileRecord | undefined,
  name: N,
  args: ArgsOf<N>,
): boolean {
  return meets(record, TRANSITIONS[name], args as unknown as Args);
}

/**
 * The record after a transition, exactly as DynamoDB would write it.
 * @throws TransitionRefusedError carrying the record when the transition does not apply
 */
export function applyTransition<N extends TransitionName>(
  record: FileRecord | undefined,
  name: N,
  args: ArgsOf<N>,
  file: FileKey = record as FileKey,
): FileRecord {
  if (!record || !canApply(record, name, args)) throw new TransitionRefusedError(name, record);
  const transition = TRANSITIONS[name];
  const values = args as unknown as Args;
  const next: Record<string, unknown> = { ...record };
  for (const [attr, value] of Object.entries(transition.set ?? {})) {
    if (value === undefined) continue;
    if ('arg' in value) {
      if (values[value.arg] === undefined) delete next[attr];
      else next[attr] = values[value.arg];
    } else if ('value' in value) next[attr] = value.value;
    else next[attr] = (next[attr] as number) + value.add;
  }
  for (const attr of transition.remove ?? []) delete next[attr];
  const to = targetState(name, args);
  if (to !== undefined) {
    next.state = to;
    next.stateSince = args.now;
    const index = stateIndex(to, args.now, file);
    if (index) Object.assign(next, index);
    else {
      delete next.gsi1pk;
      delete next.gsi1sk;
    }
  }
  next.updatedAt = args.now;
  return next as unknown as FileRecord;
}
