/**
 * The chain check of `verify --digests`, without I/O: given the digests read for consecutive
 * hours, is each one there, readable, in its place, linked to the one before by key and exact
 * SHA-256, and signed (when a public key is given)? Which hours are simply not digested yet, and
 * where does the chain start?
 */

import type { DigestLink } from '../ledger/archive-events.js';
import { formatInstant, HOUR_MS } from '../time.js';
import { type DigestBody, digestHour, digestKey, parseDigest, sha256Hex, signingText } from './format.js';
import type { DigestProblem, DigestProblemKind } from './problems.js';
import type { DigestReading } from './s3-reads.js';
import { type DigestVerifier, SIGNATURE_METADATA } from './signing.js';

/**
 * How long after an hour ends its digest may still be missing without that being a problem: the
 * digester's delay (ARCHIVER_DIGEST_DELAY_SECONDS, at most an hour) plus its schedule (15 minutes
 * by default), with room to spare.
 */
export const DIGEST_GRACE_MS = 2 * HOUR_MS;

export interface HourReading {
  hour: number;
  reading: DigestReading;
}

export type SignatureState = 'valid' | 'invalid' | 'missing' | 'unsigned' | 'not-checked';

/** One hour of the chain, checked. */
export interface CheckedHour {
  hour: number;
  key: string;
  /** A digest object exists at the key. */
  found: boolean;
  /** Missing, but recent enough that the digester has not written it yet. */
  pending: boolean;
  /** Found, valid, in its place, linked (or the chain's start) and, when checked, signed. */
  intact: boolean;
  /** Its digest has `previous: null` and no digest before it was read. */
  startsChain: boolean;
  sha256?: string;
  body?: DigestBody;
  signature: SignatureState;
  problems: DigestProblem[];
}

export interface ChainInput {
  bucket: string;
  keyPrefix: string;
  /** Consecutive hours, oldest first. */
  readings: readonly HourReading[];
  now: number;
  verifier?: DigestVerifier | undefined;
}

const short = (sha: string) => sha.slice(0, 12);

function signatureOf(
  input: ChainInput,
  key: string,
  sha256: string,
  metadata: Record<string, string>,
): { state: SignatureState; problem?: [DigestProblemKind, string] } {
  const signature = metadata[SIGNATURE_METADATA.signature];
  if (!input.verifier) return { state: signature ? 'not-checked' : 'unsigned' };
  if (!signature)
    return { state: 'missing', problem: ['signature-missing', 'has no signature (x-amz-meta-signature)'] };
  const valid =
    /^[0-9a-f]+$/i.test(signature) &&
    input.verifier.verify(signingText({ bucket: input.bucket, key, sha256 }), Buffer.from(signature, 'hex'));
  if (valid) return { state: 'valid' };
  const claimed = metadata[SIGNATURE_METADATA.key];
  return {
    state: 'invalid',
    problem: [
      'signature-invalid',
      `its signature does not verify with the public key ${input.verifier.fingerprint}${claimed ? ` (it names signing key ${claimed})` : ''}: the digest or its signature was changed, or it was signed with another key`,
    ],
  };
}

function linkProblem(
  hour: number,
  previous: DigestLink,
  expectedKey: string,
  before: CheckedHour | undefined,
): [DigestProblemKind, string] | undefined {
  if (previous.key !== expectedKey) {
    return [
      'chain-broken',
      `links to ${previous.key}, not to the previous hour's digest ${expectedKey}: digests were reordered or replaced`,
    ];
  }
  // The previous hour was not read, or is missing (reported there, once): nothing to compare.
  if (before === undefined || !before.found || before.sha256 === undefined) return undefined;
  if (before.sha256 !== previous.sha256) {
    return [
      'chain-broken',
      `records SHA-256 ${short(previous.sha256)} for ${expectedKey} (${formatInstant(hour - HOUR_MS)}), whose bytes hash to ${short(before.sha256)}: that digest was changed after this one was written`,
    ];
  }
  return undefined;
}

