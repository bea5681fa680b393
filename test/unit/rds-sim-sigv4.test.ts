import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { AwsErrorAnswer } from '../../local/rds-sim/errors.js';
import { canonicalQuery, canonicalUri, verifySigV4 } from '../../local/rds-sim/sigv4.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

async function sign(path: string, query: Record<string, string> = {}) {
  const signer = new SignatureV4({ credentials: CREDS, region: 'us-east-1', service: 'rds', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: 'GET', hostname: 'rds.local', path, query, headers: { host: 'rds.local' } }),
    { signingDate: new Date(NOW) },
  );
  return signed.headers as Record<string, string>;
}

const verify = (rawPath: string, rawQuery: string, headers: Record<string, string>) =>
  verifySigV4(
    {
      method: 'GET',
      rawPath,
      rawQuery,
      headers,
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
    { region: 'us-east-1', service: 'rds', credentials: [CREDS], nowMs: NOW, maxSkewMs: 300_000 },
  );

describe('SigV4 canonical forms', () => {
  it('encodes the already-encoded path a second time, keeping slashes', () => {
    expect(canonicalUri('/v13/downloadCompleteLogFile/db-1/audit/a%20b+c(1).log')).toBe(
      '/v13/downloadCompleteLogFile/db-1/audit/a%2520b%2Bc%281%29.log',
    );
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/')).toBe('/');
  });

  it('sorts and re-encodes the query', () => {
    expect(canonicalQuery('b=2&a=x%20y&a=1&c')).toBe('a=1&a=x%20y&b=2&c=');
  });
});

describe('verifySigV4', () => {
  it('accepts what @smithy/signature-v4 signs, including odd characters in path and query', async () => {
    const path = '/v13/downloadCompleteLogFile/db-1/audit/a%20b%2Bc(1).log';
    const headers = await sign(path, { 'x y': 'p/q', a: '1' });
    expect(verify(path, 'x%20y=p%2Fq&a=1', headers)).toEqual(CREDS);
  });

  it('refuses a changed query or path with SignatureDoesNotMatch', async () => {
    const path = '/v13/downloadCompleteLogFile/db-1/audit/x';
    const headers = await sign(path, { a: '1' });
    for (const [p, q] of [
      [path, 'a=2'],
      [`${path}y`, 'a=1'],
    ] as const) {
      expect(() => verify(p, q, headers)).toThrow(
        expect.objectContaining({ code: 'SignatureDoesNotMatch', status: 403 }) as unknown as AwsErrorAnswer,
      );
    }
  });
});
