import type { IncomingMessage, ServerResponse } from 'node:http';
import { RdsSimError } from './errors.js';
import { EVENT_KINDS } from './events.js';
import { type FaultRegistry, parseFaultSpec } from './faults.js';
import { instanceArn, type SimFleet, type SimSite } from './fleet.js';
import type { SimSts } from './sts.js';
import type { Fault, SimClock } from './types.js';
import type { SimWorldInternal } from './world.js';

/** What the unsigned `/_sim/` control plane can see and change. */
export interface ControlContext {
  url: () => string;
  region: string;
  clock: SimClock;
  /** The hub account's world in the first Region. */
  world: SimWorldInternal;
  fleet: SimFleet;
  sts: SimSts;
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
 * The account and Region a control request is about: `account` / `region` in the JSON body or the
 * query string, by default the hub account's first Region (all a one-account simulator has).
 */
function siteOf(ctx: ControlContext, query: URLSearchParams, o: Record<string, unknown> = {}): SimSite {
  const pick = (key: string) => {
    const v = o[key] ?? query.get(key) ?? undefined;
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw new RdsSimError(`"${key}" must be a non-empty string`);
    return v;
  };
  const account = pick('account') ?? ctx.fleet.hub.id;
  const region = pick('region') ?? ctx.region;
  const site = ctx.fleet.site(account, region);
  if (!site) {
    throw new RdsSimError(
      `no fleet for account ${account} in ${region} (accounts ${ctx.fleet.accounts.map((a) => a.id).join(', ')}; Regions ${ctx.fleet.regions.join(', ')})`,
    );
  }
  return site;
}

/** The organisation as `local up` and tests see it: accounts, roles, Regions, budgets. */
function fleetState(ctx: ControlContext) {
  const roles = new Map(ctx.sts.roles().map((r) => [r.arn, r]));
  return {
    hubAccount: ctx.fleet.hub.id,
    regions: ctx.fleet.regions,
    accounts: ctx.fleet.accounts.map((a) => ({
      id: a.id,
      hub: a.hub,
      ...(a.role === undefined
        ? {}
        : {
            roleArn: a.role.arn,
            externalId: a.role.externalId,
            trustedAccounts: a.role.trustedAccounts,
            roleExists: roles.has(a.role.arn),
          }),
    })),
    sites: ctx.fleet.sites().map((s) => ({
      account: s.account.id,
      region: s.region,
      clusters: s.world.clusters().map((c) => c.id),
      instances: s.world.instances().length,
      requests: s.counts.requests,
      throttled: s.counts.throttled,
      ...(s.budget === undefined
        ? {}
        : { budget: { ...s.budget.limits, tokens: Math.floor(s.budget.tokens() * 1000) / 1000 } }),
    })),
  };
}

/**
 * The simulator's control plane, for tests and the CLI (loopback only, unsigned). Every route that
 * touches files or events takes `account` and `region` (JSON body or query), default the hub's
 * first Region:
 * `GET /_sim/state`, `POST|DELETE /_sim/faults[/<id>]`, `POST /_sim/clock/advance`,
 * `POST|DELETE /_sim/files`, `POST /_sim/files/replace` ({instance, name, size?}: the name gets
 * other content), `POST /_sim/rotate` ({instance, file?}: rotate now, as the engine would),
 * `GET /_sim/sha256?instance=&name=[&size=]`,
 * `GET /_sim/events` (the events with their RDS-EVENT ids, and every log deletion found),
 * `POST /_sim/storage-pressure` ({instance, files?}: delete the oldest files now, as low storage
 * does), `POST /_sim/events/backup` ({instance}: a backup's two events),
 * `POST|DELETE /_sim/roles` ({account}: put back / take away its role),
 * `POST /_sim/sts` ({maxCredentialLifetimeMs}: cap, or with null uncap, credential lifetimes),
 * `POST /_sim/budget/reset` (refill one account-Region's bucket).
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
      const site = siteOf(ctx, query);
      const clusters = site.world.clusters();
      const instances = site.world.instances();
      json(res, 200, {
        url: ctx.url(),
        region: site.region,
        account: site.account.id,
        now: ctx.clock.now(),
        clusters,
        instances,
        files: Object.fromEntries(instances.map((i) => [i.id, site.world.listFiles(i.id)])),
        faults: ctx.faults.entries(),
        stats: ctx.stats(),
        fleet: fleetState(ctx),
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
      siteOf(ctx, query, o).world.addFile(str(o, 'instance'), str(o, 'name'), {
        size: num(o, 'size'),
        ...(lastWritten !== undefined ? { lastWritten } : {}),
        growing: o.growing === true,
      });
      json(res, 200, { added: true });
    } else if (method === 'POST' && rawPath === '/_sim/files/replace') {
      const o = parseJson(body);
      const size = o.size === undefined ? undefined : num(o, 'size');
      siteOf(ctx, query, o).world.replaceContent(
        str(o, 'instance'),
        str(o, 'name'),
        size === undefined ? {} : { size },
      );
      json(res, 200, { replaced: true });
    } else if (method === 'POST' && rawPath === '/_sim/rotate') {
      const o = parseJson(body);
      const file = o.file === undefined ? undefined : str(o, 'file');
      json(res, 200, { rotated: siteOf(ctx, query, o).world.rotate(str(o, 'instance'), file) });
    } else if (method === 'DELETE' && rawPath === '/_sim/files') {
      const o = parseJson(body);
      const site = siteOf(ctx, query, o);
      const instance = str(o, 'instance');
      // Deletions before this one are found first, so the removal cannot hide one of them.
      site.deletions.sweep(instance);
      site.world.removeFile(instance, str(o, 'name'));
      json(res, 200, { removed: true });
    } else if (method === 'GET' && rawPath === '/_sim/sha256') {
      const instance = query.get('instance') ?? '';
      const name = query.get('name') ?? '';
      const size = query.get('size');
      const sha256 = await siteOf(ctx, query).world.sha256(
        instance,
        name,
        size === null ? undefined : Number(size),
      );
      json(res, 200, { sha256 });
    } else if (method === 'GET' && rawPath === '/_sim/events') {
      const site = siteOf(ctx, query);
      site.deletions.sweep();
      json(res, 200, {
        account: site.account.id,
        region: site.region,
        events: site.events.list(ctx.clock.now()),
        deletions: site.deletions.deletions(),
      });
    } else if (method === 'POST' && rawPath === '/_sim/storage-pressure') {
      const o = parseJson(body);
      const files = o.files === undefined ? 1 : num(o, 'files');
      if (!Number.isInteger(files) || files < 1) throw new RdsSimError('"files" must be an integer >= 1');
      const site = siteOf(ctx, query, o);
      const instance = str(o, 'instance');
      if (!site.world.hasInstance(instance)) throw new RdsSimError(`no DB instance ${instance}`);
      json(res, 200, { deleted: site.deletions.storagePressure(instance, files) });
    } else if (method === 'POST' && rawPath === '/_sim/events/backup') {
      const o = parseJson(body);
      const site = siteOf(ctx, query, o);
      const instance = str(o, 'instance');
      if (!site.world.hasInstance(instance)) throw new RdsSimError(`no DB instance ${instance}`);
      const now = ctx.clock.now();
      for (const kind of [EVENT_KINDS.backupStarted, EVENT_KINDS.backupFinished]) {
        site.events.add({
          eventId: kind.id,
          sourceType: 'db-instance',
          sourceIdentifier: instance,
          sourceArn: instanceArn(site.region, site.account.id, instance),
          message: kind.message(),
          categories: [...kind.categories],
          date: now,
        });
      }
      json(res, 200, { added: 2 });
    } else if ((method === 'POST' || method === 'DELETE') && rawPath === '/_sim/roles') {
      const account = ctx.fleet.accounts.find((a) => a.id === str(parseJson(body), 'account'));
      if (account?.role === undefined) throw new RdsSimError('that account has no role (the hub has none)');
      const changed =
        method === 'DELETE' ? ctx.sts.removeRole(account.role.arn) : ctx.sts.restoreRole(account.role.arn);
      json(res, 200, { roleArn: account.role.arn, changed });
    } else if (method === 'POST' && rawPath === '/_sim/sts') {
      const o = parseJson(body);
      const cap = o.maxCredentialLifetimeMs === null ? undefined : num(o, 'maxCredentialLifetimeMs');
      if (cap !== undefined && cap < 1) throw new RdsSimError('"maxCredentialLifetimeMs" must be >= 1');
      ctx.sts.setMaxCredentialLifetimeMs(cap);
      json(res, 200, { maxCredentialLifetimeMs: cap ?? null });
    } else if (method === 'POST' && rawPath === '/_sim/budget/reset') {
      const site = siteOf(ctx, query, parseJson(body));
      site.budget?.reset();
      json(res, 200, { reset: site.budget !== undefined });
    } else {
      json(res, 404, { error: `no control route ${method} ${rawPath}` });
    }
  } catch (err) {
    json(res, 400, { error: err instanceof Error ? err.message : String(err) });
  }
}
