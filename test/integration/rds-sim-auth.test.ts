import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeDBLogFilesCommand } from '@aws-sdk/client-rds';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SIM_CREDENTIALS,
  type RdsSimulator,
  type SimCredentials,
  startRdsSimulator,
} from '../../local/rds-sim/index.js';
import { collect, drainBody, signedDownload, simRdsClient } from '../support/sim-client.js';

const INSTANCE = 'aurora-audit-1-instance-1';
const TEMP: SimCredentials = {
  accessKeyId: 'ASIALOCALTEMP',
  secretAccessKey: 'temp-secret',
  sessionToken: 'token-123',
};
const ODD_NAME = 'audit/odd name+(1)~&=.log';

function errorCode(xml: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
}

describe('RDS simulator SigV4 verification', () => {
  let sim: RdsSimulator;
  let file: string;

  beforeAll(async () => {
    sim = await startRdsSimulator({
      credentials: [DEFAULT_SIM_CREDENTIALS, TEMP],
      workload: { clusters: 1 },
    });
    sim.world.addFile(INSTANCE, ODD_NAME, { size: 5000 });
    file = sim.world.listFiles(INSTANCE).find((f) => f.name.startsWith('audit/'))!.name;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('accepts the RDS client with long-term and with session-token credentials', async () => {
    for (const credentials of [DEFAULT_SIM_CREDENTIALS, TEMP]) {
      const rds = simRdsClient(sim, { credentials });
      const out = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE }));
      expect(out.DescribeDBLogFiles?.length).toBeGreaterThan(0);
      rds.destroy();
    }
  });

  it('accepts a download signed with @smithy/signature-v4, on v13 and v19, with and without a token', async () => {
    const expected = await sim.world.sha256(INSTANCE, file);
    for (const [version, credentials] of [
      ['v13', DEFAULT_SIM_CREDENTIALS],
      ['v19', TEMP],
    ] as const) {
      const res = await signedDownload(sim, INSTANCE, file, { version, credentials });
      expect(res.status).toBe(200);
      expect((await drainBody(res)).sha256).toBe(expected);
    }
  });

  it('verifies the doubly-encoded canonical path of a file name with reserved characters', async () => {
    const res = await signedDownload(sim, INSTANCE, ODD_NAME);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(await collect(sim.world.read(INSTANCE, ODD_NAME)));
  });

  it('refuses a signer that encodes the path only once (SigV4 wants it twice for rds)', async () => {
    const url = new URL(sim.url);
    const signer = new SignatureV4({
      credentials: DEFAULT_SIM_CREDENTIALS,
      region: sim.region,
      service: 'rds',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const path = `/v13/downloadCompleteLogFile/${INSTANCE}/audit/odd%20name%2B(1)~%26%3D.log`;
    const signed = await signer.sign(
      new HttpRequest({
        method: 'GET',
        hostname: url.hostname,
        port: Number(url.port),
        path,
        headers: { host: url.host },
      }),
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    const res = await fetch(`${sim.url}${path}`, { headers });
    expect(res.status).toBe(403);
    expect(errorCode(await res.text())).toBe('SignatureDoesNotMatch');
  });

  const refusals: Array<[string, () => Promise<Response>, string]> = [
    [
      'a wrong secret',
      () =>
        signedDownload(sim, INSTANCE, file, {
          credentials: { ...DEFAULT_SIM_CREDENTIALS, secretAccessKey: 'wrong' },
        }),
      'SignatureDoesNotMatch',
    ],
    [
      'an unknown access key',
      () =>
        signedDownload(sim, INSTANCE, file, {
          credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' },
        }),
      'InvalidClientTokenId',
    ],
    [
      'a wrong region',
      () => signedDownload(sim, INSTANCE, file, { region: 'eu-west-1' }),
      'SignatureDoesNotMatch',
    ],
    [
      'a wrong service',
      () => signedDownload(sim, INSTANCE, file, { service: 'ec2' }),
      'SignatureDoesNotMatch',
    ],
    [
      'an unsigned request',
      () => fetch(`${sim.url}/v13/downloadCompleteLogFile/${INSTANCE}/${file}`),
      'MissingAuthenticationToken',
    ],
    [
      'a tampered path',
      () =>
        signedDownload(sim, INSTANCE, file, {
          tamper: (r) => {
            r.path = r.path.replace('audit.log.0', 'audit.log.1');
          },
        }),
      'SignatureDoesNotMatch',
    ],
    [
      'a tampered signed header',
      () =>
        signedDownload(sim, INSTANCE, file, {
          tamper: (r) => {
            const date = r.headers['x-amz-date']!;
            r.headers['x-amz-date'] = date.replace(/(\d)Z$/, (_, d: string) => `${(Number(d) + 1) % 10}Z`);
            expect(r.headers['x-amz-date']).not.toBe(date);
          },
        }),
      'SignatureDoesNotMatch',
    ],
    [
      'a missing session token',
      () =>
        signedDownload(sim, INSTANCE, file, {
          credentials: { accessKeyId: TEMP.accessKeyId, secretAccessKey: TEMP.secretAccessKey },
        }),
      'InvalidClientTokenId',
    ],
    [
      'a wrong session token',
      () => signedDownload(sim, INSTANCE, file, { credentials: { ...TEMP, sessionToken: 'other' } }),
      'InvalidClientTokenId',
    ],
    [
      'a date skewed by ten minutes',
      () => signedDownload(sim, INSTANCE, file, { signingDate: new Date(Date.now() - 10 * 60_000) }),
      'RequestTimeTooSkewed',
    ],
    [
      'a malformed Authorization header',
      () =>
        signedDownload(sim, INSTANCE, file, {
          tamper: (r) => {
            r.headers.authorization = r.headers.authorization!.replace(/, Signature=.*$/, '');
          },
        }),
      'IncompleteSignature',
    ],
  ];

  for (const [what, send, code] of refusals) {
    it(`refuses ${what} with 403 ${code}`, async () => {
      const res = await send();
      expect(res.status).toBe(403);
      expect(errorCode(await res.text())).toBe(code);
    });
  }

  it('refuses the RDS client signing for another region, or with a wrong secret', async () => {
    const wrongRegion = simRdsClient(sim, { region: 'eu-west-1' });
    await expect(
      wrongRegion.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE })),
    ).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    wrongRegion.destroy();
    const wrongSecret = simRdsClient(sim, {
      credentials: { ...DEFAULT_SIM_CREDENTIALS, secretAccessKey: 'nope' },
    });
    await expect(
      wrongSecret.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: INSTANCE })),
    ).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
    wrongSecret.destroy();
  });

  it('refuses an unsigned Query request and a body changed after signing', async () => {
    const plain = await fetch(`${sim.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=DescribeDBLogFiles&Version=2014-10-31&DBInstanceIdentifier=${INSTANCE}`,
    });
    expect(plain.status).toBe(403);
    expect(errorCode(await plain.text())).toBe('MissingAuthenticationToken');

    const url = new URL(sim.url);
    const body = `Action=DescribeDBLogFiles&Version=2014-10-31&DBInstanceIdentifier=${INSTANCE}`;
    const signed = await new SignatureV4({
      credentials: DEFAULT_SIM_CREDENTIALS,
      region: sim.region,
      service: 'rds',
      sha256: Sha256,
      applyChecksum: false,
    }).sign(
      new HttpRequest({
        method: 'POST',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    const ok = await fetch(`${sim.url}/`, { method: 'POST', headers, body });
    expect(ok.status).toBe(200);
    const tampered = await fetch(`${sim.url}/`, {
      method: 'POST',
      headers,
      body: body.replace('instance-1', 'instance-2'),
    });
    expect(tampered.status).toBe(403);
    expect(errorCode(await tampered.text())).toBe('SignatureDoesNotMatch');
  });

  it('counts refused requests', () => {
    expect(sim.stats().AuthFailure).toBeGreaterThanOrEqual(refusals.length);
  });
});
