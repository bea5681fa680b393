import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileLabel } from '../../core/ledger/records.js';
import { runCompleteness } from '../../core/operations/completeness.js';
import type { CompletenessReport } from '../../core/operations/completeness-report.js';
import { renderGrid } from '../../core/operations/grid.js';
import { formatBytes, formatInstant } from '../../core/operations/time.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { formatCommandLine, TOOL_NAME } from '../command-line.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { renderCompletenessHtml } from '../render/completeness-html.js';
import { formatTable } from '../table.js';
import { version } from '../version.js';
import { instantOption, TIME_HELP, withOperations } from './operations-shared.js';

const USAGE = `Usage: rds-log-archiver completeness (--cluster C [--instance I] | --instance I) --from T1 --to T2
                                   [--log-type audit] [--grid | --no-grid] [--json] [--html FILE]

Answers "is every log file of cluster C written in [T1, T2) archived?" Per instance and hour:
files seen, archived (with bytes), pending, failed, lost; the coverage holes (periods in which
files may have come and gone unseen: before what the first listing could see, or the unseen part
of a gap between two listings longer than the log retention); then a verdict line, COMPLETE or INCOMPLETE and why.
On a terminal an instance x hour grid shows the state at a glance (--grid / --no-grid to force).
--html FILE also writes the same report as one self-contained HTML page to hand over (verdict,
heatmap, coverage holes with their evidence, lost and failed files, digest chain status, and the
command, time and version that made it); it loads nothing from anywhere and opens offline.

Options:
  --cluster C              the DB cluster (or a standalone instance's id)
  --instance I             only this instance; alone, it names its cluster, or itself when it is
                           standalone (RDS MySQL, MariaDB: in no DB cluster)
  --account A --region R   a cluster of a source account (ARCHIVER_SOURCE_ACCOUNTS); default home
  --from T1, --to T2       the window (required); whole UTC hours from the hour of T1
  --log-type TYPE          log type as its directory in the file name (default audit)
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
(C#<cluster>#<type>, C#<cluster>#GAPS), heartbeats from the by-state index. No table scan.`;

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
  lines.push('', report.verdict.complete ? 'COMPLETE' : `INCOMPLETE: ${report.verdict.reasons.join('; ')}`);
  return lines.join('\n');
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
  const logType = values['log-type'].replace(/\/+$/, '');
  if ((values.account !== undefined && values.account !== 'home') !== (values.region !== undefined))
    throw new UsageError(
      "--account and --region name another account's cluster together (or --account home)",
    );
  const report = await withOperations(io, (p) =>
    runCompleteness(
      { ledger: p.clients.ledger, now: () => now },
      {
        ...(values.cluster !== undefined ? { cluster: values.cluster } : {}),
        ...(values.instance !== undefined ? { instance: values.instance } : {}),
        ...(values.account !== undefined && values.account !== 'home' && values.region !== undefined
          ? { where: { account: values.account, region: values.region } }
          : {}),
        from,
        to,
        logType,
      },
    ),
  );
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
