/**
 * The archive queue's message: one file generation to archive. It only names the work; everything
 * the archiver acts on (listed size, LastWritten, key, cluster) comes from the ledger, so a stale or
 * forged message cannot steer it. Validated strictly, because a malformed message must be parked in
 * the DLQ with its reason, not retried or silently dropped.
 *
 * Version 2 names a file by its name (a unique name: `F#<name>` in the ledger) and is written
 * exactly as before content items existed. Version 3 names a content item: the same fields plus
 * `stream` and `contentId` (`C#<stream>#<contentId>`); an archiver that predates it parks it as
 * an unsupported version instead of claiming a file by a name that is not its identity. Version 1
 * (which also carried `listedSize` and `lastWritten`) is still read, so messages in flight during
 * an upgrade are archived; its extra fields are checked and ignored.
 *
 * A file of another account or region than home carries `account` and `region` (both or neither)
 * in either version; a message without them is the home place's, as every message was before.
 */

import type { FileRecord } from './ledger/records.js';
import { CONTENT_ID } from './log-streams.js';
import { regionProblem } from './resource-names.js';
import { hasControlCharacters } from './text.js';

export interface ArchiveMessage {
  v: 2 | 3;
  /** Outside the home place only: the file's account and region. */
  account?: string;
  region?: string;
  cluster: string;
  instance: string;
  logFileName: string;
  /** Version 3 only: the content item (see core/log-streams.ts). */
  stream?: string;
  contentId?: string;
  generation: number;
}

export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

const MAX_NAME = 512;

/** Parses and validates a message body. @throws MalformedMessageError with the reason. */
export function parseArchiveMessage(body: string): ArchiveMessage {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new MalformedMessageError(`body is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MalformedMessageError('body is not a JSON object');
  }
  const m = data as Record<string, unknown>;
  if (m.v !== 1 && m.v !== 2 && m.v !== 3) {
    throw new MalformedMessageError(`unsupported message version ${JSON.stringify(m.v)}`);
  }
  const text = (field: string, pattern?: RegExp): string => {
    const value = m[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new MalformedMessageError(`${field} must be a non-empty string`);
    }
    if (value.length > MAX_NAME) {
      throw new MalformedMessageError(`${field} is ${value.length} characters long, more than ${MAX_NAME}`);
    }
    if (hasControlCharacters(value)) throw new MalformedMessageError(`${field} holds control characters`);
    if (pattern && !pattern.test(value))
      throw new MalformedMessageError(`${field} ${JSON.stringify(value)} is not valid`);
    return value;
  };
  const count = (field: string, min: number): number => {
    const value = m[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new MalformedMessageError(`${field} must be a whole number >= ${min}`);
    }
    return value;
  };
  const identifier = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;
  if ((m.account === undefined) !== (m.region === undefined))
    throw new MalformedMessageError('account and region come together: one is missing');
  const where =
    m.account === undefined ? {} : { account: text('account', /^\d{12}$/), region: text('region') };
  if (where.region !== undefined && regionProblem(where.region) !== undefined)
    throw new MalformedMessageError(`region ${JSON.stringify(where.region)} is not valid`);
  const message: ArchiveMessage = {
    v: m.v === 3 ? 3 : 2,
    ...where,
    cluster: text('cluster', identifier),
    instance: text('instance', identifier),
    logFileName: text('logFileName'),
    ...(m.v === 3 ? { stream: text('stream'), contentId: text('contentId', CONTENT_ID) } : {}),
    generation: count('generation', 1),
  };
  if (m.v === 1) {
    count('listedSize', 0);
    count('lastWritten', 0);
  }
  return message;
}

/** The message body for a message: version 2 for a file, 3 for a content item. */
export function formatArchiveMessage(message: Omit<ArchiveMessage, 'v'>): string {
  const { account, region, cluster, instance, logFileName, stream, contentId, generation } = message;
  const where = account === undefined ? {} : { account, region };
  if (contentId === undefined)
    return JSON.stringify({ v: 2, ...where, cluster, instance, logFileName, generation });
  return JSON.stringify({ v: 3, ...where, cluster, instance, logFileName, stream, contentId, generation });
}

/** The message for a ledger record's current generation: how the discoverer and redrive build it. */
export function archiveMessageFor(
  record: Pick<
    FileRecord,
    'account' | 'region' | 'cluster' | 'instance' | 'logFileName' | 'generation' | 'stream' | 'contentId'
  >,
): ArchiveMessage {
  const content =
    record.contentId === undefined ? {} : { stream: record.stream ?? '', contentId: record.contentId };
  return {
    v: record.contentId === undefined ? 2 : 3,
    ...(record.account === undefined ? {} : { account: record.account, region: record.region ?? '' }),
    cluster: record.cluster,
    instance: record.instance,
    logFileName: record.logFileName,
    ...content,
    generation: record.generation,
  };
}
