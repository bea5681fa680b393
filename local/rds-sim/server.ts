import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock } from './clock.js';
import { handleControl } from './control-plane.js';
import { parseDownloadPath, planDownload, sendDownload } from './download.js';
import { AwsErrorAnswer, serverErrorAnswer } from './errors.js';
import { createFaultRegistry } from './faults.js';
import { handleQuery, isKnownAction } from './query-api.js';
import { verifySigV4 } from './sigv4.js';
import type { RdsSimulator, RdsSimulatorOptions, SimCredentials } from './types.js';
import { resolveWorkload } from './workload.js';
import { createWorld, UnknownInstanceError } from './world.js';
import { errorResponse } from './xml.js';

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

function sendError(res: ServerResponse, err: AwsErrorAnswer, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorResponse(err.type, err.code, err.message, requestId);
  res.writeHead(err.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/**
 * Starts the RDS simulator: the RDS Query API (DescribeDBClusters, DescribeDBInstances,
 * DescribeDBLogFiles) and the signed whole-file download, both behind SigV4 verification, plus the
 * unsigned `/_sim/` control plane. Binds to 127.0.0.1 on a free port unless told otherwise.
 */
export async function startRdsSimulator(opts: RdsSimulatorOptions = {}): Promise<RdsSimulator> {
  const region = opts.region ?? 'us-east-1';
  const credentials = opts.credentials ?? [DEFAULT_SIM_CREDENTIALS];
  const clock = opts.clock ?? realClock();
  const maxSkewMs = opts.maxClockSkewMs ?? 5 * 60_000;
  const world = createWorld(resolveWorkload(opts.workload), clock);
  const faults = createFaultRegistry(opts.faults);
  const counters: Record<string, number> = {};
  const count = (key: string, by = 1) => {
    counters[key] = (counters[key] ?? 0) + by;
  };
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const method = req.method ?? 'GET';
    try {
      const body = await readBody(req);
      if (rawPath.startsWith('/_sim/')) {
        await handleControl(req, res, rawPath, new URLSearchParams(rawQuery), body, {
          url: () => url,
          region,
          clock,
          world,
          faults,
          stats: () => ({ ...counters }),
        });
        return;
      }
      const download = method === 'GET' ? parseDownloadPath(rawPath) : undefined;
      const isQuery = rawPath === '/' && (method === 'POST' || method === 'GET');
      const params = isQuery
        ? new URLSearchParams(method === 'POST' ? body.toString('utf8') : rawQuery)
        : undefined;
      const action = params?.get('Action') ?? '';
      if (download) {
        count('download');
        count(`download.${download.version}`);
      } else if (isQuery) {
        count(isKnownAction(action) ? action : 'UnknownAction');
      } else {
        count('UnknownRoute');
      }

      try {
        verifySigV4(
          {
            method,
            rawPath,
            rawQuery,
            headers: req.headers,
            bodySha256: createHash('sha256').update(body).digest('hex'),
          },
          { region, service: 'rds', credentials, nowMs: Date.now(), maxSkewMs },
        );
      } catch (err) {
        count('AuthFailure');
        throw err;
      }

      if (download) {
        const ctx = { world, faults, clock, count };
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
      const xml = handleQuery(params, { world, region, requestId, emptyListing });
      res.writeHead(200, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      res.end(xml);
    } catch (err) {
      if (err instanceof AwsErrorAnswer) {
        sendError(res, err, requestId);
      } else if (err instanceof UnknownInstanceError) {
        sendError(res, new AwsErrorAnswer(404, 'DBInstanceNotFound', err.message), requestId);
      } else {
        count('InternalError');
        sendError(
          res,
          new AwsErrorAnswer(500, 'InternalFailure', err instanceof Error ? err.message : String(err)),
          requestId,
        );
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Idle keep-alive connections are closed by the client, never by the simulator. With Node's
  // default (close after 5 s idle) the server can close a socket at the moment a client sends its
  // next request on it, and that request fails with ECONNRESET; on a loaded machine, where timers
  // fire late, that happens often enough to fail a good run. Clients' pools close idle sockets
  // themselves (fetch after a few seconds; SDK and downloader agents when destroyed), and `stop`
  // closes whatever is left.
  server.keepAliveTimeout = 0;
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
    world,
    faults,
    stats: () => ({ ...counters }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
