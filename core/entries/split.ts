/**
 * Splits a log file's bytes into entries as they stream past, in bounded memory. Pure (no I/O):
 * `push` takes the next chunk and returns the entries it completed, `end` the last one.
 *
 * Two boundary rules, one per multi-line format (see entry-formats.ts):
 * - `csv`: a record ends at a newline outside double quotes (PostgreSQL csvlog quotes every field
 *   that may hold a newline and doubles a quote inside one, so a quote toggles "inside" and `""`
 *   toggles it twice).
 * - `slow`: an entry starts at a line beginning `# Time: `, or at `# User@Host: ` when the entry
 *   so far is not just its `# Time:` line (MySQL 5.6 wrote `# Time:` only when the second changed).
 *   Lines before the first header (the banner mysqld writes when it opens the file) are an entry
 *   of their own, so no byte is dropped.
 *
 * Splitting works on bytes: `"`, `\n` and the headers are ASCII, so a multi-byte UTF-8 character
 * never looks like one, and every entry keeps its exact byte offset in the source file.
 * An entry longer than `maxBytes` keeps its first `maxBytes` and is marked truncated (an
 * unterminated quote at the end of a cut file must not make one entry of gigabytes).
 */

/** One entry: its bytes (at most the cap), where it starts in the file, whether it was cut. */
export interface SplitEntry {
  /** Byte offset of the entry's first byte in the source file. */
  offset: number;
  /** Its bytes, trailing newline included (at most `maxBytes`). */
  bytes: Buffer;
  /** Its full length in the file. */
  length: number;
  /** True when `bytes` holds only the first `maxBytes` of it. */
  truncated: boolean;
}

export type BoundaryRule = 'csv' | 'slow';

/** Default cap of one entry's kept bytes: far above any statement a log should hold. */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const TIME_HEADER = Buffer.from('# Time: ');
const USER_HEADER = Buffer.from('# User@Host: ');
/** Bytes of a line's head needed to classify it. */
const HEAD_BYTES = USER_HEADER.length;

/** Incremental splitter; see the module comment for the rules. */
export class EntrySplitter {
  private parts: Buffer[] = [];
  private stored = 0;
  private start = 0;
  private length = 0;
  private truncated = false;
  /** Absolute offset of the next byte pushed. */
  private position = 0;
  // csv
  private inQuotes = false;
  // slow
  private head: Buffer[] = [];
  private headLength = 0;
  private lineClassified = false;
  private onlyTimeLine = false;

  constructor(
    private readonly rule: BoundaryRule,
    private readonly maxBytes = MAX_ENTRY_BYTES,
  ) {}

  /**
   * Feeds the next bytes; returns the entries they complete, in order. The chunk must not be
   * written to afterwards: the entry in progress keeps views of it until it completes.
   */
  push(chunk: Buffer): SplitEntry[] {
    const out: SplitEntry[] = [];
    if (this.rule === 'csv') this.pushCsv(chunk, out);
    else this.pushSlow(chunk, out);
    return out;
  }

  /** The source ended: returns the last entry, if any bytes are left (even without a final newline). */
  end(): SplitEntry[] {
    const out: SplitEntry[] = [];
    if (this.rule === 'slow' && this.headLength > 0) this.classifyHead(out);
    this.finish(out);
    return out;
  }

  private pushCsv(chunk: Buffer, out: SplitEntry[]): void {
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      const byte = chunk[i] as number;
      if (byte === QUOTE) this.inQuotes = !this.inQuotes;
      else if (byte === NEWLINE && !this.inQuotes) {
        this.append(chunk.subarray(from, i + 1));
        from = i + 1;
        this.finish(out);
      }
      i += 1;
    }
    if (from < chunk.length) this.append(chunk.subarray(from));
  }

  private pushSlow(chunk: Buffer, out: SplitEntry[]): void {
    let i = 0;
    while (i < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, i);
      const lineEnd = newline < 0 ? chunk.length : newline + 1;
      if (!this.lineClassified) {
        // Collect the line's head until it can be classified (or the line ends first).
        const take = Math.min(lineEnd, i + HEAD_BYTES - this.headLength);
        this.head.push(chunk.subarray(i, take));
        this.headLength += take - i;
        i = take;
        const lineEnded = take === lineEnd && newline >= 0;
        if (this.headLength >= HEAD_BYTES || lineEnded) {
          this.classifyHead(out);
          if (lineEnded) this.lineClassified = false;
        }
        continue;
      }
      this.append(chunk.subarray(i, lineEnd));
      i = lineEnd;
      if (newline >= 0) this.lineClassified = false;
    }
  }

  /** Decides whether the line whose head was collected starts an entry, then stores the head. */
  private classifyHead(out: SplitEntry[]): void {
    const head = Buffer.concat(this.head, this.headLength);
    const isTime = startsWith(head, TIME_HEADER);
    const isUser = startsWith(head, USER_HEADER);
    if (isTime || (isUser && !this.onlyTimeLine)) {
      this.finish(out);
      this.onlyTimeLine = isTime;
    } else {
      this.onlyTimeLine = false;
    }
    this.head = [];
    this.headLength = 0;
    this.lineClassified = true;
    this.append(head);
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.length === 0) this.start = this.position;
    this.position += bytes.length;
    this.length += bytes.length;
    const room = this.maxBytes - this.stored;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    // A view, not a copy: stream chunks are never written to once passed on (the digest stage
    // hands the same chunk to gzip), and finish() copies the parts into one buffer anyway.
    const kept = bytes.subarray(0, room);
    if (kept.length < bytes.length) this.truncated = true;
    this.parts.push(kept);
    this.stored += kept.length;
  }

  private finish(out: SplitEntry[]): void {
    if (this.length === 0) return;
    out.push({
      offset: this.start,
      bytes: Buffer.concat(this.parts, this.stored),
      length: this.length,
      truncated: this.truncated,
    });
    this.parts = [];
    this.stored = 0;
    this.length = 0;
    this.truncated = false;
  }
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}
