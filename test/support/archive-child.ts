/**
 * Runs one archive (signed download from the RDS simulator -> archiveStream -> S3) in its own
 * process, so a test can watch its memory from outside (/proc/<pid>/status). Not a test itself.
 *
 * Usage: node --import tsx test/support/archive-child.ts '<json ArchiveChildInput>'
 * Prints one JSON line (ArchiveChildOutput) on stdout; exits 1 with the error on stderr.
 */
import { readFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { createLogFileDownloader } from '../../core/rds/download.js';
import { archiveStream } from '../../core/transfer/archive-stream.js';

/** What the parent passes as argv[2]. */
export interface ArchiveChildInput {
  rds: { url: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  s3: { endpoint: string; region: string };
  instance: string;
  file: string;
  expectedBytes: number;
  bucket: string;
  key: string;
  gzipLevel?: number;
  partSize?: number;
  queueSize?: number;
}

/** What the child prints. */
export interface ArchiveChildOutput {
  bytes: number;
  gzipBytes: number;
  sha256: string;
  seconds: number;
  /** Source MB (10^6 bytes) per second, download + hash + gzip + upload. */
  mbPerSecond: number;
  /**
   * Peak resident set of this process image (VmHWM), bytes. Not `ru_maxrss`: Linux keeps that across
   * execve, so a child forked from a big parent (a test worker) would report the parent's size.
   */
  peakRssBytes: number;
}

/** VmHWM from /proc/self/status (Linux), in bytes; 0 where /proc is missing. */
async function peakRss(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ArchiveChildInput;
const downloader = createLogFileDownloader({
  region: input.rds.region,
  endpoint: input.rds.url,
  credentials: input.rds.credentials,
});
const s3 = new S3Client({
  endpoint: input.s3.endpoint,
  region: input.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
try {
  const started = performance.now();
  const download = await downloader.open({ instance: input.instance, logFileName: input.file });
  const result = await archiveStream({
    source: download.body,
    expectedBytes: input.expectedBytes,
    s3,
    bucket: input.bucket,
    key: input.key,
    metadata: { 'source-file': input.file },
    ...(input.gzipLevel !== undefined ? { gzipLevel: input.gzipLevel } : {}),
    ...(input.partSize !== undefined ? { partSize: input.partSize } : {}),
    ...(input.queueSize !== undefined ? { queueSize: input.queueSize } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const output: ArchiveChildOutput = {
    bytes: result.bytes,
    gzipBytes: result.gzipBytes,
    sha256: result.sha256,
    seconds,
    mbPerSecond: result.bytes / 1e6 / seconds,
    peakRssBytes: await peakRss(),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
} finally {
  downloader.close();
  s3.destroy();
}
