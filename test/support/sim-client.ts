import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { RDSClient } from '@aws-sdk/client-rds';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RdsSimulator, SimCredentials } from '../../local/rds-sim/index.js';

/** Options of {@link signedDownload}. */
export interface SignedDownloadOptions {
  version?: 'v13' | 'v19';
  credentials?: SimCredentials;
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Changes the request after signing (to prove tampering is refused). */
  tamper?: (req: { path: string; headers: Record<string, string> }) => void;
}

/** The path of a whole-file download: the file name keeps its `/`, each segment is URI-encoded. */
export function downloadPath(version: 'v13' | 'v19', instance: string, file: string): string {
  const name = file.split('/').map(encodeURIComponent).join('/');
  return `/${version}/downloadCompleteLogFile/${encodeURIComponent(instance)}/${name}`;
}

/**
 * GETs a whole log file from the simulator, signed with `@smithy/signature-v4` (service `rds`) the
 * way AWS expects, and returns the fetch Response (body not consumed).
 */
export async function signedDownload(
  sim: Pick<RdsSimulator, 'url' | 'region' | 'credentials'>,
  instance: string,
  file: string,
  opts: SignedDownloadOptions = {},
): Promise<Response> {
  const url = new URL(sim.url);
  const credentials = opts.credentials ?? sim.credentials[0];
  if (!credentials) throw new Error('the simulator has no credentials');
  const signer = new SignatureV4({
    credentials,
    region: opts.region ?? sim.region,
    service: opts.service ?? 'rds',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: downloadPath(opts.version ?? 'v13', instance, file),
    headers: { host: url.host },
  });
  const signed = await signer.sign(request, opts.signingDate ? { signingDate: opts.signingDate } : {});
  const headers = { ...(signed.headers as Record<string, string>) };
  const target = { path: signed.path, headers };
  opts.tamper?.(target);
  delete target.headers.host;
  return fetch(`${sim.url}${target.path}`, { headers: target.headers });
}

/** An RDS client pointed at the simulator (its first credential unless given), retries off by default. */
export function simRdsClient(
  sim: Pick<RdsSimulator, 'url' | 'region' | 'credentials'>,
  opts: { credentials?: SimCredentials; region?: string; maxAttempts?: number } = {},
): RDSClient {
  const credentials = opts.credentials ?? sim.credentials[0];
  if (!credentials) throw new Error('the simulator has no credentials');
  return new RDSClient({
    endpoint: sim.url,
    region: opts.region ?? sim.region,
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

/** Reads a whole response body, counting bytes and hashing them, without keeping them. */
export async function drainBody(res: Response): Promise<{ bytes: number; sha256: string; reads: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let reads = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      hash.update(chunk);
      bytes += chunk.length;
      reads += 1;
    }
  }
  return { bytes, sha256: hash.digest('hex'), reads };
}

/** Collects a Node stream into one buffer (test data only: small files). */
export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
