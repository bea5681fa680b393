/**
 * The transfer benchmark: one simulated audit file per size, archived three ways on the same
 * bytes, each in its own process: `gzip -6 -c` (the cost of the work itself), the archiver's path,
 * and the seed article's buffer-everything baseline.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS } from '../local/aws-config.js';
import type { LocalStack } from '../local/stack.js';
import { watchProcess } from './proc-watch.js';
import { type TransferFigures, transferFigures } from './report.js';
import type { TransferChildInput, TransferChildOutput } from './transfer-child.js';

const MiB = 1024 * 1024;

/** Logs the transfer benchmark can move: their lines compress differently. */
export const BENCH_LOGS = ['audit', 'postgresql'] as const;
export type BenchLog = (typeof BENCH_LOGS)[number];

/** A file name of the log (the simulator writes the lines its name says: local/rds-sim/world.ts). */
function benchFileName(log: BenchLog, i: number): string {
  return log === 'postgresql'
    ? `error/postgresql.log.2020-01-${String(1 + Math.floor(i / 24)).padStart(2, '0')}-${String(i % 24).padStart(2, '0')}`
    : `audit/audit.log.0.2020-01-01-00-00.${i + 1}`;
}
const CHILD_SOURCE = fileURLToPath(new URL('./transfer-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles transfer-child.ts with esbuild, as the Lambda code is bundled: run through the tsx
 * loader instead, the child would carry about 28 MB of loader and source-map memory (measured:
 * 87 MB vs 59 MB RSS after the same imports) that the archiver in Lambda never has.
 */
export async function bundleChild(): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rds-bench-'));
  const path = join(dir, 'transfer-child.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [CHILD_SOURCE],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Some SDK dependencies are CommonJS and call require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TransferBenchOptions {
  /** File sizes in MiB. */
  sizesMB: number[];
  gzipLevel?: number;
  partSize?: number;
  queueSize?: number;
  /** Skip the buffer-everything baseline above this size (MiB): it holds the file twice. */
  baselineMaxMB?: number;
  /**
   * Which logs' lines the files hold, each at every size (default the Aurora MySQL audit CSV
   * alone): their figures side by side come from one run.
   */
  logs?: readonly BenchLog[];
  progress?: (line: string) => void;
}

/** One measured run (a process's own figures). */
export interface RunFigures {
  bytes: number;
  gzipBytes?: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** CPU the parent (RDS simulator + S3 emulator) spent meanwhile, seconds. */
  parentCpuSeconds: number;
  /** Peaks of the V8 heap and of Buffer memory inside a Node child. */
  peakHeapUsedBytes?: number;
  peakArrayBuffersBytes?: number;
}

/** Runs the transfer benchmark on a started local stack. */
export async function runTransferBench(
  stack: LocalStack,
  options: TransferBenchOptions,
): Promise<TransferFigures[]> {
  const progress = options.progress ?? (() => undefined);
  const gzipLevel = options.gzipLevel ?? 6;
  const bucket = stack.env.ARCHIVER_BUCKET;
  if (!bucket) throw new Error('the local stack has no ARCHIVER_BUCKET');
  const instance = stack.rds.world.clusters()[0]?.instances[0];
  if (!instance) throw new Error('the simulated world has no instance');
  const s3 = new S3Client({
    endpoint: stack.endpoints.s3,
    region: stack.region,
    forcePathStyle: true,
    credentials: EMULATOR_CREDENTIALS,
  });
  const results: TransferFigures[] = [];
  progress('bundling the measured child with esbuild (as Lambda code is bundled)');
  const child = await bundleChild();
  try {
    const runs = (options.logs ?? ['audit']).flatMap((log) =>
      options.sizesMB.map((sizeMB) => ({ log, sizeMB })),
    );
    for (const [i, { log, sizeMB }] of runs.entries()) {
      const size = Math.round(sizeMB * MiB);
      const file = benchFileName(log, i);
      stack.rds.world.addFile(instance, file, { size, lastWritten: stack.rds.clock.now() - 3_600_000 });
      progress(`transfer ${log} ${sizeMB} MB: gzip -${gzipLevel} -c ...`);
      const gzipRun = await runGzip(stack, instance, file, gzipLevel);
      const base: Omit<TransferChildInput, 'mode' | 'key'> = {
        rds: { url: stack.rds.url, region: stack.rds.region, credentials: simCredentials(stack) },
        s3: { endpoint: stack.endpoints.s3, region: stack.region, credentials: EMULATOR_CREDENTIALS },
        instance,
        file,
        expectedBytes: size,
        bucket,
        gzipLevel,
        ...(options.partSize === undefined ? {} : { partSize: options.partSize }),
        ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
      };
      progress(`transfer ${log} ${sizeMB} MB: archiver (download -> sha256 -> gzip -> multipart upload) ...`);
      const ours = await runChild(child.path, { ...base, mode: 'ours', key: `bench/ours-${i}.gz` });
      // The emulator keeps objects in memory: free each one at once.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `bench/ours-${i}.gz` }));
      let baseline: RunFigures | undefined;
      if (options.baselineMaxMB === undefined || sizeMB <= options.baselineMaxMB) {
        progress(`transfer ${log} ${sizeMB} MB: buffer-everything baseline ...`);
        baseline = await runChild(child.path, { ...base, mode: 'baseline', key: `bench/baseline-${i}.gz` });
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `bench/baseline-${i}.gz` }));
      }
      stack.rds.world.removeFile(instance, file);
      const figures = transferFigures({
        log,
        sizeMB,
        gzip: gzipRun,
        ours,
        ...(baseline ? { baseline } : {}),
      });
      progress(
        `transfer ${log} ${sizeMB} MB: ours ${figures.oursMBps} MB/s, gzip ${figures.gzipMBps} MB/s, ` +
          `peak RSS ${figures.oursPeakRssMB} MB`,
      );
      results.push(figures);
    }
  } finally {
    s3.destroy();
    await child.remove();
  }
  return results;
}

