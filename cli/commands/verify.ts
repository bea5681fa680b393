import { fileLabel } from '../../core/ledger/records.js';
import { MissingSettingError } from '../../core/operations/errors.js';
import { runVerify, type VerifyReport } from '../../core/operations/verify/verify.js';
import { formatInstant } from '../../core/time.js';
import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { createProgress, type Progress } from '../progress.js';
import { formatTable } from '../table.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  filterFrom,
  instantOption,
  logTypeFrom,
  logTypeHelp,
  TIME_HELP,
  withOperations,
} from './operations-shared.js';
import { runDigestVerify } from './verify-digests.js';

const USAGE = `Usage: rds-log-archiver verify [--cluster C] [--instance I] [--account A] [--region R] [--from T1 --to T2] [--sample N]
                             [--seed S] [--concurrency N] [--log-type audit] [--json]
       rds-log-archiver verify --digests --from T1 --to T2 [--public-key FILE] [--chain-only]
                             [--concurrency N] [--json]

Re-reads archived objects from S3, gunzips them, and compares their byte count and SHA-256 with
what the ledger recorded at archive time and with the digest stamped on the object's metadata.
Reports objects that are missing, differ (overwritten or corrupted), or are not valid gzip.

Options:
${FILTER_HELP}
  --from T1, --to T2       only files whose hour is in [T1, T2) (default: all)
  --sample N               check N objects picked at random (default: all)
  --seed S                 seed for --sample: the same seed picks the same objects
  --concurrency N          objects read at once (default 4)
${logTypeHelp('default audit')}
  --json                   machine-readable output
  -h, --help               this help
${TIME_HELP}

Reads: the known clusters and instances from the by-state index (an unknown --cluster or
--instance is an error), archived files from the by-cluster-hour index, one HeadBucket (a bucket
that does not exist is an error, not every object missing), then one GetObject per object
(streamed, never held in memory). Needs ARCHIVER_BUCKET.

When it finds problems it says what to do next: restore an earlier version of the object (the
stack's bucket is versioned), with the AWS CLI commands written out.

--digests checks the hourly digest chain instead, with S3 read access alone (no ledger: an
auditor's read-only role is enough; needs AWS_REGION and ARCHIVER_BUCKET, and ARCHIVER_KEY_PREFIX
when the archive has one). For each hour of [T1, T2): its digest (_digests/YYYY/MM/DD/HH.json)
exists, is in its place, links to the previous hour's digest by key and SHA-256 (the hour before
T1 and after T2 too), and is signed, when --public-key is given; each object it lists exists with
the listed ETag and size and its gunzipped bytes hash to the listed SHA-256 (the listed version on
a versioned bucket; else a later generation is accepted only when it begins with exactly the
listed bytes and a later digest lists it); and every object under the window's key hours is
listed by some digest. Verdict: VERIFIED, PROBLEMS FOUND (each problem names the hour, digest or
object and what is wrong) or NOTHING VERIFIED (no digest in or next to the window).

  --digests                check the digest chain and the objects it lists (needs --from, --to)
  --public-key FILE        also check each digest's signature with this public key (PEM, or DER
                           as 'aws kms get-public-key' returns it); a missing or bad one is a problem
  --chain-only             only the digests and their links, not the objects`;

/** The verdict line: VERIFIED only when objects were checked and every one matched. */
function verdictLine(report: VerifyReport): string {
  switch (report.verdict) {
    case 'verified':
      return 'VERIFIED';
    case 'problems':
      return 'PROBLEMS FOUND';
    case 'interrupted':
      return 'INTERRUPTED: not every object was checked';
    case 'nothing-checked':
      return report.clusters.length === 0
        ? 'NOTHING VERIFIED: the ledger knows no instance yet (has the discoverer run against this ARCHIVER_TABLE?)'
        : `NOTHING VERIFIED: no archived object in scope${report.candidates > 0 ? ' (every one was skipped)' : ''} (widen --from/--to, or see 'status')`;
  }
}

