/**
 * The ledger's state machine, declared once, as data. Each transition says which states it leaves
 * (some only under a guard, such as an archiving file whose lease expired), which named conditions
 * must hold, which state it enters, and what it sets and removes. Nothing else in the code knows
 * these rules; they are read by:
 * - dynamodb-update.ts: one conditional UpdateItem per transition (the DynamoDB store);
 * - evaluate.ts: the same rules in TypeScript (the in-memory store, the discovery planner's checks);
 * - transition-table.ts: the table in the README.
 *
 * Every transition also keeps the bookkeeping the interpreters add by themselves: entering a state
 * sets `stateSince` and the by-state index attributes (archived leaves the index), and every
 * transition sets `updatedAt`. A new transition is one more entry here, with its arguments in
 * `TransitionArgs`. A file renamed on the instance needs none: content items (core/log-streams.ts)
 * do not record the name they have now, so a rename costs no write.
 */

import type { FileRecord, FileState } from './records.js';

/** Arguments of every transition: the generation the caller read, and the caller's clock. */
export interface CommonArgs {
  generation: number;
  now: number;
}

type NoArgs = Record<never, never>;

/** A listing's figures for a file, as the discoverer records them with a new state. */
interface Listed {
  listedSize: number;
  lastWritten: number;
}

/** The arguments each transition takes besides {@link CommonArgs}. */
export interface TransitionArgs {
  settle: Listed;
  grow: Listed & { to: 'seen' | 'queued' };
  /** `listedAt`: when the listing that saw the file again was taken (before the ledger was read). */
  revive: Listed & { to: 'seen' | 'queued'; listedAt: number };
  /** `since`: the `stateSince` the caller read; a second discoverer's rearm is then refused. */
  rearm: { since: number };
  markPresent: NoArgs;
  /** `missingListings`: the count the caller read. */
  markMissing: { missingListings: number };
  markGone: { missingListings: number; reason: string };
  claim: { owner: string; leaseUntil: number };
  complete: {
    owner: string;
    archivedBytes: number;
    archivedGzipBytes: number;
    archivedSha256: string;
    archivedEtag: string;
    /** Absent where the bucket keeps no versions: the attribute is then removed. */
    archivedVersionId?: string | undefined;
    /** The name downloaded, and the (Size, LastWritten) the bytes were checked against. */
    archivedName: string;
    archivedListedSize: number;
    archivedLastWritten: number;
  };
  release: { owner: string; error: string };
  fail: { owner: string; error: string };
  markLost: { owner: string; reason: string };
  markDiverged: { owner: string; reason: string };
  reset: NoArgs;
}

export type TransitionName = keyof TransitionArgs;
export type ArgsOf<N extends TransitionName> = CommonArgs & TransitionArgs[N];
type ArgName<A> = Extract<keyof A, string>;

/** One comparison of a record attribute with an argument. A missing attribute never compares true. */
export interface Fragment<K extends string = string> {
  /** How the README names it. */
  readonly label: string;
  readonly attr: keyof FileRecord;
  readonly op: '=' | '<';
  readonly arg: K;
}

/** The named condition fragments: each rule written once, used by every transition that needs it. */
export const when = {
  generationMatches: { label: 'generation matches', attr: 'generation', op: '=', arg: 'generation' },
  heldBy: { label: 'lease held by the caller', attr: 'leaseOwner', op: '=', arg: 'owner' },
  leaseExpired: { label: 'lease expired', attr: 'leaseUntil', op: '<', arg: 'now' },
  stateSinceUnchanged: { label: 'not moved since read', attr: 'stateSince', op: '=', arg: 'since' },
  missingCountUnchanged: {
    label: 'missing count unchanged',
    attr: 'missingListings',
    op: '=',
    arg: 'missingListings',
  },
  // A file marked lost after the listing that saw it was taken must stay lost: the listing is
  // older news than the archiver's "not found" (the fault-and-kill campaign caught this revival).
  markedBeforeListing: { label: 'marked before the listing', attr: 'stateSince', op: '<', arg: 'listedAt' },
} as const satisfies Record<string, Fragment>;

