import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type EntryTemplate, entryOf, fillerEntry, type LineFormat, MIN_FILLER, TS } from './log-lines.js';
import { hashString, mix, prng } from './random.js';
import { activeMs, timeOfByte, type Writer } from './timeline.js';

/**
 * File content as a pure function of (file identity, offset), so a file of any size costs no memory.
 *
 * A file is a sequence of {@link BLOCK_SIZE} blocks, each made of whole entries (an entry is what one
 * write appends: a line, or a few lines written together). Block 0 is generated for that file alone
 * (so two files never share a prefix); block i > 0 is one of a small pool of pre-generated blocks,
 * chosen by hash(file, i). The pool is varied enough that gzip sees real-looking text (gzip's 32 KiB
 * window never spans two whole blocks, so the reuse does not inflate the compression ratio).
 *
 * Blocks are templates: every entry's timestamps and server host are placeholders of fixed width at
 * recorded positions. Serving a block copies the template and writes, at those positions, the
 * file's host and the time each entry was written: the entry at offset x was written when the
 * file's writer had produced x bytes since the file started ({@link ContentSpec.writer}), so
 * timestamps rise through the file and stay within its lifetime, whatever block they come from.
 */
export const BLOCK_SIZE = 64 * 1024;
const POOL_SIZE = 32;
const FIRST_BLOCK_CACHE = 256;
const LINE_BUDGET = 1400;

/** Everything that determines a file's bytes. */
export interface ContentSpec {
  /** Identity of the content (seeded): two files with the same id have the same bytes. */
  id: string;
  format: LineFormat;
  /** The server host written into audit lines ('' for formats without one). */
  host: string;
  /** When the file's first byte was written. */
  startMs: number;
  /** Who writes it: the rate (and quiet periods) that map an offset to the time it was written. */
  writer: Writer;
}

/** A block template: bytes, entry boundaries and where to patch time and host. */
interface Template {
  buf: Buffer;
  /** Offset just after each entry, ascending; the last is BLOCK_SIZE. */
  ends: Int32Array;
  /** Per timestamp field: position, format, entry start, lag (ms). */
  tsPos: Int32Array;
  tsFmt: Uint8Array;
  tsAt: Int32Array;
  tsLag: Float64Array;
  hostPos: Int32Array;
}

function buildTemplate(format: LineFormat, seed: number, hostLength: number): Template {
  const rand = prng(seed);
  const ctx = {
    rand,
    hostLength,
    connection: 1000 + Math.floor(rand() * 90_000),
    queryId: Math.floor(rand() * 10_000_000),
    pid: 1000 + Math.floor(rand() * 50_000),
    sessionLine: 0,
  };
  const entries: EntryTemplate[] = [];
  let used = 0;
  while (BLOCK_SIZE - used >= LINE_BUDGET + MIN_FILLER) {
    const e = entryOf(format, ctx);
    entries.push(e);
    used += e.text.length;
  }
  entries.push(fillerEntry(format, ctx, BLOCK_SIZE - used));
  const text = entries.map((e) => e.text).join('');
  const buf = Buffer.from(text, 'latin1');
  if (buf.length !== BLOCK_SIZE) throw new Error(`block size ${buf.length} != ${BLOCK_SIZE} (${format})`);
  const ends: number[] = [];
  const tsPos: number[] = [];
  const tsFmt: number[] = [];
  const tsAt: number[] = [];
  const tsLag: number[] = [];
  const hostPos: number[] = [];
  let at = 0;
  for (const e of entries) {
    for (const [pos, fmt, lag] of e.ts) {
      tsPos.push(at + pos);
      tsFmt.push(fmt);
      tsAt.push(at);
      tsLag.push(lag);
    }
    for (const pos of e.host) hostPos.push(at + pos);
    at += e.text.length;
    ends.push(at);
  }
  return {
    buf,
    ends: Int32Array.from(ends),
    tsPos: Int32Array.from(tsPos),
    tsFmt: Uint8Array.from(tsFmt),
    tsAt: Int32Array.from(tsAt),
    tsLag: Float64Array.from(tsLag),
    hostPos: Int32Array.from(hostPos),
  };
}

