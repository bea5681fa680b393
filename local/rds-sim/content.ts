import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  auditLine,
  errorLine,
  fillerLine,
  type LineContext,
  type LogKind,
  logKindOf,
  MIN_FILLER,
  slowQueryEntry,
} from './log-lines.js';
import { hashString, mix, prng } from './random.js';

/**
 * File content as a pure function of (file identity, offset), so a file of any size costs no memory.
 *
 * A file is a sequence of {@link BLOCK_SIZE} blocks, each made of whole realistic lines. Block 0 is
 * generated for that file alone (so two files never share a prefix and hash differently); block i > 0
 * is one of a small pool of pre-generated blocks, chosen by hash(file, i). The pool is built lazily,
 * block by block, and is varied enough that gzip sees real-looking text (gzip's 32 KiB window never
 * spans two whole blocks, so the reuse does not inflate the compression ratio).
 */
export const BLOCK_SIZE = 64 * 1024;
const POOL_SIZE = 48;
const FIRST_BLOCK_CACHE = 256;
const LINE_BUDGET = 900;

const generators: Record<LogKind, (ctx: LineContext) => string> = {
  audit: auditLine,
  error: errorLine,
  slowquery: slowQueryEntry,
};

/** Builds one block of exactly BLOCK_SIZE bytes of whole lines. */
function buildBlock(kind: LogKind, seed: number, host: string, startUs: number): Buffer {
  const rand = prng(seed);
  const ctx: LineContext = {
    rand,
    host,
    timeUs: startUs,
    connection: 1000 + Math.floor(rand() * 90_000),
    queryId: Math.floor(rand() * 10_000_000),
  };
  const parts: string[] = [];
  let used = 0;
  const generate = generators[kind];
  while (BLOCK_SIZE - used >= LINE_BUDGET + MIN_FILLER) {
    const line = generate(ctx);
    parts.push(line);
    used += Buffer.byteLength(line);
  }
  parts.push(fillerLine(kind, ctx, BLOCK_SIZE - used));
  const block = Buffer.from(parts.join(''), 'utf8');
  if (block.length !== BLOCK_SIZE) throw new Error(`block size ${block.length} != ${BLOCK_SIZE}`);
  return block;
}

const pools: Record<LogKind, Array<Buffer | undefined>> = { audit: [], error: [], slowquery: [] };
const firstBlocks = new Map<string, Buffer>();

function poolBlock(kind: LogKind, index: number): Buffer {
  const pool = pools[kind];
  let block = pool[index];
  if (!block) {
    // Pool blocks belong to no file: fixed host and time, varied lines.
    block = buildBlock(
      kind,
      mix(hashString(kind), index + 1),
      'pool-host',
      1_767_225_600_000_000 + index * 1e9,
    );
    pool[index] = block;
  }
  return block;
}

/** Identity of a file's content: the seed and the file's place in the world. */
export interface ContentKey {
  seed: number;
  instance: string;
  name: string;
}

/**
 * When a file started, from its name (`...YYYY-MM-DD-HH-MM...` or `...YYYY-MM-DD.HH`), so block 0
 * carries plausible timestamps; a name without a time starts at 2026-01-01.
 */
export function nameTimeMs(name: string): number {
  const m = /(\d{4})-(\d{2})-(\d{2})[-.](\d{2})(?:-(\d{2}))?/.exec(name);
  if (!m) return Date.UTC(2026, 0, 1);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
}

function keyString(key: ContentKey): string {
  return `${key.seed}\u0000${key.instance}\u0000${key.name}`;
}

/** The content block `index` of a file (shared buffers: never mutate). */
export function contentBlock(key: ContentKey, index: number): Buffer {
  const id = keyString(key);
  const fileHash = hashString(id);
  const kind = logKindOf(key.name);
  if (index === 0) {
    let block = firstBlocks.get(id);
    if (!block) {
      block = buildBlock(kind, fileHash, key.instance, nameTimeMs(key.name) * 1000);
      if (firstBlocks.size >= FIRST_BLOCK_CACHE) {
        const oldest = firstBlocks.keys().next().value;
        if (oldest !== undefined) firstBlocks.delete(oldest);
      }
      firstBlocks.set(id, block);
    }
    return block;
  }
  return poolBlock(kind, mix(fileHash, index) % POOL_SIZE);
}

/** Calls `visit` with the successive slices of bytes [start, end) of a file, in order. */
function* slices(key: ContentKey, start: number, end: number): Generator<Buffer> {
  let offset = start;
  while (offset < end) {
    const index = Math.floor(offset / BLOCK_SIZE);
    const within = offset - index * BLOCK_SIZE;
    const take = Math.min(BLOCK_SIZE - within, end - offset);
    yield contentBlock(key, index).subarray(within, within + take);
    offset += take;
  }
}

/**
 * A stream of bytes [start, end) of a file. It honours backpressure (pushes until the consumer's
 * buffer is full) and copies nothing: chunks are views into the shared blocks.
 */
export function contentStream(key: ContentKey, start: number, end: number): Readable {
  const it = slices(key, start, Math.max(start, end));
  return new Readable({
    highWaterMark: BLOCK_SIZE * 2,
    read() {
      for (;;) {
        const next = it.next();
        if (next.done) {
          this.push(null);
          return;
        }
        if (!this.push(next.value)) return;
      }
    },
  });
}

/** Hex SHA-256 of bytes [0, size) of a file, yielding to the event loop every few MB. */
export async function contentSha256(key: ContentKey, size: number): Promise<string> {
  const hash = createHash('sha256');
  let sinceYield = 0;
  for (const slice of slices(key, 0, size)) {
    hash.update(slice);
    sinceYield += slice.length;
    if (sinceYield >= 32 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}
