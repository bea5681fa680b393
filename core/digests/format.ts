/**
 * The hourly digest: what it holds, where it lives, and its exact bytes. Pure.
 *
 * One digest per hour of archiving, at `{keyPrefix}_digests/YYYY/MM/DD/HH.json` (UTC), listing
 * every object archived in that hour and linking to the previous hour's digest by the SHA-256 of
 * its exact bytes. An hour with nothing archived still gets a digest, with no objects: a missing
 * hour is then itself evidence. `_digests` cannot collide with archived keys: their first segment
 * is a DB identifier (a letter first) or `cluster=`, escaped by core/s3-keys.ts.
 *
 * The bytes are a function of the content alone (fixed field order, objects sorted, no write
 * time), so a digester that rewrites an hour after a crash writes the same bytes, and the chain's
 * hashes hold. Verification hashes the stored bytes as they are; it never re-serializes.
 */

import { createHash } from 'node:crypto';
import type { ArchiveEvent, DigestLink } from '../ledger/archive-events.js';
import type { KeyLayout } from '../s3-keys.js';
import { HOUR_MS, hourStart } from '../time.js';

export const DIGEST_FORMAT = 'rds-log-archiver/digest';
export const DIGEST_VERSION = 1;
/** The folder of the digests, under the archive's key prefix. */
export const DIGEST_FOLDER = '_digests/';

/** One archived object, as its hour's digest lists it. */
export interface DigestObject {
  key: string;
  /** Present where the bucket keeps versions: the exact version archived. */
  versionId?: string;
  etag: string;
  gzipBytes: number;
  sourceBytes: number;
  /** Hex SHA-256 of the source (gunzipped) bytes. */
  sourceSha256: string;
  /** ISO 8601 UTC. */
  archivedAt: string;
  group: string;
  /** Outside the home place only: the instance's account and region, both or neither. */
  account?: string;
  region?: string;
  instance: string;
  logType: string;
  /** The RDS log file name the object was downloaded from. */
  logFile: string;
  /**
   * For a content of a rotating log family (core/log-streams.ts), whose names move or come back:
   * the stream (its live name) and the content id the ledger knows it by, both or neither.
   */
  stream?: string;
  contentId?: string;
  generation: number;
}

/** A digest's content. */
export interface DigestBody {
  format: typeof DIGEST_FORMAT;
  version: typeof DIGEST_VERSION;
  bucket: string;
  keyPrefix: string;
  keyLayout: KeyLayout;
  /** Start of the hour (ISO 8601 UTC); the digest lists what was archived in [hour, hour + 1h). */
  hour: string;
  /** The previous hour's digest; null for the chain's first. */
  previous: DigestLink | null;
  objects: DigestObject[];
}

/** A digest as written: its key, content, exact bytes and their SHA-256. */
export interface BuiltDigest {
  key: string;
  body: DigestBody;
  bytes: Buffer;
  sha256: string;
}

/** Where the digest of the hour holding `hour` lives. */
export function digestKey(keyPrefix: string, hour: number): string {
  const iso = new Date(hourStart(hour)).toISOString();
  return `${keyPrefix}${DIGEST_FOLDER}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}.json`;
}

/** Hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function ordered(a: DigestObject, b: DigestObject): number {
  const by = <T extends string | number>(x: T, y: T) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    by(a.key, b.key) ||
    by(a.generation, b.generation) ||
    by(a.archivedAt, b.archivedAt) ||
    by(a.versionId ?? '', b.versionId ?? '') ||
    by(a.etag, b.etag)
  );
}

/** A digest entry from an archive event, its fields in the fixed order. */
export function digestObject(event: ArchiveEvent): DigestObject {
  return {
    key: event.key,
    ...(event.versionId !== undefined ? { versionId: event.versionId } : {}),
    etag: event.etag,
    gzipBytes: event.gzipBytes,
    sourceBytes: event.sourceBytes,
    sourceSha256: event.sourceSha256,
    archivedAt: new Date(event.archivedAt).toISOString(),
    group: event.group,
    ...(event.account !== undefined ? { account: event.account, region: event.region ?? '' } : {}),
    instance: event.instance,
    logType: event.logType,
    logFile: event.logFileName,
    ...(event.contentId !== undefined ? { stream: event.stream ?? '', contentId: event.contentId } : {}),
    generation: event.generation,
  };
}

export interface DigestInput {
  bucket: string;
  keyPrefix: string;
  keyLayout: KeyLayout;
  /** Any instant of the hour. */
  hour: number;
  previous: DigestLink | null;
  /** The hour's archive events, in any order. */
  events: readonly ArchiveEvent[];
}

/**
 * Builds an hour's digest: the same input gives the same bytes.
 * @throws RangeError when an event belongs to another hour (a bug upstream, never written)
 */