/** Checks each hour's digest and its link to the hour before. */
export function checkChain(input: ChainInput): CheckedHour[] {
  const checked: CheckedHour[] = [];
  for (const { hour, reading } of input.readings) {
    const key = digestKey(input.keyPrefix, hour);
    const before = checked.at(-1)?.hour === hour - HOUR_MS ? checked.at(-1) : undefined;
    const problems: DigestProblem[] = [];
    const add = (kind: DigestProblemKind, detail: string) =>
      problems.push({ kind, hour, digest: key, detail });
    const base = { hour, key, pending: false, startsChain: false };
    if (reading.kind === 'missing') {
      checked.push({ ...base, found: false, intact: false, signature: 'unsigned', problems });
      continue;
    }
    if (reading.kind === 'unreadable') {
      add('digest-unreadable', `could not be read: ${reading.error}`);
      checked.push({ ...base, found: true, intact: false, signature: 'unsigned', problems });
      continue;
    }
    const sha256 = sha256Hex(reading.bytes);
    const signature = signatureOf(input, key, sha256, reading.metadata);
    if (signature.problem) add(...signature.problem);
    const parsed = parseDigest(reading.bytes);
    if ('problem' in parsed) {
      add('digest-invalid', `is not a digest: ${parsed.problem}`);
      checked.push({ ...base, found: true, intact: false, sha256, signature: signature.state, problems });
      continue;
    }
    const body = parsed.body;
    if (digestHour(body) !== hour) {
      add(
        'digest-misplaced',
        `holds the digest of ${formatInstant(digestHour(body))}, not of ${formatInstant(hour)}: digests were moved or reordered`,
      );
    }
    if (body.bucket !== input.bucket)
      add('digest-misplaced', `names bucket ${body.bucket}, not ${input.bucket}`);
    if (body.keyPrefix !== input.keyPrefix)
      add('digest-misplaced', `names key prefix "${body.keyPrefix}", not "${input.keyPrefix}"`);
    let startsChain = false;
    if (body.previous === null) {
      const earlier = checked.find((c) => c.found);
      if (earlier) {
        add(
          'chain-restarted',
          `says the chain starts here (previous: null), but the digest of ${formatInstant(earlier.hour)} exists: the chain was restarted or this digest replaced`,
        );
      } else startsChain = true;
    } else {
      const problem = linkProblem(hour, body.previous, digestKey(input.keyPrefix, hour - HOUR_MS), before);
      if (problem) add(...problem);
    }
    checked.push({
      ...base,
      found: true,
      intact: problems.length === 0,
      startsChain,
      sha256,
      body,
      signature: signature.state,
      problems,
    });
  }
  classifyMissing(checked, input);
  return checked;
}

/**
 * A missing digest is pending (the newest hours, recently ended), before the chain's start (no
 * digest before it, and the next digest found starts the chain), or missing.
 */
function classifyMissing(checked: CheckedHour[], input: ChainInput): void {
  const lastFound = checked.findLastIndex((c) => c.found);
  for (const [index, hour] of checked.entries()) {
    if (hour.found) continue;
    if (index > lastFound && hour.hour + HOUR_MS + DIGEST_GRACE_MS > input.now) {
      hour.pending = true;
      continue;
    }
    const anyBefore = checked.slice(0, index).some((c) => c.found);
    const nextFound = checked.slice(index + 1).find((c) => c.found);
    if (!anyBefore && nextFound?.startsChain) {
      hour.problems.push({
        kind: 'before-chain-start',
        hour: hour.hour,
        digest: hour.key,
        detail: beforeStart(hour.hour, hour.hour, nextFound.hour),
      });
      continue;
    }
    hour.problems.push({
      kind: 'digest-missing',
      hour: hour.hour,
      digest: hour.key,
      detail:
        index > lastFound
          ? `no digest at ${hour.key}: the chain stops at ${lastFound >= 0 ? formatInstant(checked[lastFound]!.hour) : 'no digest'} (the digester stopped, or later digests were deleted)`
          : `no digest at ${hour.key}: it was deleted, or the digester skipped the hour`,
    });
  }
}

/**
 * Consecutive before-chain-start problems as one (a window that starts days before the chain
 * starts at `start`).
 */
export function collapseBeforeStart(
  problems: readonly DigestProblem[],
  start: number | undefined,
): DigestProblem[] {
  const out: DigestProblem[] = [];
  for (const problem of problems) {
    const last = out.at(-1);
    if (
      start !== undefined &&
      problem.kind === 'before-chain-start' &&
      last?.kind === 'before-chain-start' &&
      last.hour < problem.hour
    ) {
      last.detail = beforeStart(last.hour, problem.hour, start);
      continue;
    }
    out.push({ ...problem });
  }
  return out;
}

function beforeStart(from: number, to: number, start: number): string {
  const span = from === to ? formatInstant(from) : `${formatInstant(from)} to ${formatInstant(to)}`;
  return `no digest for ${span}: the chain starts at ${formatInstant(start)} (its first digest has previous: null); nothing before it can be verified`;
}
