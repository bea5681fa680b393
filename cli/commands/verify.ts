import { fileLabel } from '../../core/ledger/records.js';
import { MissingSettingError } from '../../core/operations/errors.js';
import { formatInstant } from '../../core/operations/time.js';
import { runVerify, type VerifyReport } from '../../core/operations/verify.js';
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
  TIME_HELP,
  withOperations,
} from './operations-shared.js';

const USAGE = `Usage: rds-log-archiver verify [--cluster C] [--instance I] [--from T1 --to T2] [--sample N]
                             [--seed S] [--concurrency N] [--log-type audit] [--json]

Re-reads archived objects from S3, gunzips them, and compares their byte count and SHA-256 with
what the ledger recorded at archive time and with the digest stamped on the object's metadata.
Reports objects that are missing, differ (overwritten or corrupted), or are not valid gzip.

Options:
${FILTER_HELP}
  --from T1, --to T2       only files whose hour is in [T1, T2) (default: all)
  --sample N               check N objects picked at random (default: all)
  --seed S                 seed for --sample: the same seed picks the same objects
  --concurrency N          objects read at once (default 4)
  --log-type TYPE          log type (default audit)
  --json                   machine-readable output
  -h, --help               this help
${TIME_HELP}

Reads: the known clusters and instances from the by-state index (an unknown --cluster or
--instance is an error), archived files from the by-cluster-hour index, one HeadBucket (a bucket
that does not exist is an error, not every object missing), then one GetObject per object
(streamed, never held in memory). Needs ARCHIVER_BUCKET.

When it finds problems it says what to do next: restore an earlier version of the object (the
stack's bucket is versioned), with the AWS CLI commands written out.`;

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
    'log-type': { type: 'string', default: 'audit' },
    ...JSON_OPTION,
  });
  const now = Date.now();
  const from = instantOption(values.from, 'from', now);
  const to = instantOption(values.to, 'to', now);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
  const sample = numberOption(values.sample, 'sample', { integer: true, min: 1 });
  const seed = numberOption(values.seed, 'seed', { integer: true, min: 0 });
  const concurrency = numberOption(values.concurrency, 'concurrency', { integer: true, min: 1, max: 64 });
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
        logType: values['log-type'].replace(/\/+$/, ''),
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
  summary: 're-read archived objects; compare bytes and SHA-256 with the ledger and metadata',
  exits: {
    ok: 'at least one object checked and every one matches',
    bad: 'problems found, nothing to check, interrupted, or an unknown cluster, instance or bucket',
  },
  usage: USAGE,
  run,
};
