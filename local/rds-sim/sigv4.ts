import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsErrorAnswer } from './errors.js';
import type { SimCredentials } from './types.js';

/**
 * An independent SigV4 verifier (header auth, AWS4-HMAC-SHA256), written from the SigV4 spec with
 * node:crypto only, so that a bug shared with the SDK's signer cannot make a wrong signature pass.
 */

/** The parts of an HTTP request a signature covers. */
export interface SignedRequest {
  method: string;
  /** Path exactly as sent on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** Query string exactly as sent, without the `?`. */
  rawQuery: string;
  /** Header names lower-cased (Node's `req.headers`). */
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body actually received. */
  bodySha256: string;
}

/** What the verifier checks against. */
export interface VerifyOptions {
  /** The Region, or Regions, a credential scope may name (one endpoint can serve several). */
  region: string | readonly string[];
  service: string;
  credentials: SimCredentials[];
  /** Real wall-clock time in ms (never the simulated clock, which may be accelerated). */
  nowMs: number;
  maxSkewMs: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const deny = (code: string, message: string) => new AwsErrorAnswer(403, code, message, 'Sender');

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Canonical URI for every service but S3: normalise the path (drop empty and `.` segments, resolve
 * `..`), then URI-encode the already-encoded path once more, keeping the `/` separators. This is
 * why a `%2F` on the wire signs as `%252F`.
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  let path = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}`;
  if (segments.length > 0 && rawPath.endsWith('/')) path += '/';
  if (path === '') path = '/';
  return uriEncode(path).replace(/%2F/g, '/');
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Canonical query: each name and value decoded, SigV4-encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = uriEncode(decodeQueryPart(eq < 0 ? part : part.slice(0, eq)));
    const value = uriEncode(decodeQueryPart(eq < 0 ? '' : part.slice(eq + 1)));
    if (name === 'X-Amz-Signature') continue;
    pairs.push([name, value]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Header value as SigV4 canonicalises it: trimmed, inner runs of spaces collapsed. */
function canonicalHeaderValue(value: string): string {
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The SigV4 signing key for a secret, date (YYYYMMDD), region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Parses `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`) to epoch ms, or undefined. */
export function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw deny('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const missing = [
    credential ? undefined : "'Credential'",
    signedHeaders ? undefined : "'SignedHeaders'",
    signature ? undefined : "'Signature'",
  ].filter(Boolean);
  if (missing.length > 0 || !credential || !signedHeaders || !signature) {
    throw deny(
      'IncompleteSignature',
      `Authorization header requires ${missing.join(', ')} parameter. Authorization=${header}`,
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    throw deny(
      'IncompleteSignature',
      `Credential should be of the form <access key>/<date>/<region>/<service>/aws4_request: ${credential}`,
    );
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw deny('IncompleteSignature', 'Signature must be 64 lower-case hexadecimal characters.');
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/**
 * The access key, Region and service a request's Authorization header claims, before anything is
 * verified (to route the request: which service, which account's keys); undefined when there is
 * no parsable header (the verifier then says what is wrong).
 */
export function credentialScope(
  headers: SignedRequest['headers'],
): { accessKeyId: string; region: string; service: string } | undefined {
  const authorization = headerValue(headers, 'authorization');
  if (!authorization) return undefined;
  try {
    const auth = parseAuthorization(authorization);
    return { accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service };
  } catch {
    return undefined;
  }
}

/**
 * Verifies a request's SigV4 header signature. Returns the accepted credential, or throws an
 * {@link AwsErrorAnswer} (403) with the code AWS would use.
 */
export function verifySigV4(req: SignedRequest, opts: VerifyOptions): SimCredentials {
  const authorization = headerValue(req.headers, 'authorization');
  if (!authorization) {
    throw deny('MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  const auth = parseAuthorization(authorization);

  const credential = opts.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!credential) {
    throw deny('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }

  const amzDate = headerValue(req.headers, 'x-amz-date');
  if (!amzDate) {
    throw deny(
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    throw deny(
      'IncompleteSignature',
      `X-Amz-Date '${amzDate}' must be in ISO 8601 basic format (YYYYMMDDTHHMMSSZ).`,
    );
  }
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) {
      throw deny('SignatureDoesNotMatch', `'${required}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
  const sorted = [...auth.signedHeaders].sort();
  if (
    sorted.join(';') !== auth.signedHeaders.join(';') ||
    auth.signedHeaders.some((h) => h !== h.toLowerCase())
  ) {
    throw deny('SignatureDoesNotMatch', 'SignedHeaders must be lower-case and sorted.');
  }

  if (auth.date !== amzDate.slice(0, 8)) {
    throw deny(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const regions: readonly string[] = typeof opts.region === 'string' ? [opts.region] : opts.region;
  if (!regions.includes(auth.region)) {
    throw deny(
      'SignatureDoesNotMatch',
      `Credential should be scoped to a valid region, not '${auth.region}'.`,
    );
  }
  if (auth.service !== opts.service) {
    throw deny('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${opts.service}'.`);
  }
  if (auth.terminator !== 'aws4_request') {
    throw deny(
      'SignatureDoesNotMatch',
      "Credential should be scoped with a valid terminator: 'aws4_request'.",
    );
  }

  // The skew check uses the real wall clock: the simulated clock may run faster than time.
  if (Math.abs(opts.nowMs - signedAt) > opts.maxSkewMs) {
    throw deny(
      'RequestTimeTooSkewed',
      `Signature expired: ${amzDate} is now earlier or later than ${new Date(opts.nowMs - opts.maxSkewMs).toISOString()} / ${new Date(opts.nowMs + opts.maxSkewMs).toISOString()}.`,
    );
  }

  if (credential.sessionToken !== undefined) {
    const token = headerValue(req.headers, 'x-amz-security-token');
    if (token === undefined || token !== credential.sessionToken) {
      throw deny('InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    if (!auth.signedHeaders.includes('x-amz-security-token')) {
      throw deny(
        'SignatureDoesNotMatch',
        "'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.",
      );
    }
  }

  const canonicalHeaders: string[] = [];
  for (const name of auth.signedHeaders) {
    const value = headerValue(req.headers, name);
    if (value === undefined) {
      throw deny('SignatureDoesNotMatch', `Signed header '${name}' is missing from the request.`);
    }
    canonicalHeaders.push(`${name}:${canonicalHeaderValue(value)}\n`);
  }

  // The payload hash: what the client declared (when it declared one), which must match the body.
  const declared = headerValue(req.headers, 'x-amz-content-sha256');
  let payloadHash = req.bodySha256;
  if (declared !== undefined) {
    if (declared === 'UNSIGNED-PAYLOAD') {
      if (req.bodySha256 !== EMPTY_SHA256) {
        throw deny('SignatureDoesNotMatch', 'An unsigned payload is not accepted for a request with a body.');
      }
    } else if (declared !== req.bodySha256) {
      throw deny(
        'SignatureDoesNotMatch',
        'The provided x-amz-content-sha256 header does not match the request body.',
      );
    }
    payloadHash = declared;
  }

  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    canonicalHeaders.join(''),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [
    ALGORITHM,
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const expected = createHmac(
    'sha256',
    signingKey(credential.secretAccessKey, auth.date, auth.region, auth.service),
  )
    .update(stringToSign, 'utf8')
    .digest();
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw deny(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return credential;
}