/** A verify report as text. */
export function renderVerify(report: VerifyReport): string {
  const lines: string[] = [];
  if (report.problems.length > 0) {
    lines.push(
      formatTable(report.problems, [
        { header: 'STATUS', value: (f) => f.status.toUpperCase() },
        { header: 'INSTANCE', value: (f) => f.instance },
        { header: 'FILE', value: (f) => fileLabel(f) },
        { header: 'HOUR', value: (f) => formatInstant(f.hour) },
        { header: 'PROBLEM', value: (f) => f.problems.join('; ') },
      ]),
      '',
    );
  }
  for (const skip of report.skipped)
    lines.push(`skipped ${skip.instance} ${fileLabel(skip)}: ${skip.reason}`);
  const c = report.counts;
  lines.push(
    `Checked ${report.checked} of ${report.candidates} archived object(s) in ${report.clusters.join(', ') || 'no cluster'}: ` +
      `${c.ok} ok, ${c.missing} missing, ${c.mismatch} mismatched, ${c.unreadable} unreadable.`,
  );
  if (report.nextSteps.length > 0) lines.push('', ...report.nextSteps, '');
  lines.push(verdictLine(report));
  return lines.join('\n');
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...FILTER_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    sample: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string' },
    'log-type': { type: 'string' },
    digests: { type: 'boolean', default: false },
    'public-key': { type: 'string' },
    'chain-only': { type: 'boolean', default: false },
    ...JSON_OPTION,
  });
  const now = Date.now();
  const from = instantOption(values.from, 'from', now);
  const to = instantOption(values.to, 'to', now);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
  const concurrency = numberOption(values.concurrency, 'concurrency', { integer: true, min: 1, max: 64 });
  if (values.digests) {
    const ledgerOnly = (['cluster', 'instance', 'sample', 'seed', 'log-type'] as const).filter(
      (name) => values[name] !== undefined,
    );
    if (ledgerOnly.length > 0)
      throw new UsageError(
        `--${ledgerOnly[0]} does not apply to --digests: the digests cover the whole archive`,
      );
    if (from === undefined || to === undefined) throw new UsageError('--digests needs --from and --to');
    return await runDigestVerify(
      {
        from,
        to,
        publicKey: values['public-key'],
        chainOnly: values['chain-only'],
        concurrency,
        json: values.json,
      },
      io,
    );
  }
  if (values['public-key'] !== undefined || values['chain-only'])
    throw new UsageError(`--${values['chain-only'] ? 'chain-only' : 'public-key'} needs --digests`);
  const sample = numberOption(values.sample, 'sample', { integer: true, min: 1 });
  const seed = numberOption(values.seed, 'seed', { integer: true, min: 0 });
  const logType = logTypeFrom(values['log-type']) ?? 'audit';
  const report = await withOperations(io, async (p) => {
    if (!p.config.bucket) throw new MissingSettingError('ARCHIVER_BUCKET', 'the archive bucket to read');
    // Created at the first object, when the total is known, so it can draw a bar.
    let progress: Progress | undefined;
    const result = await runVerify(
      {
        ledger: p.clients.ledger,
        s3: p.clients.s3,
        bucket: p.config.bucket,
        objectDigest: p.config.objectDigest,
        now: () => now,
      },
      {
        filter: filterFrom(values, io.env),
        logType,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(sample !== undefined ? { sample } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        signal: io.signal,
        onProgress: (done, total) => {
          progress ??= createProgress(io.stderr, { label: 'verifying', total });
          progress.update(done);
        },
      },
    );
    progress?.done(`verified ${result.checked} object(s)`);
    return result;
  });
  if (values.json) writeJson(io, report);
  else println(io, renderVerify(report));
  return report.verdict === 'verified' ? EXIT.ok : EXIT.bad;
}

/** `verify`: re-read archived objects and check them against the ledger. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 're-read archived objects against the ledger; --digests: check the digest chain (S3 only)',
  exits: {
    ok: 'VERIFIED: at least one object (or, with --digests, one digest) checked and every one matches',
    bad: 'problems found, nothing to check, interrupted, or an unknown cluster, instance or bucket',
  },
  usage: USAGE,
  run,
};