const pools = new Map<string, Array<Template | undefined>>();
const firstBlocks = new Map<string, Template>();

function poolTemplate(format: LineFormat, hostLength: number, index: number): Template {
  const key = `${format}/${hostLength}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = [];
    pools.set(key, pool);
  }
  let t = pool[index];
  if (!t) {
    t = buildTemplate(format, mix(hashString(format), index + 1), hostLength);
    pool[index] = t;
  }
  return t;
}

function fileHash(spec: ContentSpec): number {
  return hashString(spec.id);
}

function template(spec: ContentSpec, index: number): Template {
  if (index > 0) return poolTemplate(spec.format, spec.host.length, mix(fileHash(spec), index) % POOL_SIZE);
  const key = `${spec.id}\u0000${spec.format}\u0000${spec.host.length}`;
  let t = firstBlocks.get(key);
  if (!t) {
    t = buildTemplate(spec.format, fileHash(spec), spec.host.length);
    if (firstBlocks.size >= FIRST_BLOCK_CACHE) {
      const oldest = firstBlocks.keys().next().value;
      if (oldest !== undefined) firstBlocks.delete(oldest);
    }
    firstBlocks.set(key, t);
  } else {
    // Refresh its place in the LRU order.
    firstBlocks.delete(key);
    firstBlocks.set(key, t);
  }
  return t;
}

// ---- timestamp formatting straight into the buffer -------------------------------------------

let cachedDay = Number.NaN;
const cachedDate = Buffer.alloc(8); // YYYYMMDD digits

/** Civil date of a day number (days since 1970-01-01), Howard Hinnant's algorithm. */
function civil(day: number): void {
  if (day === cachedDay) return;
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  putDigits(cachedDate, 0, y, 4);
  putDigits(cachedDate, 4, m, 2);
  putDigits(cachedDate, 6, d, 2);
  cachedDay = day;
}

function putDigits(buf: Buffer, pos: number, value: number, width: number): void {
  if (width > 9) {
    // Split so that the digit loop runs on 32-bit integers.
    const high = Math.floor(value / 1e9);
    putDigits(buf, pos, high, width - 9);
    putDigits(buf, pos + width - 9, value - high * 1e9, 9);
    return;
  }
  let v = value | 0;
  for (let i = width - 1; i >= 0; i--) {
    const q = (v / 10) | 0;
    buf[pos + i] = 48 + v - q * 10;
    v = q;
  }
}

const DASH = 45;
const COLON = 58;
const SPACE = 32;

function putDate(buf: Buffer, pos: number, dashes: boolean): number {
  if (dashes) {
    buf[pos] = cachedDate[0] as number;
    buf[pos + 1] = cachedDate[1] as number;
    buf[pos + 2] = cachedDate[2] as number;
    buf[pos + 3] = cachedDate[3] as number;
    buf[pos + 4] = DASH;
    buf[pos + 5] = cachedDate[4] as number;
    buf[pos + 6] = cachedDate[5] as number;
    buf[pos + 7] = DASH;
    buf[pos + 8] = cachedDate[6] as number;
    buf[pos + 9] = cachedDate[7] as number;
    return pos + 10;
  }
  cachedDate.copy(buf, pos);
  return pos + 8;
}

function putTime(buf: Buffer, pos: number, secOfDay: number): number {
  putDigits(buf, pos, Math.floor(secOfDay / 3600), 2);
  buf[pos + 2] = COLON;
  putDigits(buf, pos + 3, Math.floor(secOfDay / 60) % 60, 2);
  buf[pos + 5] = COLON;
  putDigits(buf, pos + 6, secOfDay % 60, 2);
  return pos + 8;
}

/** Eight decimal digits of a non-negative integer below 1e8 (32-bit arithmetic only). */
function put8(buf: Buffer, pos: number, value: number): void {
  let v = value | 0;
  for (let i = 7; i >= 0; i--) {
    const q = (v / 10) | 0;
    buf[pos + i] = 48 + v - q * 10;
    v = q;
  }
}

// The date and time of the last second formatted, per format: entries come many per second.
const prefix = Buffer.alloc(32);
let prefixSecond = Number.NaN;
let prefixFormat = -1;
let prefixLength = 0;

function formatPrefix(fmt: number, sec: number): void {
  const day = Math.floor(sec / 86_400);
  civil(day);
  const secOfDay = sec - day * 86_400;
  let p: number;
  if (fmt === TS.MARIADB) {
    p = putDate(prefix, 0, false);
    prefix[p++] = SPACE;
  } else {
    p = putDate(prefix, 0, true);
    prefix[p++] = fmt === TS.ISO6 ? 84 /* T */ : SPACE;
  }
  prefixLength = putTime(prefix, p, secOfDay);
  prefixSecond = sec;
  prefixFormat = fmt;
}

/** Writes the time `us` (epoch microseconds) at `pos` in the given format. */
function putTimestamp(buf: Buffer, pos: number, fmt: number, us: number): void {
  if (fmt === TS.US16) {
    const high = Math.floor(us / 1e8);
    put8(buf, pos, high);
    put8(buf, pos + 8, us - high * 1e8);
    return;
  }
  const sec = Math.floor(us / 1_000_000);
  if (fmt === TS.EPOCH10) {
    const high = Math.floor(sec / 1e8);
    buf[pos] = 48 + ((high / 10) | 0);
    buf[pos + 1] = 48 + (high % 10);
    put8(buf, pos + 2, sec - high * 1e8);
    return;
  }
  if (sec !== prefixSecond || fmt !== prefixFormat) formatPrefix(fmt, sec);
  for (let i = 0; i < prefixLength; i++) buf[pos + i] = prefix[i] as number;
  let p = pos + prefixLength;
  if (fmt === TS.ISO6) {
    buf[p++] = 46; // .
    putDigits(buf, p, us - sec * 1_000_000, 6);
    buf[p + 6] = 90; // Z
    return;
  }
  if (fmt === TS.PGMS) {
    buf[p++] = 46;
    putDigits(buf, p, Math.floor((us - sec * 1_000_000) / 1000), 3);
    p += 3;
  }
  if (fmt !== TS.MARIADB) {
    buf[p] = 32; // ' UTC'
    buf[p + 1] = 85;
    buf[p + 2] = 84;
    buf[p + 3] = 67;
  }
}

/** Epoch ms at which the byte at `offset` of a file was written. */
export function timeOfOffset(spec: ContentSpec, offset: number): number {
  return timeOfByte(spec.writer, spec.startMs, offset);
}

// Templates with a host written in (an LRU): serving a block then only copies it and writes times.
const HOSTED_CACHE = 512;
const hosted = new Map<string, Buffer>();

function hostedBytes(t: Template, spec: ContentSpec, index: number): Buffer {
  if (t.hostPos.length === 0 || spec.host.length === 0) return t.buf;
  const key =
    index === 0
      ? `0\u0000${spec.id}\u0000${spec.host}`
      : `${spec.format}\u0000${spec.host}\u0000${mix(fileHash(spec), index) % POOL_SIZE}`;
  let buf = hosted.get(key);
  if (buf) {
    hosted.delete(key);
    hosted.set(key, buf);
    return buf;
  }
  buf = Buffer.from(t.buf);
  const host = Buffer.from(spec.host, 'latin1');
  for (let i = 0; i < t.hostPos.length; i++) host.copy(buf, t.hostPos[i] as number);
  if (hosted.size >= HOSTED_CACHE) {
    const oldest = hosted.keys().next().value;
    if (oldest !== undefined) hosted.delete(oldest);
  }
  hosted.set(key, buf);
  return buf;
}

/** Block `index` of a file with its real time and host (a fresh buffer the caller may keep). */
export function contentBlock(spec: ContentSpec, index: number): Buffer {
  const t = template(spec, index);
  const out = Buffer.allocUnsafe(BLOCK_SIZE);
  hostedBytes(t, spec, index).copy(out);
  const base = index * BLOCK_SIZE;
  const n = t.tsPos.length;
  if (n === 0) return out;
  const w = spec.writer;
  const t0 = timeOfByte(w, spec.startMs, base);
  const t1 = timeOfByte(w, spec.startMs, base + BLOCK_SIZE);
  // Without a quiet period inside the block, time is linear in the offset: no per-entry walk.
  const linear = activeMs(w, t0, t1) >= t1 - t0 - 1e-6;
  const msPerByte = 1000 / w.bytesPerSecond;
  for (let i = 0; i < n; i++) {
    const at = t.tsAt[i] as number;
    const ms = linear ? t0 + at * msPerByte : timeOfByte(w, spec.startMs, base + at);
    putTimestamp(
      out,
      t.tsPos[i] as number,
      t.tsFmt[i] as number,
      Math.floor((ms - (t.tsLag[i] as number)) * 1000),
    );
  }
  return out;
}

/** The largest entry end <= n: how much of a file is readable once n bytes have been produced. */
export function entryFloor(spec: ContentSpec, n: number): number {
  if (n <= 0) return 0;
  const index = Math.floor(n / BLOCK_SIZE);
  const within = n - index * BLOCK_SIZE;
  if (within === 0) return n;
  const ends = template(spec, index).ends;
  let lo = 0;
  let hi = ends.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = ends[mid] as number;
    if (e <= within) {
      best = e;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return index * BLOCK_SIZE + best;
}

/** The smallest entry end >= n: where a file that must hold n bytes ends on a whole entry. */
export function entryCeil(spec: ContentSpec, n: number): number {
  if (n <= 0) return 0;
  const index = Math.floor(n / BLOCK_SIZE);
  const within = n - index * BLOCK_SIZE;
  if (within === 0) return n;
  const ends = template(spec, index).ends;
  let lo = 0;
  let hi = ends.length - 1;
  let best = BLOCK_SIZE;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = ends[mid] as number;
    if (e >= within) {
      best = e;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return index * BLOCK_SIZE + best;
}

/** The successive slices of bytes [start, end) of a file, in order. */
function* slices(spec: ContentSpec, start: number, end: number): Generator<Buffer> {
  let offset = start;
  while (offset < end) {
    const index = Math.floor(offset / BLOCK_SIZE);
    const within = offset - index * BLOCK_SIZE;
    const take = Math.min(BLOCK_SIZE - within, end - offset);
    const block = contentBlock(spec, index);
    yield within === 0 && take === BLOCK_SIZE ? block : block.subarray(within, within + take);
    offset += take;
  }
}

/** Bytes [start, end) of a file as one buffer (for small ranges: DownloadDBLogFilePortion). */
export function contentBytes(spec: ContentSpec, start: number, end: number): Buffer {
  return Buffer.concat([...slices(spec, start, Math.max(start, end))]);
}

/** A stream of bytes [start, end) of a file, honouring backpressure. */
export function contentStream(spec: ContentSpec, start: number, end: number): Readable {
  const it = slices(spec, start, Math.max(start, end));
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

/** Hex SHA-256 of bytes [start, end) of a file, yielding to the event loop every few MB. */
export async function contentSha256(spec: ContentSpec, end: number, start = 0): Promise<string> {
  const hash = createHash('sha256');
  let sinceYield = 0;
  for (const slice of slices(spec, start, end)) {
    hash.update(slice);
    sinceYield += slice.length;
    if (sinceYield >= 32 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}
