import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrincipals } from './accounts.js';
import { realClock } from './clock.js';
import { handleControl } from './control-plane.js';
import { parseDownloadPath, planDownload, sendDownload } from './download.js';
import { AwsErrorAnswer, serverErrorAnswer } from './errors.js';
import { createFaultRegistry } from './faults.js';
import { createFleet, type SimSite } from './fleet.js';
import { handleQuery, isKnownAction } from './query-api.js';
import { credentialScope, verifySigV4 } from './sigv4.js';
import { createSts } from './sts.js';
import type { RdsSimulator, RdsSimulatorOptions, SimCredentials } from './types.js';
import { UnknownInstanceError } from './world.js';
import { errorResponse, RDS_XMLNS, STS_XMLNS } from './xml.js';

/** The access key the simulator accepts unless told otherwise. */
export const DEFAULT_SIM_CREDENTIALS: SimCredentials = {
  accessKeyId: 'AKIDLOCALSIM',
  secretAccessKey: 'local-sim-secret',
};

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AwsErrorAnswer(413, 'RequestEntityTooLarge', 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendError(res: ServerResponse, err: AwsErrorAnswer, requestId: string, xmlns: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorResponse(err.type, err.code, err.message, requestId, xmlns);
  res.writeHead(err.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/** Query actions that belong to STS (a request without a credential scope is routed by these). */
const STS_ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);

/** STS's global endpoint signs for us-east-1 (STS User Guide, "Managing AWS STS in an AWS Region"). */
const STS_GLOBAL_REGION = 'us-east-1';

/**
 * Starts the RDS simulator: the RDS Query API (DescribeDBClusters, DescribeDBInstances,
 * DescribeDBLogFiles, DownloadDBLogFilePortion, DescribeEvents) and the signed whole-file download
 * for every account and Region of the fleet, STS (AssumeRole, GetCallerIdentity) on the same
 * endpoint, all behind SigV4 verification, plus the unsigned `/_sim/` control plane. Binds to
 * 127.0.0.1 on a free port unless told otherwise.
 */
export async function startRdsSimulator(opts: RdsSimulatorOptions = {}): Promise<RdsSimulator> {
  const credentials = opts.credentials ?? [DEFAULT_SIM_CREDENTIALS];
  const clock = opts.clock ?? realClock();
  const maxSkewMs = opts.maxClockSkewMs ?? 5 * 60_000;
  const fleet = createFleet({
    fleet: {
      ...(opts.accounts === undefined ? {} : { accounts: opts.accounts }),
      ...(opts.regions === undefined ? {} : { regions: opts.regions }),
    },
    region: opts.region ?? 'us-east-1',
    hubCredentials: credentials,
    ...(opts.workload === undefined ? {} : { workload: opts.workload }),
    ...(opts.budget === undefined ? {} : { budget: opts.budget }),
    clock,
  });
  const region = fleet.regions[0] as string;
  const hubSite = fleet.site(fleet.hub.id, region) as SimSite;
  const principals = createPrincipals(fleet.accounts);
  const sts = createSts(fleet.accounts, principals, clock, opts.sts);
  const faults = createFaultRegistry(opts.faults);
  const counters: Record<string, number> = {};
  const count = (key: string, by = 1) => {
    counters[key] = (counters[key] ?? 0) + by;
  };
  const stats = () => {
    const out = { ...counters };
    for (const site of fleet.sites()) {
      out[`requests.${site.account.id}.${site.region}`] = site.counts.requests;
      out[`throttled.${site.account.id}.${site.region}`] = site.counts.throttled;
    }
    return out;
  };
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const method = req.method ?? 'GET';
    let xmlns = RDS_XMLNS;
    try {
      const body = await readBody(req);
      if (rawPath.startsWith('/_sim/')) {
        await handleControl(req, res, rawPath, new URLSearchParams(rawQuery), body, {
          url: () => url,
          region,
          clock,
          world: hubSite.world,
          fleet,
          sts,
          faults,
          stats,
        });
        return;
      }
      const download = method === 'GET' ? parseDownloadPath(rawPath) : undefined;
      const isQuery = rawPath === '/' && (method === 'POST' || method === 'GET');
      const params = isQuery
        ? new URLSearchParams(method === 'POST' ? body.toString('utf8') : rawQuery)
        : undefined;
      const action = params?.get('Action') ?? '';
      const scope = credentialScope(req.headers);
      const isSts = isQuery && (scope !== undefined ? scope.service === 'sts' : STS_ACTIONS.has(action));
      if (isSts) {
        xmlns = STS_XMLNS;
        count(`sts.${STS_ACTIONS.has(action) ? action : 'UnknownAction'}`);
      } else if (download) {
        count('download');
        count(`download.${download.version}`);
      } else if (isQuery) {
        count(isKnownAction(action) ? action : 'UnknownAction');
      } else {
        count('UnknownRoute');
      }

      // The account comes from the access key; the Region from the credential scope.
      const principal = scope === undefined ? undefined : principals.resolve(scope.accessKeyId);
      try {
        verifySigV4(
          {
            method,
            rawPath,
            rawQuery,
            headers: req.headers,
            bodySha256: createHash('sha256').update(body).digest('hex'),
          },
          {
            region: isSts ? [...new Set([...fleet.regions, STS_GLOBAL_REGION])] : fleet.regions,
            service: isSts ? 'sts' : 'rds',
            credentials: principal === undefined ? [] : [principal.credentials],
            nowMs: Date.now(),
            maxSkewMs,
          },
        );
        // Temporary credentials expire on the simulator's clock (the clock STS issued them on). RDS
        // answers 403 `ExpiredToken` "The security token included in the request is expired"
        // (aws-controllers-k8s/community#2435, DescribeDBClusters), as the Query services do.
        if (principal?.expiresAt !== undefined && clock.now() >= principal.expiresAt) {
          throw new AwsErrorAnswer(
            403,
            'ExpiredToken',
            'The security token included in the request is expired',
          );
        }
      } catch (err) {
        count('AuthFailure');
        throw err;
      }
      // Verified: both are known now.
      const caller = principal as NonNullable<typeof principal>;
      const callerRegion = (scope as NonNullable<typeof scope>).region;

      if (isSts) {
        const xml = sts.handle(params as URLSearchParams, caller, requestId);
        res.writeHead(200, {
          'content-type': 'text/xml',
          'content-length': Buffer.byteLength(xml),
          'x-amzn-requestid': requestId,
        });
        res.end(xml);
        return;
      }

      const site = fleet.site(caller.account, callerRegion);
      if (!site) throw new AwsErrorAnswer(500, 'InternalFailure', 'no fleet for this account and Region');
      site.counts.requests += 1;
      const metered = isQuery || (download !== undefined && site.budget?.limits.countDownloads === true);
      if (metered && site.budget !== undefined && !site.budget.take()) {
        site.counts.throttled += 1;
        count('Throttling');
        // The download is a REST call, not a Query one: it answers as the `throttle` fault does.
        throw download
          ? new AwsErrorAnswer(429, 'ThrottlingException', 'Rate exceeded')
          : new AwsErrorAnswer(400, 'Throttling', 'Rate exceeded');
      }

      if (download) {
        const ctx = { world: site.world, faults, clock, count, deletions: site.deletions };
        const plan = planDownload(download, ctx);
        await sendDownload(download, plan, ctx, res, requestId);
        return;
      }
      if (!params) {
        throw new AwsErrorAnswer(404, 'UnknownOperationException', `Unknown operation: ${method} ${rawPath}`);
      }
      const apiTarget = {
        target: 'api' as const,
        action,
        instance: params.get('DBInstanceIdentifier') ?? undefined,
      };
      const [failure] = faults.take(apiTarget, ['throttle', 'server-error']);
      if (failure?.kind === 'throttle') throw new AwsErrorAnswer(400, 'Throttling', 'Rate exceeded');
      if (failure?.kind === 'server-error') throw serverErrorAnswer(failure.status);
      const emptyListing =
        action === 'DescribeDBLogFiles' && faults.take(apiTarget, ['empty-listing']).length > 0;
      const xml = handleQuery(params, {
        world: site.world,
        region: site.region,
        account: site.account.id,
        requestId,
        emptyListing,
        now: clock.now(),
        events: (instance) => {
          site.deletions.sweep(instance);
          return site.events.list(clock.now());
        },
      });
      res.writeHead(200, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      res.end(xml);
    } catch (err) {
      if (err instanceof AwsErrorAnswer) {
        sendError(res, err, requestId, xmlns);
      } else if (err instanceof UnknownInstanceError) {
        sendError(res, new AwsErrorAnswer(404, 'DBInstanceNotFound', err.message), requestId, xmlns);
      } else {
        count('InternalError');
        sendError(
          res,
          new AwsErrorAnswer(500, 'InternalFailure', err instanceof Error ? err.message : String(err)),
          requestId,
          xmlns,
        );
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // AWS endpoints keep idle connections open far longer than Node's 5 s default. With 5 s, a client
  // reusing a pooled connection can race the server closing it (ECONNRESET), most of all on a
  // loaded machine where timers run late.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    region,
    credentials,
    clock,
    world: hubSite.world,
    fleet,
    sts,
    faults,
    stats,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
