import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogFileDownloader,
  type LogFileDownloader,
  type LogFileDownloaderOptions,
  type PathChoiceEvent,
} from '../../core/rds/download.js';
import {
  DownloadAbortedError,
  DownloadError,
  DownloadRefusedError,
  DownloadServerError,
  DownloadThrottledError,
  LogFileNotFoundError,
} from '../../core/rds/download-errors.js';
import {
  DEFAULT_SIM_CREDENTIALS,
  type Fault,
  parseFaultSpec,
  type RdsSimulator,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';

const SESSION = { accessKeyId: 'ASIALOCALSIM', secretAccessKey: 'session-secret', sessionToken: 'token-123' };
const FILE = 'audit/audit.log.0.2026-03-01-00-00.1';
const SIZE = 300_000;

let sim: RdsSimulator;
let instance: string;
const downloaders: LogFileDownloader[] = [];

function downloader(options: Partial<LogFileDownloaderOptions> = {}): LogFileDownloader {
  const d = createLogFileDownloader({
    region: sim.region,
    endpoint: sim.url,
    credentials: DEFAULT_SIM_CREDENTIALS,
    ...options,
  });
  downloaders.push(d);
  return d;
}

/** Download requests the simulator served on each path since `before` (a `sim.stats()` snapshot). */
function statsDelta(before: Record<string, number>): { v19: number; v13: number } {
  const after = sim.stats();
  const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
  return { v19: delta('download.v19'), v13: delta('download.v13') };
}

async function sha256Of(body: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

beforeAll(async () => {
  sim = await startRdsSimulator({
    credentials: [DEFAULT_SIM_CREDENTIALS, SESSION],
    workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1 },
  });
  instance = sim.world.clusters()[0]!.instances[0]!;
  sim.world.addFile(instance, FILE, { size: SIZE });
});

afterEach(() => {
  sim.faults.clear();
  for (const d of downloaders.splice(0)) d.close();
});

afterAll(async () => {
  await sim?.stop();
});

describe('createLogFileDownloader', () => {
  it('downloads a whole simulated file, signed, under /v19/ and /v13/', async () => {
    const expected = await sim.world.sha256(instance, FILE);
    for (const pathVersion of ['v19', 'v13'] as const) {
      const download = await downloader({ pathVersion }).open({ instance, logFileName: FILE });
      expect(download.pathVersion).toBe(pathVersion);
      expect(download.decompressed).toBe(false);
      expect(await sha256Of(download.body)).toEqual({ sha256: expected, bytes: SIZE });
    }
  });

  it('uses /v19/ under auto when it works and remembers it', async () => {
    const chosen: PathChoiceEvent[] = [];
    const d = downloader({ onPathChosen: (e) => chosen.push(e) });
    expect(d.pathVersion).toBe('auto');
    await sha256Of((await d.open({ instance, logFileName: FILE })).body);
    expect(d.pathVersion).toBe('v19');
    expect(chosen).toEqual([{ version: 'v19', how: 'auto' }]);
  });

  it('falls back to /v13/ under auto when /v19/ is an unknown route, and remembers the choice', async () => {
    sim.faults.add({ kind: 'path-unavailable', version: 'v19' });
    const before = sim.stats();
    const chosen: PathChoiceEvent[] = [];
    const d = downloader({ onPathChosen: (e) => chosen.push(e) });
    const first = await d.open({ instance, logFileName: FILE });
    expect(first.pathVersion).toBe('v13');
    expect((await sha256Of(first.body)).bytes).toBe(SIZE);
    expect(chosen).toEqual([
      {
        version: 'v13',
        how: 'auto',
        fallbackFrom: {
          version: 'v19',
          status: 404,
          code: 'UnknownOperationException',
          message: '404 UnknownOperationException: Unknown operation: GET /v19/downloadCompleteLogFile',
        },
      },
    ]);
    const second = await d.open({ instance, logFileName: FILE });
    expect(second.pathVersion).toBe('v13');
    await sha256Of(second.body);
    // Three requests: v19 refused once, then v13 twice (the choice is remembered).
    const after = sim.stats();
    const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    expect(delta('download.v19')).toBe(1);
    expect(delta('download.v13')).toBe(2);
    expect(d.pathVersion).toBe('v13');
  });

  it('fails loudly when a forced path is an unknown route, or when both are', async () => {
    sim.faults.add({ kind: 'path-unavailable', version: 'v19' });
    const forced = await downloader({ pathVersion: 'v19' })
      .open({ instance, logFileName: FILE })
      .catch((e: unknown) => e);
    expect(forced).toBeInstanceOf(DownloadRefusedError);
    expect(forced).toMatchObject({ retryable: false, code: 'UnknownOperationException' });
    sim.faults.add({ kind: 'path-unavailable', version: 'v13' });
    const auto = downloader();
    const both = await auto.open({ instance, logFileName: FILE }).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(DownloadRefusedError);
    expect((both as Error).message).toMatch(/Both download paths/);
    expect(auto.pathVersion).toBe('auto');
  });

  it('signs with session-token credentials', async () => {
    const download = await downloader({ credentials: SESSION }).open({ instance, logFileName: FILE });
    expect((await sha256Of(download.body)).bytes).toBe(SIZE);
  });

  it('resolves credentials for every request (a provider, as they rotate)', async () => {
    let calls = 0;
    const d = downloader({
      credentials: async () => {
        calls += 1;
        return calls === 1 ? DEFAULT_SIM_CREDENTIALS : SESSION;
      },
    });
    await sha256Of((await d.open({ instance, logFileName: FILE })).body);
    await sha256Of((await d.open({ instance, logFileName: FILE })).body);
    expect(calls).toBe(2);
  });

  it('is refused with a wrong secret on both paths, with both answers and without leaking the secret', async () => {
    const secret = 'definitely-wrong-secret';
    const d = downloader({
      credentials: { accessKeyId: DEFAULT_SIM_CREDENTIALS.accessKeyId, secretAccessKey: secret },
    });
    const before = sim.stats();
    const error = await d.open({ instance, logFileName: FILE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadRefusedError);
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', retryable: false });
    expect((error as Error).message).toMatch(
      /\/v19\/ answered 403 SignatureDoesNotMatch.*\/v13\/ answered 403 SignatureDoesNotMatch/,
    );
    // Neither path proved itself: nothing is settled, the next download asks /v19/ again.
    expect(d.pathVersion).toBe('auto');
    expect(statsDelta(before)).toEqual({ v19: 1, v13: 1 });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Signature=|Authorization|Credential=/);
  });

  it('reports a missing file or instance as LogFileNotFoundError (not retryable)', async () => {
    const missing = await downloader()
      .open({ instance, logFileName: 'audit/audit.log.9.2026-01-01-00-00.1' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LogFileNotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'DBLogFileNotFoundFault', retryable: false });
    const noInstance = await downloader()
      .open({ instance: 'no-such-instance', logFileName: FILE })
      .catch((e: unknown) => e);
    expect(noInstance).toBeInstanceOf(LogFileNotFoundError);
    expect(noInstance).toMatchObject({ code: 'DBInstanceNotFound' });
  });

  it('classifies throttling and server errors as retryable', async () => {
    // A forced path: under auto a first /v19/ failure would be retried on /v13/ (tested below).
    sim.faults.add({ kind: 'throttle', target: 'download', times: 1 });
    const throttled = await downloader({ pathVersion: 'v19' })
      .open({ instance, logFileName: FILE })
      .catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(DownloadThrottledError);
    expect(throttled).toMatchObject({ status: 429, retryable: true });
    for (const status of [500, 503]) {
      sim.faults.add({ kind: 'server-error', status, target: 'download', times: 1 });
      const failed = await downloader({ pathVersion: 'v19' })
        .open({ instance, logFileName: FILE })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(DownloadServerError);
      expect(failed).toMatchObject({ status, retryable: true });
    }
  });

  it('errors the body with a retryable DownloadError when the connection resets mid-file', async () => {
    sim.faults.add({ kind: 'reset', afterBytes: 100_000, times: 1 });
    const download = await downloader().open({ instance, logFileName: FILE });
    const error = await sha256Of(download.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ name: 'DownloadConnectionError', retryable: true });
  });

  it('ends a truncated body cleanly: only the byte count can tell (checked by the transfer)', async () => {
    sim.faults.add({ kind: 'truncate', afterBytes: 1_000, times: 1 });
    const download = await downloader().open({ instance, logFileName: FILE });
    expect((await sha256Of(download.body)).bytes).toBe(1_000);
  });

  it('aborts a download in flight when the signal fires', async () => {
    // 300 KB at 20 KB/s: far from done when the first piece has arrived, and then the signal fires.
    sim.faults.add({ kind: 'slow', bytesPerSecond: 20_000, times: 1 });
    const controller = new AbortController();
    const download = await downloader().open({ instance, logFileName: FILE, signal: controller.signal });
    const error = await (async () => {
      for await (const _piece of download.body) controller.abort(new Error('lambda timeout'));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadAbortedError);
    const before = await downloader()
      .open({ instance, logFileName: FILE, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(before).toBeInstanceOf(DownloadAbortedError);
  });

  it('fails with a retryable connection error when nothing listens', async () => {
    const d = createLogFileDownloader({
      region: sim.region,
      endpoint: 'http://127.0.0.1:9',
      credentials: DEFAULT_SIM_CREDENTIALS,
    });
    downloaders.push(d);
    const error = await d.open({ instance, logFileName: FILE }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DownloadConnectionError', retryable: true });
  });

  it('never asks for gzip, and gunzips a body that arrives gzip-encoded anyway', async () => {
    const content = Buffer.from('a,b,c\n'.repeat(50_000));
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' });
      res.end(gzipSync(content));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const d = downloader({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: SESSION,
      });
      const download = await d.open({ instance, logFileName: FILE });
      expect(download.decompressed).toBe(true);
      expect(await sha256Of(download.body)).toEqual({
        sha256: createHash('sha256').update(content).digest('hex'),
        bytes: content.length,
      });
      expect(seen[0]?.['accept-encoding']).toBeUndefined();
      expect(seen[0]?.['x-amz-security-token']).toBe(SESSION.sessionToken);
      expect(seen[0]?.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ASIALOCALSIM\/\d{8}\/us-east-1\/rds\/aws4_request/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('auto: the first /v19/ answer', () => {
    // Every first answer that does not prove /v19/ is served sends the same request to /v13/. The
    // 403/400 ones carry codes the classifier calls caller faults: they fall back all the same.
    const answers: Array<[string, Fault, { status: number; code: string }]> = [
      [
        '404 UnknownOperationException',
        { kind: 'path-unavailable', version: 'v19' },
        { status: 404, code: 'UnknownOperationException' },
      ],
      [
        '404 without a not-found code',
        { kind: 'path-unavailable', version: 'v19', status: 404, code: 'NotFound' },
        { status: 404, code: 'NotFound' },
      ],
      [
        '403 AccessDenied',
        // As an operator writes it: `local fault 'path-unavailable:version=v19,status=403,code=AccessDenied'`.
        parseFaultSpec('path-unavailable:version=v19,status=403,code=AccessDenied'),
        { status: 403, code: 'AccessDenied' },
      ],
      [
        '400 InvalidParameterValue',
        { kind: 'path-unavailable', version: 'v19', status: 400, code: 'InvalidParameterValue' },
        { status: 400, code: 'InvalidParameterValue' },
      ],
      [
        '500 InternalFailure',
        { kind: 'server-error', status: 500, target: 'download', times: 1 },
        { status: 500, code: 'InternalFailure' },
      ],
      [
        '503 ServiceUnavailable',
        { kind: 'server-error', status: 503, target: 'download', times: 1 },
        { status: 503, code: 'ServiceUnavailable' },
      ],
      [
        '429 ThrottlingException',
        { kind: 'throttle', target: 'download', times: 1 },
        { status: 429, code: 'ThrottlingException' },
      ],
    ];

    it.each(answers)(
      '%s falls back to /v13/, logs the choice, and keeps /v13/',
      async (_name, fault, seen) => {
        sim.faults.add(fault);
        const chosen: PathChoiceEvent[] = [];
        const d = downloader({ onPathChosen: (e) => chosen.push(e) });
        const before = sim.stats();
        const first = await d.open({ instance, logFileName: FILE });
        expect(first.pathVersion).toBe('v13');
        expect(await sha256Of(first.body)).toEqual({
          sha256: await sim.world.sha256(instance, FILE),
          bytes: SIZE,
        });
        expect(chosen).toEqual([
          {
            version: 'v13',
            how: 'auto',
            fallbackFrom: {
              version: 'v19',
              ...seen,
              message: expect.stringMatching(new RegExp(`^${seen.status} ${seen.code}`)),
            },
          },
        ]);
        expect(statsDelta(before)).toEqual({ v19: 1, v13: 1 });
        sim.faults.clear();
        await sha256Of((await d.open({ instance, logFileName: FILE })).body);
        expect(statsDelta(before)).toEqual({ v19: 1, v13: 2 });
        expect(d.pathVersion).toBe('v13');
        expect(chosen).toHaveLength(1);
      },
    );

    it('DBLogFileNotFoundFault (or DBInstanceNotFound) on /v19/ does not fall back: it settles /v19/', async () => {
      for (const request of [
        { instance, logFileName: 'audit/audit.log.9.2026-01-01-00-00.1', code: 'DBLogFileNotFoundFault' },
        { instance: 'no-such-instance', logFileName: FILE, code: 'DBInstanceNotFound' },
      ]) {
        const chosen: PathChoiceEvent[] = [];
        const d = downloader({ onPathChosen: (e) => chosen.push(e) });
        const before = sim.stats();
        const error = await d.open(request).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LogFileNotFoundError);
        expect(error).toMatchObject({ status: 404, code: request.code });
        expect(statsDelta(before)).toEqual({ v19: 1, v13: 0 });
        expect(d.pathVersion).toBe('v19');
        expect(chosen).toEqual([{ version: 'v19', how: 'auto' }]);
      }
    });

    it('fails retryably with both answers when /v13/ fails too, and asks /v19/ again next time', async () => {
      sim.faults.add({ kind: 'server-error', status: 503, target: 'download', times: 2 });
      const d = downloader();
      const before = sim.stats();
      const error = await d.open({ instance, logFileName: FILE }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadServerError);
      expect(error).toMatchObject({ status: 503, retryable: true });
      expect((error as Error).message).toMatch(
        /\/v19\/ answered 503 ServiceUnavailable.*\/v13\/ answered 503/,
      );
      expect(d.pathVersion).toBe('auto');
      await sha256Of((await d.open({ instance, logFileName: FILE })).body);
      expect(d.pathVersion).toBe('v19');
      expect(statsDelta(before)).toEqual({ v19: 2, v13: 1 });
    });

    it('a connection failure is no answer: nothing settles and /v13/ is not tried', async () => {
      sim.faults.add({ kind: 'reset', afterBytes: 0, times: 1 });
      const d = downloader();
      const download = await d.open({ instance, logFileName: FILE });
      // The reset comes after the headers: /v19/ answered 200, so it is settled; the body fails.
      expect(d.pathVersion).toBe('v19');
      await expect(sha256Of(download.body)).rejects.toMatchObject({ name: 'DownloadConnectionError' });
      const nothing = createLogFileDownloader({
        region: sim.region,
        endpoint: 'http://127.0.0.1:9',
        credentials: DEFAULT_SIM_CREDENTIALS,
      });
      downloaders.push(nothing);
      await expect(nothing.open({ instance, logFileName: FILE })).rejects.toMatchObject({
        name: 'DownloadConnectionError',
      });
      expect(nothing.pathVersion).toBe('auto');
    });
  });

  it('a forced path is used alone and announced once as configured', async () => {
    sim.faults.add({ kind: 'server-error', status: 500, target: 'download', times: 1 });
    const chosen: PathChoiceEvent[] = [];
    const d = downloader({ pathVersion: 'v19', onPathChosen: (e) => chosen.push(e) });
    const before = sim.stats();
    await expect(d.open({ instance, logFileName: FILE })).rejects.toBeInstanceOf(DownloadServerError);
    await sha256Of((await d.open({ instance, logFileName: FILE })).body);
    await sha256Of((await d.open({ instance, logFileName: FILE })).body);
    expect(statsDelta(before)).toEqual({ v19: 3, v13: 0 });
    expect(chosen).toEqual([{ version: 'v19', how: 'configured' }]);
  });
});
