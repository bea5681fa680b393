import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { digestChainStatus } from '../../core/digests/chain-status.js';
import { HOME_PLACE } from '../../core/fleet/places.js';
import { fileLabel } from '../../core/ledger/records.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import {
  type CompletenessReport,
  type DigestChainStatus,
  withDigestChain,
} from '../../core/operations/completeness/report.js';
import { formatBytes, formatDuration, formatInstant } from '../../core/time.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { formatCommandLine, TOOL_NAME } from '../command-line.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { requiredSetting } from '../pipeline-wiring.js';
import { renderCompletenessHtml } from '../render/completeness-html.js';
import { renderGrid } from '../render/grid.js';
import { formatTable } from '../table.js';
import { version } from '../version.js';
import { instantOption, logTypeFrom, logTypeHelp, TIME_HELP, withOperations } from './operations-shared.js';

const USAGE = `Usage: rds-log-archiver completeness (--cluster C [--instance I] | --instance I) --from T1 --to T2
                                   [--account A --region R] [--log-type audit] [--ledger-only]
                                   [--grid | --no-grid] [--json] [--html FILE]

Answers "is every log file of cluster C written in [T1, T2) archived?" Per instance and hour:
files seen, archived (with bytes), pending, failed, lost; the coverage holes (periods in which
files may have come and gone unseen: before what the first listing could see, or the unseen part
of a gap between two listings longer than the log retention (the log type's on the instance's
engine, as each listing recorded it: PostgreSQL 3 days, Aurora MySQL's error log 30 days, most
others 24 hours; the report names it), or the hour of a log file RDS itself
reports it deleted before it was published: rds-deleted, RDS-EVENT-0610/0611 as evidence, recorded
by the discoverer); then a verdict line, COMPLETE or INCOMPLETE and why.
Every file the ledger counts as archived is confirmed in S3 with the ETag and size recorded when
it was archived: a missing or replaced object makes the window INCOMPLETE and is listed.
On a terminal an instance x hour grid shows the state at a glance (--grid / --no-grid to force).
--html FILE also writes the same report as one self-contained HTML page to hand over (verdict,
heatmap, coverage holes with their evidence, lost and failed files, digest chain status, and the
command, time and version that made it); it loads nothing from anywhere and opens offline.
With ARCHIVER_BUCKET set it also checks the hourly digest chain over the window (each hour's digest
present and linked to the one before; 'verify --digests' checks the objects too): a broken chain
makes the report INCOMPLETE. Without it, or when S3 cannot be read, the chain is "not checked".

Options:
  --cluster C              the DB cluster (or a standalone instance's id)
  --instance I             only this instance; alone, it names its cluster, or itself when it is
                           standalone (RDS MySQL, MariaDB: in no DB cluster)
  --account A --region R   a cluster of a source account (ARCHIVER_SOURCE_ACCOUNTS); default home
  --from T1, --to T2       the window (required); whole UTC hours from the hour of T1
${logTypeHelp('default audit')}
  --ledger-only            do not ask S3: the verdict is the ledger's view (the output says so);
                           without it, ARCHIVER_BUCKET is required
  --grid, --no-grid        show / hide the grid (default: shown on a terminal)
  --json                   machine-readable output (the whole report)
  --html FILE              also write the report as an HTML page to FILE (replaced if it exists)
  -h, --help               this help
${TIME_HELP}

Counting: a file counts in the hour of its name's timestamp, in one state. A file archived once
that has grown since (its newest generation not archived yet) counts as pending ("growing").
A rotating family (server_audit.log, renamed .1, .2... at each rotation) counts contents, not
names: each content once, in the hour of its first LastWritten, whatever its name is now.

Reads: the cluster's files by hour and its listing gaps from the by-cluster-hour index
(C#<cluster>#<type>, C#<cluster>#GAPS, C#<cluster>#EVENTS), heartbeats from the by-state index.
No table scan.
Then one ListObjectsV2 per instance-hour holding archived files (a page per 1,000 objects), never
a request per object: at most instances x hours requests per report. Needs s3:ListBucket.
Old ledger records without an ETag are checked by size (or, without one, by existence) alone.
ETag and size show the object is the one written; 'verify' re-reads the bytes themselves.
Then one GetObject per hour of the window (+2) under _digests/ for the digest chain.`;

/** What a report is about: `cluster C[, instance I]`, or `instance I (standalone)`. */
export function subjectOf(report: CompletenessReport): string {
  if (report.standalone) return `instance ${report.cluster} (standalone)`;
  return `cluster ${report.cluster}${report.instanceFilter ? `, instance ${report.instanceFilter}` : ''}`;
}

