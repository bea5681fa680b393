import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TruncatedDownloadError } from '../../core/rds/download-errors.js';
import { ByteCounter, SourceDigest } from '../../core/transfer/digest.js';
import { archiveObjectMetadata } from '../../core/transfer/metadata.js';

function* chunks(total: number, size: number): Generator<Buffer> {
  for (let offset = 0; offset < total; offset += size) {
    const n = Math.min(size, total - offset);
    const chunk = Buffer.alloc(n);
    for (let i = 0; i < n; i++) chunk[i] = (offset + i) % 251;
    yield chunk;
  }
}

function expectedSha(total: number, size: number): string {
  const hash = createHash('sha256');
  for (const chunk of chunks(total, size)) hash.update(chunk);
  return hash.digest('hex');
}

const sink = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

describe('SourceDigest', () => {
  it('hashes and counts every byte that passes, forwarding them unchanged', async () => {
    const digest = new SourceDigest(300_000);
    const received: Buffer[] = [];
    await pipeline(
      Readable.from(chunks(300_000, 7_001)),
      digest,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received.push(chunk);
          callback();
        },
      }),
    );
    expect(digest.bytes).toBe(300_000);
    expect(digest.sha256).toBe(expectedSha(300_000, 7_001));
    expect(Buffer.concat(received)).toEqual(Buffer.concat([...chunks(300_000, 7_001)]));
  });

  it('fails with TruncatedDownloadError when the source ends short of the listed size', async () => {
    const digest = new SourceDigest(100_001);
    const error = await pipeline(Readable.from(chunks(100_000, 4096)), digest, sink()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TruncatedDownloadError);
    expect(error).toMatchObject({ receivedBytes: 100_000, expectedBytes: 100_001, retryable: true });
    expect(() => digest.sha256).toThrow(/not ended/);
  });

  it('never ends downstream when truncated, so a consumer sees an error instead of a clean end', async () => {
    const digest = new SourceDigest(10);
    const events: string[] = [];
    Readable.from(chunks(5, 5)).pipe(digest);
    digest.on('end', () => events.push('end'));
    await new Promise<void>((resolve) =>
      digest
        .on('error', () => {
          events.push('error');
          resolve();
        })
        .resume(),
    );
    expect(events).toEqual(['error']);
  });

  it('accepts more bytes than listed (the file grew) and an empty file listed as empty', async () => {
    const grown = new SourceDigest(1_000);
    await pipeline(Readable.from(chunks(1_500, 100)), grown, sink());
    expect(grown.bytes).toBe(1_500);
    const empty = new SourceDigest(0);
    await pipeline(Readable.from([] as Buffer[]), empty, sink());
    expect(empty.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('treats an empty body as truncation when the listing says the file has bytes', async () => {
    const error = await pipeline(Readable.from([] as Buffer[]), new SourceDigest(1), sink()).catch((e) => e);
    expect(error).toBeInstanceOf(TruncatedDownloadError);
  });

  it('rejects a nonsensical expected size', () => {
    expect(() => new SourceDigest(-1)).toThrow(RangeError);
    expect(() => new SourceDigest(1.5)).toThrow(RangeError);
  });
});

describe('ByteCounter', () => {
  it('counts the compressed side of a gzip stage', async () => {
    const { createGzip } = await import('node:zlib');
    const counter = new ByteCounter();
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks(200_000, 10_000)),
      createGzip({ level: 6 }),
      counter,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          out.push(chunk);
          callback();
        },
      }),
    );
    const gz = Buffer.concat(out);
    expect(counter.bytes).toBe(gz.length);
    expect(gunzipSync(gz).length).toBe(200_000);
  });
});

describe('archiveObjectMetadata', () => {
  it('names the source with fixed lowercase keys and an ISO LastWritten', () => {
    expect(
      archiveObjectMetadata({
        file: 'audit/audit.log.0.2026-03-01-00-00.1',
        instance: 'db-1',
        cluster: 'c-1',
        generation: 2,
        listedBytes: 1234,
        lastWritten: Date.UTC(2026, 2, 1, 0, 5),
      }),
    ).toEqual({
      'source-file': 'audit/audit.log.0.2026-03-01-00-00.1',
      'source-instance': 'db-1',
      'source-cluster': 'c-1',
      'source-generation': '2',
      'source-listed-bytes': '1234',
      'source-last-written': '2026-03-01T00:05:00.000Z',
    });
  });

  it('omits the cluster of a standalone instance and keeps values header-safe', () => {
    const metadata = archiveObjectMetadata({
      file: 'error/é.log',
      instance: 'db-1',
      generation: 1,
      listedBytes: 0,
      lastWritten: 0,
    });
    expect(metadata).not.toHaveProperty('source-cluster');
    expect(metadata['source-file']).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeURIComponent(metadata['source-file']!)).toBe('error/é.log');
  });
});
