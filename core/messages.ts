/**
 * The archive queue's message: one file generation to archive. Validated strictly, because a
 * malformed message must be parked in the DLQ with its reason, not retried or silently dropped.
 */

import { hasControlCharacters } from './text.js';

export interface ArchiveMessage {
  v: 1;
  cluster: string;
  instance: string;
  logFileName: string;
  generation: number;
  /** Size listed by RDS when this generation was recorded: fewer downloaded bytes = truncation. */
  listedSize: number;
  lastWritten: number;
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
  if (m.v !== 1) throw new MalformedMessageError(`unsupported message version ${JSON.stringify(m.v)}`);
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
  return {
    v: 1,
    cluster: text('cluster', identifier),
    instance: text('instance', identifier),
    logFileName: text('logFileName'),
    generation: count('generation', 1),
    listedSize: count('listedSize', 0),
    lastWritten: count('lastWritten', 0),
  };
}

export function formatArchiveMessage(message: Omit<ArchiveMessage, 'v'>): string {
  return JSON.stringify({ v: 1, ...message });
}
