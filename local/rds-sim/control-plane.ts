import type { IncomingMessage, ServerResponse } from 'node:http';
import { RdsSimError } from './errors.js';
import { type FaultRegistry, parseFaultSpec } from './faults.js';
import type { Fault, SimClock } from './types.js';
import type { SimWorldInternal } from './world.js';

/** What the unsigned `/_sim/` control plane can see and change. */
export interface ControlContext {
  url: () => string;
  region: string;
  clock: SimClock;
  world: SimWorldInternal;
  faults: FaultRegistry;
  stats: () => Record<string, number>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function parseJson(body: Buffer): Record<string, unknown> {
  const value: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RdsSimError('expected a JSON object');
  }
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new RdsSimError(`"${key}" must be a non-empty string`);
  return v;
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RdsSimError(`"${key}" must be a number`);
  return v;
}

/**
 * The simulator's control plane, for tests and the CLI (loopback only, unsigned):
 * `GET /_sim/state`, `POST|DELETE /_sim/faults[/<id>]`, `POST /_sim/clock/advance`,
 * `POST|DELETE /_sim/files`, `POST /_sim/files/replace` ({instance, name, size?}: the name gets
 * other content), `POST /_sim/rotate` ({instance, file?}: rotate now, as the engine would),
 * `GET /_sim/sha256?instance=&name=[&size=]`.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  query: URLSearchParams,
  body: Buffer,
  ctx: ControlContext,
): Promise<void> {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    json(res, 403, { error: 'the control plane answers loopback clients only' });
    return;
  }
  const method = req.method ?? 'GET';
  try {
    if (method === 'GET' && rawPath === '/_sim/state') {
      const clusters = ctx.world.clusters();
      const instances = ctx.world.instances();
      json(res, 200, {
        url: ctx.url(),
        region: ctx.region,
        now: ctx.clock.now(),
        clusters,
        instances,
        files: Object.fromEntries(instances.map((i) => [i.id, ctx.world.listFiles(i.id)])),
        faults: ctx.faults.entries(),
        stats: ctx.stats(),
      });
    } else if (method === 'POST' && rawPath === '/_sim/faults') {
      const o = parseJson(body);
      const fault = typeof o.spec === 'string' ? parseFaultSpec(o.spec) : (o as unknown as Fault);
      json(res, 200, { id: ctx.faults.add(fault) });
    } else if (method === 'DELETE' && rawPath === '/_sim/faults') {
      ctx.faults.clear();
      json(res, 200, { cleared: true });
    } else if (method === 'DELETE' && rawPath.startsWith('/_sim/faults/')) {
      ctx.faults.remove(decodeURIComponent(rawPath.slice('/_sim/faults/'.length)));
      json(res, 200, { removed: true });
    } else if (method === 'POST' && rawPath === '/_sim/clock/advance') {
      ctx.clock.advance(num(parseJson(body), 'ms'));
      json(res, 200, { now: ctx.clock.now() });
    } else if (method === 'POST' && rawPath === '/_sim/files') {
      const o = parseJson(body);
      const lastWritten = o.lastWritten === undefined ? undefined : num(o, 'lastWritten');
      ctx.world.addFile(str(o, 'instance'), str(o, 'name'), {
        size: num(o, 'size'),
        ...(lastWritten !== undefined ? { lastWritten } : {}),
        growing: o.growing === true,
      });
      json(res, 200, { added: true });
    } else if (method === 'POST' && rawPath === '/_sim/files/replace') {
      const o = parseJson(body);
      const size = o.size === undefined ? undefined : num(o, 'size');
      ctx.world.replaceContent(str(o, 'instance'), str(o, 'name'), size === undefined ? {} : { size });
      json(res, 200, { replaced: true });
    } else if (method === 'POST' && rawPath === '/_sim/rotate') {
      const o = parseJson(body);
      const file = o.file === undefined ? undefined : str(o, 'file');
      json(res, 200, { rotated: ctx.world.rotate(str(o, 'instance'), file) });
    } else if (method === 'DELETE' && rawPath === '/_sim/files') {
      const o = parseJson(body);
      ctx.world.removeFile(str(o, 'instance'), str(o, 'name'));
      json(res, 200, { removed: true });
    } else if (method === 'GET' && rawPath === '/_sim/sha256') {
      const instance = query.get('instance') ?? '';
      const name = query.get('name') ?? '';
      const size = query.get('size');
      const sha256 = await ctx.world.sha256(instance, name, size === null ? undefined : Number(size));
      json(res, 200, { sha256 });
    } else {
      json(res, 404, { error: `no control route ${method} ${rawPath}` });
    }
  } catch (err) {
    json(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
}
