/**
 * `verify --digests`: the digest chain and the objects it lists, with S3 read access alone. The
 * work is core/digests/verify-digests.ts; this file reads the options, the public key and the
 * configuration (region, bucket, key prefix: no table), and renders the report.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createAuditClients } from '../../core/aws-clients.js';
import { loadConfig } from '../../core/config.js';
import { type DigestVerifier, digestVerifier } from '../../core/digests/signing.js';
import { SigningKeyError } from '../../core/digests/signing-key.js';
import { type DigestVerifyReport, verifyDigests } from '../../core/digests/verify-digests.js';
import { formatInstant } from '../../core/time.js';
import { EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { writeJson } from '../json.js';
import { credentialsFrom } from '../pipeline-wiring.js';
import { createProgress, type Progress } from '../progress.js';
import { formatTable } from '../table.js';

/** More hours than this: the hour table shows only those that are not intact. */
const HOUR_ROWS = 48;

export interface DigestVerifyArgs {
  from: number;
  to: number;
  publicKey?: string | undefined;
  chainOnly: boolean;
  concurrency?: number | undefined;
  json: boolean;
}

function verdictLine(report: DigestVerifyReport): string {
  const due = report.hours.length - report.pending.length;
  const pending =
    report.pending.length > 0
      ? `; ${report.pending.length} recent hour(s) not digested yet (${formatInstant(report.pending[0]!)} on): verify them later`
      : '';
  switch (report.verdict) {
    case 'verified':
      return report.objects.checked
        ? `VERIFIED: ${due} hour(s) of digests intact and linked, ${report.objects.listed} listed object(s) as listed, none unlisted${pending}`
        : `VERIFIED: ${due} hour(s) of digests intact and linked (objects not checked: --chain-only)${pending}`;
    case 'problems':
      return 'PROBLEMS FOUND';
    case 'nothing-verified':
      return report.pending.length === report.hours.length
        ? 'NOTHING VERIFIED: every hour of the window is too recent to have its digest yet (the digester writes an hour after it ends)'
        : `NOTHING VERIFIED: no digest for this window or the hours next to it under s3://${report.bucket}/${report.keyPrefix}_digests/ (check ARCHIVER_BUCKET and ARCHIVER_KEY_PREFIX; has the digester run? a window before the deployment has none)`;
  }
}

/** The report as text: hours, objects, signatures, problems, verdict. */
export function renderDigestVerify(report: DigestVerifyReport): string {
  const lines = [
    `Digest chain of s3://${report.bucket}/${report.keyPrefix}_digests/, ${formatInstant(report.from)} to ${formatInstant(report.to)} (${report.hours.length} hour(s))`,
    '',
  ];
  const rows =
    report.hours.length > HOUR_ROWS ? report.hours.filter((h) => h.state !== 'intact') : report.hours;
  if (rows.length > 0) {
    lines.push(
      formatTable(rows, [
        { header: 'HOUR', value: (h) => formatInstant(h.hour) },
        { header: 'DIGEST', value: (h) => h.key },
        { header: 'STATE', value: (h) => h.state },
        { header: 'OBJECTS', value: (h) => h.objects },
        { header: 'SIGNATURE', value: (h) => h.signature },
        { header: '', value: (h) => (h.startsChain ? 'chain start' : '') },
      ]),
    );
  }
  if (rows.length < report.hours.length)
    lines.push(`(${report.hours.length - rows.length} intact hour(s) not shown)`);
  lines.push('');
  if (report.chainStart !== undefined) {
    lines.push(
      `The chain starts at ${formatInstant(report.chainStart)} (its first digest has previous: null).`,
    );
  }
  const o = report.objects;
  lines.push(
    o.checked
      ? `Objects: ${o.listed} listed, ${o.ok} as listed, ${o.superseded} replaced by a later generation a later digest lists; ${o.unlisted} unlisted in the window's key hours.`
      : 'Objects: not checked (--chain-only).',
  );
  const signed = report.hours.some((h) => h.signature === 'not-checked');
  lines.push(
    report.signatures.checked
      ? `Signatures: checked with ${report.signatures.algorithm} key ${report.signatures.fingerprint}.`
      : `Signatures: not checked (no --public-key)${signed ? '; the digests carry signatures' : ''}.`,
  );
  if (report.problems.length > 0) {
    lines.push('', `${report.problems.length} problem(s):`);
    for (const p of report.problems) {
      lines.push(`  ${p.kind.toUpperCase()}  ${formatInstant(p.hour)}  ${p.object ?? p.digest ?? ''}`);
      lines.push(`      ${p.object && p.digest ? `(listed in ${p.digest}) ` : ''}${p.detail}`);
    }
  }
  lines.push('', verdictLine(report));
  return lines.join('\n');
}

async function publicKeyFrom(file: string | undefined, cwd: string): Promise<DigestVerifier | undefined> {
  if (file === undefined) return undefined;
  if (file.trim() === '') throw new UsageError('--public-key needs a file name');
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, file));
  } catch (error) {
    throw new UsageError(
      `--public-key: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  try {
    return digestVerifier(bytes);
  } catch (error) {
    throw new SigningKeyError(`--public-key ${file}: ${(error as Error).message}`);
  }
}

/** Runs `verify --digests`; the exit code is 0 only for VERIFIED. */
export async function runDigestVerify(args: DigestVerifyArgs, io: CliIo): Promise<number> {
  const verifier = await publicKeyFrom(args.publicKey, io.cwd);
  const config = loadConfig(io.env, 'audit');
  const credentials = credentialsFrom(io.env);
  const clients = createAuditClients(config, { env: io.env, ...(credentials ? { credentials } : {}) });
  let progress: Progress | undefined;
  try {
    const report = await verifyDigests(
      {
        s3: clients.s3,
        // `audit` requires the bucket: loadConfig has refused a configuration without one.
        bucket: config.bucket!,
        keyPrefix: config.keyPrefix,
        keyLayout: config.keyLayout,
      },
      {
        from: args.from,
        to: args.to,
        verifier,
        objects: !args.chainOnly,
        ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
        signal: io.signal,
        onProgress: (done, total) => {
          progress ??= createProgress(io.stderr, { label: 'reading objects', total });
          progress.update(done);
        },
      },
    );
    progress?.done(`read ${report.objects.listed} listed object(s)`);
    if (args.json) writeJson(io, report);
    else println(io, renderDigestVerify(report));
    return report.verdict === 'verified' ? EXIT.ok : EXIT.bad;
  } finally {
    clients.destroy();
  }
}