/** The report as text: hour table, holes, unfinished files, grid, verdict. */
export function renderCompleteness(
  report: CompletenessReport,
  options: { grid: boolean; colour: boolean },
): string {
  const lines: string[] = [
    `Completeness of ${report.logType} logs, ${subjectOf(report)}: ${formatInstant(report.from)} to ${formatInstant(report.to)}`,
    ...retentionLines(report),
    '',
  ];
  const rows = report.instances.flatMap((instance) =>
    instance.hours
      .filter((h) => h.files > 0 || h.holes.length > 0)
      .map((h) => ({ instance: instance.instance, ...h })),
  );
  const quiet = report.instances.reduce((n, i) => n + i.hours.length, 0) - rows.length;
  if (rows.length > 0) {
    lines.push(
      formatTable(rows, [
        { header: 'INSTANCE', value: (r) => r.instance },
        { header: 'HOUR', value: (r) => formatInstant(r.hour) },
        { header: 'FILES', value: (r) => r.files },
        { header: 'ARCHIVED', value: (r) => r.archived },
        { header: 'BYTES', value: (r) => formatBytes(r.archivedBytes), align: 'right' },
        { header: 'PENDING', value: (r) => r.pending },
        { header: 'FAILED', value: (r) => r.failed },
        { header: 'LOST', value: (r) => r.lost },
        { header: 'COVERAGE', value: (r) => (r.holes.length > 0 ? r.holes.join(',') : 'ok') },
      ]),
    );
  }
  if (quiet > 0) lines.push(`(${quiet} instance-hour(s) with no files and full coverage not shown)`);
  const t = report.totals;
  lines.push(
    `total: ${t.files} file(s), ${t.archived} archived (${formatBytes(t.archivedBytes)}), ${t.pending} pending${t.growing > 0 ? ` (${t.growing} growing)` : ''}, ${t.failed} failed, ${t.lost} lost`,
  );
  lines.push(objectsLine(report));
  if (report.objects.mode === 'listed' && report.objects.problems.length > 0) {
    lines.push('', 'Missing or replaced in S3:');
    for (const problem of report.objects.problems) {
      lines.push(
        `  ${problem.kind.toUpperCase().padEnd(9)} ${problem.instance}  ${fileLabel(problem)}  ${formatInstant(problem.hour)}  ${problem.detail}`,
      );
    }
  }
  if (report.holes.length > 0) {
    lines.push('', 'Coverage holes:');
    for (const hole of report.holes) {
      lines.push(
        `  ${hole.instance}  ${hole.kind}  ${formatInstant(hole.from)} - ${formatInstant(hole.to)}  ${hole.detail}`,
      );
    }
  }
  if (report.unfinished.length > 0) {
    lines.push('', 'Not archived:');
    const shown = report.unfinished.slice(0, 50);
    for (const file of shown) {
      lines.push(
        `  ${file.state.toUpperCase().padEnd(9)} ${file.instance}  ${fileLabel(file)}  gen ${file.generation}${file.growing ? ' (growing)' : ''}${file.lastError ? `  ${file.lastError.slice(0, 80)}` : ''}`,
      );
    }
    if (report.unfinished.length > shown.length) {
      lines.push(`  ... and ${report.unfinished.length - shown.length} more (--json lists all)`);
    }
  }
  if (options.grid && report.instances.length > 0) {
    lines.push('', renderGrid(report, { colour: options.colour }));
  }
  lines.push('', digestChainLine(report.digestChain));
  lines.push('', report.verdict.complete ? 'COMPLETE' : `INCOMPLETE: ${report.verdict.reasons.join('; ')}`);
  return lines.join('\n');
}

/**
 * Which log retention the coverage holes assume, per instance (grouped when equal): the log
 * type's on the instance's engine, or the instance's one retention (see core/retention.ts).
 */
export function retentionLines(report: CompletenessReport): string[] {
  const groups = new Map<string, string[]>();
  for (const instance of report.instances) {
    if (instance.retentionMs === undefined) continue;
    const basis =
      instance.retentionBasis === 'log-type'
        ? `${report.logType} logs on ${instance.engine ?? 'its engine'}`
        : `the instance's retention${instance.engine !== undefined ? ` (${instance.engine})` : ''}`;
    const label = `${formatDuration(instance.retentionMs)}, ${basis}`;
    groups.set(label, [...(groups.get(label) ?? []), instance.instance]);
  }
  return [...groups].map(([label, names]) => `Retention assumed: ${label}: ${names.join(', ')}`);
}

/** One line on the digest chain, then its problems. */
function digestChainLine(chain: DigestChainStatus | undefined): string {
  if (chain === undefined) return 'Digest chain: not checked (set ARCHIVER_BUCKET, or run verify --digests).';
  const lines = [`Digest chain: ${chain.status.toUpperCase()}, ${chain.hoursChecked} hour(s) checked.`];
  for (const problem of chain.problems.slice(0, 20))
    lines.push(`  ${formatInstant(problem.hour)}  ${problem.detail}`);
  if (chain.problems.length > 20)
    lines.push(`  ... and ${chain.problems.length - 20} more (--json lists all)`);
  return lines.join('\n');
}