export function buildDigest(input: DigestInput): BuiltDigest {
  const hour = hourStart(input.hour);
  for (const event of input.events) {
    if (hourStart(event.archivedAt) !== hour) {
      throw new RangeError(`event ${event.sk} was archived outside ${new Date(hour).toISOString()}`);
    }
  }
  const body: DigestBody = {
    format: DIGEST_FORMAT,
    version: DIGEST_VERSION,
    bucket: input.bucket,
    keyPrefix: input.keyPrefix,
    keyLayout: input.keyLayout,
    hour: new Date(hour).toISOString(),
    previous: input.previous ? { key: input.previous.key, sha256: input.previous.sha256 } : null,
    objects: input.events.map(digestObject).sort(ordered),
  };
  const bytes = Buffer.from(`${JSON.stringify(body, null, 2)}\n`, 'utf8');
  return { key: digestKey(input.keyPrefix, hour), body, bytes, sha256: sha256Hex(bytes) };
}

/** A digest read back: its content, or why it cannot be one. */
export type ParsedDigest = { body: DigestBody } | { problem: string };

const HEX64 = /^[0-9a-f]{64}$/;

function objectProblem(value: unknown, index: number): string | undefined {
  const at = `objects[${index}]`;
  if (typeof value !== 'object' || value === null) return `${at} is not an object`;
  const o = value as Record<string, unknown>;
  for (const field of ['key', 'etag', 'archivedAt', 'group', 'instance', 'logType', 'logFile'] as const) {
    if (typeof o[field] !== 'string' || o[field] === '') return `${at}.${field} is not a non-empty string`;
  }
  for (const field of ['gzipBytes', 'sourceBytes', 'generation'] as const) {
    const n = o[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return `${at}.${field} is not a count`;
  }
  if (typeof o.sourceSha256 !== 'string' || !HEX64.test(o.sourceSha256))
    return `${at}.sourceSha256 is not a hex SHA-256`;
  if (o.versionId !== undefined && typeof o.versionId !== 'string') return `${at}.versionId is not a string`;
  if ((o.account === undefined) !== (o.region === undefined))
    return `${at} has one of account and region without the other`;
  for (const field of ['account', 'region'] as const) {
    if (o[field] !== undefined && (typeof o[field] !== 'string' || o[field] === ''))
      return `${at}.${field} is not a non-empty string`;
  }
  if ((o.stream === undefined) !== (o.contentId === undefined))
    return `${at} has one of stream and contentId without the other`;
  for (const field of ['stream', 'contentId'] as const) {
    if (o[field] !== undefined && (typeof o[field] !== 'string' || o[field] === ''))
      return `${at}.${field} is not a non-empty string`;
  }
  if (Number.isNaN(Date.parse(o.archivedAt as string))) return `${at}.archivedAt is not a time`;
  return undefined;
}

/**
 * Reads a digest's bytes and checks its shape: format, version, fields and their types. Whether
 * it is in its place and linked to the one before is the chain check's business (chain-check.ts).
 */
export function parseDigest(bytes: Buffer): ParsedDigest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'is not a JSON object' };
  const d = value as Record<string, unknown>;
  if (d.format !== DIGEST_FORMAT) return { problem: `format is not "${DIGEST_FORMAT}"` };
  if (d.version !== DIGEST_VERSION)
    return { problem: `version ${String(d.version)} is not ${DIGEST_VERSION}` };
  for (const field of ['bucket', 'keyPrefix', 'keyLayout', 'hour'] as const) {
    if (typeof d[field] !== 'string') return { problem: `${field} is not a string` };
  }
  const hour = Date.parse(d.hour as string);
  if (Number.isNaN(hour) || hour % HOUR_MS !== 0) return { problem: 'hour is not the start of an hour' };
  if (d.previous !== null) {
    const p = d.previous as Record<string, unknown> | undefined;
    if (
      typeof p !== 'object' ||
      typeof p.key !== 'string' ||
      typeof p.sha256 !== 'string' ||
      !HEX64.test(p.sha256)
    )
      return { problem: 'previous is neither null nor { key, sha256 }' };
  }
  if (!Array.isArray(d.objects)) return { problem: 'objects is not a list' };
  for (const [index, object] of d.objects.entries()) {
    const problem = objectProblem(object, index);
    if (problem) return { problem };
  }
  return { body: value as DigestBody };
}

/** The hour a digest covers (epoch ms), from its body. */
export function digestHour(body: DigestBody): number {
  return Date.parse(body.hour);
}

/**
 * What a digest's signature covers: its bucket and key (its place: an hour's digest cannot be
 * moved to another hour) and the SHA-256 of its exact bytes (its content, the previous link
 * included). Line-separated, like CloudTrail's data signing string.
 */
export function signingText(input: { bucket: string; key: string; sha256: string }): Buffer {
  return Buffer.from(
    `${DIGEST_FORMAT}/v${DIGEST_VERSION}\n${input.bucket}/${input.key}\n${input.sha256}\n`,
    'utf8',
  );
}