function simCredentials(stack: LocalStack) {
  const c = stack.rds.credentials[0];
  if (!c) throw new Error('the RDS simulator accepts no credentials');
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}

/**
 * `gzip -N -c` on the file's bytes, streamed from the simulator's content generator (in this
 * process, no HTTP) into gzip's stdin; its output goes to /dev/null. Times gzip from spawn to exit.
 */
async function runGzip(
  stack: LocalStack,
  instance: string,
  file: string,
  level: number,
): Promise<RunFigures> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const child = spawn('gzip', [`-${level}`, '-c'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const watch = watchProcess(child.pid ?? 0);
  let bytes = 0;
  const source = stack.rds.world.read(instance, file);
  source.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  source.pipe(child.stdin);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  const figures = await watch.stop();
  if (code !== 0) throw new Error(`gzip exited with ${code}: ${stderr.trim()}`);
  const parent = process.cpuUsage(cpuBefore);
  return {
    bytes,
    seconds,
    cpuSeconds: figures.cpuSeconds,
    peakRssBytes: figures.peakRssBytes,
    parentCpuSeconds: (parent.user + parent.system) / 1e6,
  };
}

/** Runs transfer-child.ts in its own Node process and watches it from outside. */
export async function runChild(
  childPath: string,
  input: TransferChildInput,
  env: Record<string, string> = {},
): Promise<RunFigures> {
  const child = spawn(process.execPath, [childPath, JSON.stringify(input)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  const cpuBefore = process.cpuUsage();
  const watch = watchProcess(child.pid ?? 0);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const figures = await watch.stop();
  const parent = process.cpuUsage(cpuBefore);
  if (code !== 0) throw new Error(`bench child (${input.mode}) exited with ${code}: ${stderr.trim()}`);
  const line = stdout.trim().split('\n').pop() ?? '';
  const out = JSON.parse(line) as TransferChildOutput;
  if (out.bytes !== input.expectedBytes) {
    throw new Error(
      `bench child (${input.mode}) archived ${out.bytes} bytes, expected ${input.expectedBytes}`,
    );
  }
  return {
    bytes: out.bytes,
    gzipBytes: out.gzipBytes,
    seconds: out.seconds,
    cpuSeconds: out.cpuSeconds,
    peakRssBytes: Math.max(out.maxRssBytes, figures.peakRssBytes),
    parentCpuSeconds: (parent.user + parent.system) / 1e6,
    peakHeapUsedBytes: out.peakHeapUsedBytes,
    peakArrayBuffersBytes: out.peakArrayBuffersBytes,
  };
}
