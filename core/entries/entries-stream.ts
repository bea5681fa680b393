/**
 * A stream stage that turns a log file's bytes into JSON Lines, one line per entry (see
 * entry-formats.ts). Memory is bounded by one entry (at most the splitter's cap) plus a chunk.
 */

import { Transform, type TransformCallback } from 'node:stream';
import type { EntryFormat } from './entry-formats.js';
import { EntrySplitter, type SplitEntry } from './split.js';

const utf8 = new TextDecoder('utf-8');

/** The JSON line of one entry: its format's columns, then where it was in the file. */
export function entryLine(format: EntryFormat, entry: SplitEntry): string {
  // Bytes that are not UTF-8 become U+FFFD here; the archived object keeps them as they were.
  const row = format.row(utf8.decode(entry.bytes));
  return `${JSON.stringify({
    ...row,
    source_offset: entry.offset,
    source_length: entry.length,
    truncated: entry.truncated,
  })}\n`;
}

/** Source bytes in, JSON Lines out; `entries` counts the lines written. */
export class EntriesStream extends Transform {
  entries = 0;
  private readonly splitter: EntrySplitter;

  /**
   * @param beforeEnd awaited once the source ended, before the last entry and the end are passed
   *   on: the transfer holds its entries object back until the archived object is published.
   */
  constructor(
    private readonly format: EntryFormat,
    private readonly beforeEnd?: () => Promise<void>,
    maxEntryBytes?: number,
  ) {
    super({ highWaterMark: 128 * 1024 });
    this.splitter = new EntrySplitter(format.rule, maxEntryBytes);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.emitEntries(this.splitter.push(chunk));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const last = this.splitter.end();
    if (!this.beforeEnd) {
      this.emitEntries(last);
      callback();
      return;
    }
    this.beforeEnd().then(
      () => {
        this.emitEntries(last);
        callback();
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private emitEntries(entries: SplitEntry[]): void {
    if (entries.length === 0) return;
    this.entries += entries.length;
    this.push(Buffer.from(entries.map((entry) => entryLine(this.format, entry)).join('')));
  }
}