/** What the report says about S3: what was checked, at what cost, or that it was not asked. */
export function objectsLine(report: CompletenessReport): string {
  const objects = report.objects;
  if (objects.mode === 'ledger-only') {
    return "objects in S3: not checked (--ledger-only): this verdict is the ledger's view";
  }
  const missing = objects.problems.filter((p) => p.kind === 'missing').length;
  const replaced = objects.problems.length - missing;
  const partial = objects.basis.size + objects.basis.existence;
  return (
    `objects in S3: ${objects.checked} checked (${objects.prefixes} prefix listing(s), ${objects.requests} request(s)): ` +
    `${objects.checked - objects.problems.length} as archived, ${missing} missing, ${replaced} replaced` +
    (partial > 0
      ? `; ${partial} old record(s) without an ETag checked by ${objects.basis.existence > 0 ? 'size or existence' : 'size'} only`
      : '')
  );
}

/**
 * Writes the page next to its final name, then renames it: a reader never sees half a page, and
 * a failed write leaves an earlier report as it was. A failure is one line naming the file.
 */
async function writeReportFile(file: string, text: string): Promise<string> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    // Node says "ENOENT: no such file or directory, open '<temporary>'": keep the reason, name the file.
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/s, '');
    throw new CliError(`--html: cannot write ${file}: ${reason}${code ? ` (${code})` : ''}`);
  }
  return file;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    cluster: { type: 'string' },
    instance: { type: 'string' },
    account: { type: 'string' },
    region: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'log-type': { type: 'string', default: 'audit' },
    grid: { type: 'boolean' },
    'no-grid': { type: 'boolean' },
    html: { type: 'string' },
    'ledger-only': { type: 'boolean', default: false },
    ...JSON_OPTION,
  });
  if (values.html !== undefined && values.html.trim() === '')
    throw new UsageError('--html needs a file name');
  if (values.cluster === undefined && values.instance === undefined)
    throw new UsageError('--cluster or --instance is required');
  if (values.from === undefined || values.to === undefined)
    throw new UsageError('--from and --to are required');
  const now = Date.now();
  const from = instantOption(values.from, 'from', now)!;
  const to = instantOption(values.to, 'to', now)!;
  if (to <= from) throw new UsageError('--to must be after --from');
  const logType = logTypeFrom(values['log-type']) ?? 'audit';
  if ((values.account !== undefined && values.account !== HOME_PLACE) !== (values.region !== undefined))
    throw new UsageError(
      "--account and --region name another account's cluster together (or --account home)",
    );
  const report = await withOperations(io, async (p) => {
    const ledgerReport = await runCompleteness(
      {
        ledger: p.clients.ledger,
        ...(values['ledger-only']
          ? {}
          : {
              objects: {
                s3: p.clients.s3,
                bucket: requiredSetting(p.config, 'bucket', 'the archive bucket (or pass --ledger-only)'),
                signal: io.signal,
              },
            }),
        now: () => now,
      },
      {
        ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
        ...(values.instance !== undefined ? { instance: values.instance } : {}),
        ...(values.account !== undefined && values.account !== HOME_PLACE && values.region !== undefined
          ? { where: { account: values.account, region: values.region } }
          : {}),
        from,
        to,
        logType,
      },
    );
    // --ledger-only reads nothing in S3, the digests included.
    if (values['ledger-only'] || !p.config.bucket) return ledgerReport;
    try {
      const chain = await digestChainStatus(
        {
          s3: p.clients.s3,
          bucket: p.config.bucket,
          keyPrefix: p.config.keyPrefix,
          keyLayout: p.config.keyLayout,
          now: () => now,
        },
        { from, to, signal: io.signal },
      );
      return withDigestChain(ledgerReport, chain);
    } catch (error) {
      // The ledger's report stands; the chain is then "not checked", and why is said once.
      io.stderr.write(`digest chain not checked: ${(error as Error).message}\n`);
      return ledgerReport;
    }
  });
  if (values.html !== undefined) {
    const page = renderCompletenessHtml(report, {
      commandLine: formatCommandLine([TOOL_NAME, 'completeness', ...argv]),
      version: version(),
    });
    const file = await writeReportFile(resolve(io.cwd, values.html), page);
    // stderr: with --json, stdout stays exactly one JSON document.
    io.stderr.write(`HTML report written to ${file}\n`);
  }
  if (values.json) writeJson(io, report);
  else {
    const tty = io.stdout.isTTY === true;
    const grid = values['no-grid'] ? false : (values.grid ?? tty);
    println(io, renderCompleteness(report, { grid, colour: tty && !io.env.NO_COLOR }));
  }
  return report.verdict.complete ? EXIT.ok : EXIT.bad;
}

/** `completeness`: is every log of a cluster in a window archived? */
export const completenessCommand: Command = {
  name: 'completeness',
  summary: 'per instance and hour: seen/archived/pending/failed/lost, coverage holes, verdict',
  exits: {
    ok: 'COMPLETE',
    bad: 'INCOMPLETE, or --cluster/--instance names something the ledger has never listed',
  },
  usage: USAGE,
  run,
};