/** A state a transition leaves: always, or only while a condition holds in it. */
export type From<K extends string = string> =
  | FileState
  | { readonly state: FileState; readonly when: Fragment<K> };

/** What a transition writes into one attribute. */
export type Value<K extends string = string> =
  /** The argument's value; an optional argument left undefined removes the attribute. */
  | { readonly arg: K }
  | { readonly value: number }
  /** The attribute's current value plus this (the attribute always exists). */
  | { readonly add: number };

export interface Transition<K extends string = string> {
  readonly by: 'discoverer' | 'archiver' | 'operator';
  /** What it means, for people. */
  readonly summary: string;
  readonly from: readonly From<K>[];
  /** All must hold, besides the from-state. */
  readonly when: readonly Fragment<K>[];
  /** The state it enters; several = the caller picks with `args.to`; none = the state stays. */
  readonly to?: FileState | readonly FileState[];
  readonly set?: { readonly [attr in keyof FileRecord]?: Value<K> };
  readonly remove?: readonly (keyof FileRecord)[];
}

const arg = <K extends string>(name: K) => ({ arg: name }) as const;
const constant = (value: number) => ({ value }) as const;
const plus = (add: number) => ({ add }) as const;

/** A working state an archiver left behind: its lease ran out, so anyone may take the file over. */
const abandoned = { state: 'archiving', when: when.leaseExpired } as const;

const listed = {
  listedSize: arg('listedSize'),
  lastWritten: arg('lastWritten'),
  missingListings: constant(0),
};
/** A new generation starts afresh: no attempts, no error, no lease. */
const nextGeneration = { generation: plus(1), attempts: constant(0) } as const;

