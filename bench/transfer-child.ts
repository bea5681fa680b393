/**
 * One measured archive, run in its own process so its memory and CPU are its own (the simulator
 * and the S3 emulator live in the parent). Not imported by anything: spawned by transfer.ts as
 *   node --import tsx bench/transfer-child.ts '<json TransferChildInput>'
 * It prints one JSON line (TransferChildOutput) on stdout, or the error on stderr with exit 1.
 *
 * - `ours`: the archiver's path, as core/archive.ts uses it: the signed download opened by
 *   `createLogFileDownloader`, streamed through `archiveStream` (SHA-256 + gzip + multipart upload,
 *   then the digest CopyObject).
 * - `baseline`: the seed article's approach: read the whole body into memory, gzip it in memory,
 *   one PutObject (above the S3 emulator's 11 MiB body limit, lib-storage uploads slices of that
 *   same buffer instead).
 */
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createLogFileDownloader } from '../core/rds/download.js';
import { archiveStream } from '../core/transfer/archive-stream.js';

/** What the parent passes. */
export interface TransferChildInput {
  mode: 'ours' | 'baseline';
  rds: { url: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  s3: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  instance: string;
  file: string;
  expectedBytes: number;
  bucket: string;
  key: string;
  gzipLevel: number;
  partSize?: number;
  queueSize?: number;
}

/** What the child prints. */
export interface TransferChildOutput {
  bytes: number;
  gzipBytes: number;
  /** Wall time of the archive itself (from opening the download to the object being final). */
  seconds: number;
  /** CPU (user + system) spent by this process during the archive, seconds. */
  cpuSeconds: number;
  /**
   * Peak resident set of this process, bytes: VmHWM of /proc/self/status. Not ru_maxrss: Linux
   * carries that over from the forked parent across exec, so a child of a big parent reports the
   * parent's size (checked: a child of a 600 MB parent reports ru_maxrss 603 MB, VmHWM 40 MB).
   */
  maxRssBytes: number;
  /** Peaks of V8's heap and of Buffer memory (sampled every 50 ms): where the RSS goes. */
  peakHeapUsedBytes: number;
  peakArrayBuffersBytes: number;
}

const gzipAsync = promisify(gzip);
/** The S3 emulator's request body limit (fauxqs 1.9.2: 11 MiB); AWS allows 5 GiB in one PutObject. */
const PUT_OBJECT_LIMIT = 10 * 1024 * 1024;

async function main(
  input: TransferChildInput,
): Promise<Omit<TransferChildOutput, 'maxRssBytes' | 'peakHeapUsedBytes' | 'peakArrayBuffersBytes'>> {
  const downloader = createLogFileDownloader({
    region: input.rds.region,
    endpoint: input.rds.url,
    credentials: input.rds.credentials,
  });
  const s3 = new S3Client({
    endpoint: input.s3.endpoint,
    region: input.s3.region,
    forcePathStyle: true,
    credentials: input.s3.credentials,
  });
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const download = await downloader.open({ instance: input.instance, logFileName: input.file });
    let bytes: number;
    let gzipBytes: number;
    if (input.mode === 'ours') {
      const result = await archiveStream({
        source: download.body,
        expectedBytes: input.expectedBytes,
        s3,
        bucket: input.bucket,
        key: input.key,
        metadata: { 'source-file': input.file, 'source-instance': input.instance },
        gzipLevel: input.gzipLevel,
        ...(input.partSize === undefined ? {} : { partSize: input.partSize }),
        ...(input.queueSize === undefined ? {} : { queueSize: input.queueSize }),
      });
      bytes = result.bytes;
      gzipBytes = result.gzipBytes;
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      const whole = Buffer.concat(chunks);
      const compressed = await gzipAsync(whole, { level: input.gzipLevel });
      const params = {
        Bucket: input.bucket,
        Key: input.key,
        Body: compressed,
        ContentType: 'application/gzip',
      };
      if (compressed.length <= PUT_OBJECT_LIMIT) await s3.send(new PutObjectCommand(params));
      // fauxqs refuses request bodies over 11 MiB, so a larger buffer goes up through lib-storage,
      // which sends slices of the same in-memory buffer: the memory profile stays the article's.
      else await new Upload({ client: s3, params, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
      bytes = whole.length;
      gzipBytes = compressed.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { bytes, gzipBytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    downloader.close();
    s3.destroy();
  }
}

/** VmHWM of this process (its own address space since exec); ru_maxrss where /proc is missing. */
function ownPeakRss(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS * 1024;
}

const peaks = { heap: 0, buffers: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peaks.heap = Math.max(peaks.heap, m.heapUsed);
  peaks.buffers = Math.max(peaks.buffers, m.arrayBuffers);
}, 50);
try {
  const output = await main(JSON.parse(process.argv[2] ?? '{}') as TransferChildInput);
  const full: TransferChildOutput = {
    ...output,
    maxRssBytes: ownPeakRss(),
    peakHeapUsedBytes: peaks.heap,
    peakArrayBuffersBytes: peaks.buffers,
  };
  process.stdout.write(`${JSON.stringify(full)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  clearInterval(sampler);
}
