import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeletionWatch } from './deletions.js';
import { AwsErrorAnswer, serverErrorAnswer } from './errors.js';
import type { FaultRegistry } from './faults.js';
import type { SimClock } from './types.js';
import type { ServedFile, SimWorldInternal } from './world.js';

/** A parsed download route: `/<version>/downloadCompleteLogFile/<instance>/<file name with slashes>`. */
export interface DownloadRoute {
  version: 'v13' | 'v19';
  instance: string;
  file: string;
}

/** Parses a download path as sent on the wire; undefined when it is not one. */
export function parseDownloadPath(rawPath: string): DownloadRoute | undefined {
  const m = /^\/(v13|v19)\/downloadCompleteLogFile\/([^/]+)\/(.+)$/.exec(rawPath);
  if (!m) return undefined;
  try {
    return {
      version: m[1] as 'v13' | 'v19',
      instance: decodeURIComponent(m[2] as string),
      // The file name keeps its `/`, whether sent literally or as %2F.
      file: decodeURIComponent(m[3] as string),
    };
  } catch {
    return undefined;
  }
}

/** What a download needs from the simulator. */
export interface DownloadContext {
  world: SimWorldInternal;
  faults: FaultRegistry;
  clock: SimClock;
  count(key: string, by?: number): void;
  /** Told of every download that ends, so a completely downloaded file counts as published. */
  deletions?: DeletionWatch;
}

/** A plan for the body: which bytes, how fast, and whether the connection dies after them. */
export interface DownloadPlan {
  end: number;
  bytesPerSecond?: number;
  resetAfter?: number;
  /** The file as listed when the download began. */
  file: ServedFile;
}

/**
 * Decides how a signed download is answered: an AWS error (thrown) or a plan for the body.
 * Faults are applied here; the world is changed for `vanish` and `grow-during-download`.
 */
export function planDownload(route: DownloadRoute, ctx: DownloadContext): DownloadPlan {
  const target = {
    target: 'download' as const,
    instance: route.instance,
    file: route.file,
    version: route.version,
  };
  const [unavailable] = ctx.faults.take(target, ['path-unavailable']);
  if (unavailable?.kind === 'path-unavailable') {
    throw new AwsErrorAnswer(
      unavailable.status ?? 404,
      unavailable.code ?? 'UnknownOperationException',
      `Unknown operation: GET /${route.version}/downloadCompleteLogFile`,
    );
  }
  if (!ctx.world.hasInstance(route.instance)) {
    throw new AwsErrorAnswer(404, 'DBInstanceNotFound', `DBInstance ${route.instance} not found.`);
  }
  const [failure] = ctx.faults.take(target, ['throttle', 'server-error', 'always-fail']);
  if (failure?.kind === 'throttle') throw new AwsErrorAnswer(429, 'ThrottlingException', 'Rate exceeded');
  if (failure?.kind === 'server-error') throw serverErrorAnswer(failure.status);
  if (failure?.kind === 'always-fail') {
    throw new AwsErrorAnswer(500, 'InternalFailure', 'An internal error has occurred.');
  }
  const file = ctx.world.file(route.instance, route.file);
  const notFound = () =>
    new AwsErrorAnswer(
      404,
      'DBLogFileNotFoundFault',
      `DBLogFile ${route.file} not found for DBInstance ${route.instance}.`,
    );
  if (!file) throw notFound();
  if (ctx.faults.take(target, ['vanish']).length > 0) {
    ctx.deletions?.sweep(route.instance);
    ctx.world.removeFile(route.instance, route.file);
    throw notFound();
  }
  const plan: DownloadPlan = { end: file.size, file };
  for (const f of ctx.faults.take(target, ['grow-during-download', 'truncate', 'reset', 'slow'], true)) {
    if (f.kind === 'grow-during-download') {
      plan.end = file.size + f.growBytes;
      ctx.world.setSize(route.instance, route.file, plan.end, ctx.clock.now());
    } else if (f.kind === 'truncate') {
      plan.end = Math.min(plan.end, f.afterBytes);
    } else if (f.kind === 'reset') {
      plan.resetAfter = f.afterBytes;
    } else if (f.kind === 'slow') {
      plan.bytesPerSecond = f.bytesPerSecond;
    }
  }
  return plan;
}

/** Resolves when `res` can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams the planned bytes of a file into the response with backpressure (never more than a couple
 * of blocks buffered), then ends it cleanly, or destroys the socket for a `reset` fault.
 */
export async function sendDownload(
  route: DownloadRoute,
  plan: DownloadPlan,
  ctx: DownloadContext,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const stop = plan.resetAfter !== undefined ? Math.min(plan.resetAfter, plan.end) : plan.end;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-amzn-requestid': requestId });
  res.flushHeaders();
  const source = ctx.world.read(route.instance, route.file, { start: 0, end: stop });
  let sent = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (res.destroyed) break;
      const pieces: Buffer[] = [];
      if (plan.bytesPerSecond) {
        const step = Math.max(1, Math.floor(plan.bytesPerSecond / 20));
        for (let i = 0; i < chunk.length; i += step) pieces.push(chunk.subarray(i, i + step));
      } else {
        pieces.push(chunk);
      }
      for (const piece of pieces) {
        if (res.destroyed) break;
        if (!res.write(piece)) await drained(res);
        // Counted as it goes, so a test can wait until a download is part way through.
        ctx.count('downloadBytes', piece.length);
        sent += piece.length;
        if (plan.bytesPerSecond) await sleep((piece.length / plan.bytesPerSecond) * 1000);
      }
    }
  } finally {
    (source as unknown as { destroy?: () => void }).destroy?.();
    // Complete: every byte listed when the download began went out, and the connection survives.
    const complete =
      plan.resetAfter === undefined && !res.destroyed && sent >= plan.file.size && sent === stop;
    ctx.deletions?.recordDownload(route.instance, plan.file, sent, complete);
  }
  if (plan.resetAfter !== undefined) {
    // Let the bytes already written reach the client, then kill the connection mid-body.
    const socket = res.socket;
    const deadline = Date.now() + 2000;
    while (socket && !socket.destroyed && socket.writableLength > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket?.destroy();
    res.destroy();
    return;
  }
  res.end();
}