export const TRANSITIONS: { readonly [N in TransitionName]: Transition<ArgName<ArgsOf<N>>> } = {
  settle: {
    by: 'discoverer',
    summary: 'a waiting file is ready: rotated, or quiet for the settle period',
    from: ['seen'],
    when: [when.generationMatches],
    to: 'queued',
    set: listed,
  },
  grow: {
    by: 'discoverer',
    summary: 'an archived file grew: its next generation waits or is queued',
    from: ['archived'],
    when: [when.generationMatches],
    to: ['seen', 'queued'],
    set: { ...listed, ...nextGeneration },
    remove: ['lastError', 'leaseOwner', 'leaseUntil'],
  },
  revive: {
    by: 'discoverer',
    summary: 'a lost file is listed again: its next generation waits or is queued',
    from: ['lost'],
    when: [when.generationMatches, when.markedBeforeListing],
    to: ['seen', 'queued'],
    set: { ...listed, ...nextGeneration },
    remove: ['lastError', 'lostReason', 'leaseOwner', 'leaseUntil'],
  },
  rearm: {
    by: 'discoverer',
    summary: 'stranded work (queued too long, or a dead archiver) is sent again',
    from: ['queued', abandoned],
    when: [when.generationMatches, when.stateSinceUnchanged],
    to: 'queued',
    remove: ['leaseOwner', 'leaseUntil'],
  },
  markPresent: {
    by: 'discoverer',
    summary: 'a file missing from a listing is listed again',
    from: ['seen', 'queued', 'archiving', 'archived', 'failed', 'lost'],
    when: [when.generationMatches],
    set: { missingListings: constant(0) },
  },
  markMissing: {
    by: 'discoverer',
    summary: 'a file not archived yet is absent from one listing',
    from: ['seen', 'queued', 'failed', abandoned],
    when: [when.generationMatches, when.missingCountUnchanged],
    set: { missingListings: plus(1) },
  },
  markGone: {
    by: 'discoverer',
    summary: 'a file not archived yet is absent from 2 listings: an audit gap',
    from: ['seen', 'queued', 'failed', abandoned],
    when: [when.generationMatches, when.missingCountUnchanged],
    to: 'lost',
    set: { lostReason: arg('reason'), lastError: arg('reason') },
    remove: ['leaseOwner', 'leaseUntil'],
  },
  claim: {
    by: 'archiver',
    summary: 'an archiver takes the file with a lease (a redriven failed file too)',
    from: ['queued', 'failed', abandoned],
    when: [when.generationMatches],
    to: 'archiving',
    set: { leaseOwner: arg('owner'), leaseUntil: arg('leaseUntil'), attempts: plus(1) },
  },
  complete: {
    by: 'archiver',
    summary: 'the object is in S3 with every byte listed',
    from: ['archiving'],
    when: [when.generationMatches, when.heldBy],
    to: 'archived',
    set: {
      archivedGeneration: arg('generation'),
      archivedBytes: arg('archivedBytes'),
      archivedGzipBytes: arg('archivedGzipBytes'),
      archivedSha256: arg('archivedSha256'),
      archivedEtag: arg('archivedEtag'),
      archivedVersionId: arg('archivedVersionId'),
      archivedName: arg('archivedName'),
      archivedListedSize: arg('archivedListedSize'),
      archivedLastWritten: arg('archivedLastWritten'),
      archivedAt: arg('now'),
    },
    remove: ['leaseOwner', 'leaseUntil', 'lastError'],
  },
  release: {
    by: 'archiver',
    summary: 'a retryable failure: the claim is given back for the next delivery',
    from: ['archiving'],
    when: [when.generationMatches, when.heldBy],
    to: 'queued',
    set: { lastError: arg('error') },
    remove: ['leaseOwner', 'leaseUntil'],
  },
  fail: {
    by: 'archiver',
    summary: 'the last attempt failed, or a failure no retry can fix: the message goes to the DLQ',
    from: ['archiving'],
    when: [when.generationMatches, when.heldBy],
    to: 'failed',
    set: { lastError: arg('error') },
    remove: ['leaseOwner', 'leaseUntil'],
  },
  markLost: {
    by: 'archiver',
    summary: 'RDS answered not found on download: an audit gap',
    from: ['archiving'],
    when: [when.generationMatches, when.heldBy],
    to: 'lost',
    set: { lostReason: arg('reason'), lastError: arg('reason') },
    remove: ['leaseOwner', 'leaseUntil'],
  },
  markDiverged: {
    by: 'archiver',
    summary: 'its name held other content (first archived bytes differ): lost; its object stays as it was',
    from: ['archiving'],
    when: [when.generationMatches, when.heldBy],
    to: 'lost',
    set: { lostReason: arg('reason'), lastError: arg('reason'), divergedAt: arg('now') },
    remove: ['leaseOwner', 'leaseUntil'],
  },
  reset: {
    by: 'operator',
    summary: '`redrive` once the cause is fixed (after its message is on the queue)',
    from: ['failed'],
    when: [when.generationMatches],
    to: 'queued',
    set: { attempts: constant(0) },
  },
};

/** A file's first record, written only when none exists (a PutItem, not an update). */
export const CREATION = {
  by: 'discoverer',
  summary: 'first listed: waits while live and not quiet, else queued',
  to: ['seen', 'queued'],
} as const satisfies Pick<Transition, 'by' | 'summary' | 'to'>;

/**
 * Moving a file RDS no longer lists to the history partition (a delete and a put in one
 * transaction), so the discoverer's per-instance Query stays the size of what RDS holds.
 */
export const RETIREMENT = {
  by: 'discoverer',
  summary: 'gone from RDS: moved to the history partition',
  from: ['archived', 'lost'],
  when: [when.generationMatches],
} as const satisfies Pick<Transition<ArgName<CommonArgs>>, 'by' | 'summary' | 'from' | 'when'>;

/** The state a transition enters with these arguments (undefined: the state stays). */
export function targetState<N extends TransitionName>(name: N, args: ArgsOf<N>): FileState | undefined {
  const to = TRANSITIONS[name].to;
  if (to === undefined || typeof to === 'string') return to;
  const chosen = (args as { to?: FileState }).to;
  if (chosen === undefined || !to.includes(chosen)) {
    throw new RangeError(`transition ${name} enters one of ${to.join(', ')}, got ${String(chosen)}`);
  }
  return chosen;
}
