/**
 * The completeness report as one self-contained HTML page, to hand over: verdict, instance x hour
 * heatmap, coverage holes with their evidence, files not archived, the digest chain's status, and
 * the command, time and version that produced it.
 *
 * Pure: the same report object `--json` prints goes in, a string comes out, so the page and the
 * JSON cannot disagree. No script, font, image or stylesheet from anywhere (inline CSS only), and
 * a Content-Security-Policy that forbids loading anything, so the page opens offline and a name
 * that slipped through unescaped still could not run. Every ledger-derived string is escaped by
 * the `html` tag.
 */

import { fileLabel } from '../../core/ledger/records.js';
import type {
  CellState,
  CompletenessReport,
  CoverageHole,
  DigestChainStatus,
  InstanceCompleteness,
  InstanceHour,
  UnfinishedFile,
} from '../../core/operations/completeness/report.js';
import { formatBytes, formatDuration, formatInstant } from '../../core/time.js';
import { TOOL_NAME } from '../command-line.js';
import { GRID_CELLS } from './grid.js';
import { type Html, html, raw } from './html.js';

/** What produced the report: shown on the page, not part of the report itself. */
export interface HtmlProvenance {
  /** The command line, as the operator would type it again. */
  commandLine: string;
  /** The tool's version. */
  version: string;
}

/** Pending files listed in full up to this many; the rest are counted (`--json` lists all). */
export const MAX_PENDING_LISTED = 500;

/** Cell colours (background, text). The character and meaning come from the terminal grid's GRID_CELLS. */
const CELL_COLOURS: Record<CellState, { bg: string; fg: string }> = {
  archived: { bg: '#9fd49a', fg: '#113d0f' },
  empty: { bg: '#f2f2f2', fg: '#9a9a9a' },
  pending: { bg: '#ffd966', fg: '#5c4400' },
  unlisted: { bg: '#d9d9d9', fg: '#555555' },
  hole: { bg: '#c9a3e6', fg: '#3b1458' },
  failed: { bg: '#e0453a', fg: '#ffffff' },
  lost: { bg: '#7a0d0d', fg: '#ffffff' },
  missing: { bg: '#4a0a3a', fg: '#ffffff' },
};

const CELL_STATES = Object.keys(GRID_CELLS) as CellState[];

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1a1a1a; background: #fff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
p { margin: 6px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
.sub { color: #555; margin: 0 0 16px; }
.verdict { border-radius: 6px; padding: 14px 18px; margin: 16px 0; border: 2px solid; }
.verdict .word { font-size: 28px; font-weight: 700; letter-spacing: 0.04em; }
.verdict ul { margin: 8px 0 0; padding-left: 22px; }
.verdict.complete { background: #e8f5e9; border-color: #2e7d32; color: #1b5e20; }
.verdict.incomplete { background: #fdecea; border-color: #c62828; color: #7f1d1d; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 3px 8px; text-align: left; vertical-align: top; }
table.data th { background: #f4f4f4; border-bottom: 1px solid #ccc; font-weight: 600; white-space: nowrap; }
table.data td { border-bottom: 1px solid #eee; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { overflow-wrap: anywhere; max-width: 60ch; }
time, table.data td.mono:not(.wrap) { white-space: nowrap; }
.heatmap-day { margin: 4px 0 14px; }
table.heatmap { table-layout: fixed; }
table.heatmap caption { text-align: left; font-weight: 600; padding: 2px 0; }
table.heatmap th { font-weight: 400; color: #555; font-size: 12px; padding: 0 1px; text-align: center; }
table.heatmap th.inst { text-align: right; padding-right: 10px; white-space: nowrap; font-size: 13px; color: #1a1a1a; }
table.heatmap td.cell { width: 26px; min-width: 26px; height: 24px; padding: 0; text-align: center;
  font: 600 13px/24px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  border: 1px solid #fff; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .swatch { display: inline-block; width: 22px; height: 20px; text-align: center;
  font: 600 13px/20px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.state { font-weight: 600; }
.state.lost, .state.failed { color: #b71c1c; }
.note { color: #555; }
.digest.unchecked { background: #fff8e1; border: 1px solid #e0b100; border-radius: 6px; padding: 10px 14px; }
.digest.intact { color: #1b5e20; }
.digest.broken, .digest.incomplete { color: #7f1d1d; }
footer { margin-top: 32px; color: #666; font-size: 12px; border-top: 1px solid #ddd; padding-top: 8px; }
${CELL_STATES.map((state) => `.s-${state} { background: ${CELL_COLOURS[state].bg}; color: ${CELL_COLOURS[state].fg}; }`).join('\n')}
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  code, .mono, table.heatmap th.inst { font-size: 10px; }
  h2 { break-after: avoid; }
  tr, .heatmap-day, .verdict { break-inside: avoid; }
  table.heatmap td.cell { width: 20px; min-width: 20px; height: 18px; line-height: 18px; font-size: 11px; }
}
@page { size: A4 landscape; margin: 12mm; }
`;

/** `2026-03-01T10:00Z`: the ISO form, to paste into `--from` / `--to`. */
function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

function isoSecond(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function time(ms: number, text: string = formatInstant(ms)): Html {
  return html`<time datetime="${new Date(ms).toISOString()}">${text}</time>`;
}

function verdictSection(report: CompletenessReport): Html {
  const { complete, reasons } = report.verdict;
  return html`<section id="verdict" class="verdict ${complete ? 'complete' : 'incomplete'}" data-verdict="${complete ? 'COMPLETE' : 'INCOMPLETE'}">
<div class="word">${complete ? 'COMPLETE' : 'INCOMPLETE'}</div>
${
  complete
    ? html`<p>Every file of the window is archived${report.objects.mode === 'listed' ? ', its object is in S3 as written,' : ' (by the ledger: S3 not checked)'} and every hour was covered by listings.</p>`
    : html`<ul>${reasons.map((reason) => html`<li>${reason}</li>`)}</ul>`
}
</section>`;
}

function provenanceSection(report: CompletenessReport, provenance: HtmlProvenance): Html {
  return html`<section id="provenance">
<dl class="meta">
<dt>Command</dt><dd><code id="command-line">${provenance.commandLine}</code></dd>
<dt>Generated</dt><dd id="generated-at">${time(report.generatedAt, `${isoSecond(report.generatedAt)} (UTC)`)}</dd>
<dt>Tool</dt><dd>${TOOL_NAME} <span id="tool-version">${provenance.version}</span></dd>
<dt>Window</dt><dd>${time(report.from)} to ${time(report.to)} (UTC; whole hours from the hour of the start)</dd>
${report.standalone ? html`<dt>Instance</dt><dd><span class="mono">${report.cluster}</span> (standalone: in no DB cluster)</dd>` : html`<dt>Cluster</dt><dd><span class="mono">${report.cluster}</span>${report.instanceFilter !== undefined ? html`, instance <span class="mono">${report.instanceFilter}</span> only` : ''}</dd>`}
<dt>Log type</dt><dd><span class="mono">${report.logType}</span></dd>
</dl>
</section>`;
}

function totalsSection(report: CompletenessReport): Html {
  const t = report.totals;
  return html`<section id="totals">
<h2>Totals</h2>
<table class="data"><thead><tr><th class="num">Files</th><th class="num">Archived</th><th class="num">Bytes archived</th><th class="num">Pending</th><th class="num">of which growing</th><th class="num">Failed</th><th class="num">Lost</th><th class="num">Coverage holes</th></tr></thead>
<tbody><tr><td class="num">${t.files}</td><td class="num">${t.archived}</td><td class="num">${formatBytes(t.archivedBytes)}</td><td class="num">${t.pending}</td><td class="num">${t.growing}</td><td class="num">${t.failed}</td><td class="num">${t.lost}</td><td class="num">${report.holes.length}</td></tr></tbody></table>
</section>`;
}

function legend(): Html {
  return html`<ul class="legend" id="legend">${CELL_STATES.map(
    (state) =>
      html`<li data-state="${state}"><span class="swatch s-${state}">${GRID_CELLS[state].char}</span>${GRID_CELLS[state].meaning}</li>`,
  )}</ul>`;
}

function cellTitle(instance: string, row: InstanceHour): string {
  const counts =
    row.files === 0
      ? 'no files'
      : `${row.files} file(s): ${row.archived} archived (${formatBytes(row.archivedBytes)}), ${row.pending} pending, ${row.failed} failed, ${row.lost} lost${row.missingObjects > 0 ? `, ${row.missingObjects} object(s) missing or replaced in S3` : ''}`;
  const coverage = row.holes.length > 0 ? `; coverage: ${row.holes.join(', ')}` : '';
  return `${instance}, ${formatInstant(row.hour)}: ${GRID_CELLS[row.cell].meaning}. ${counts}${coverage}`;
}

function cell(instance: string, row: InstanceHour): Html {
  return html`<td class="cell s-${row.cell}" data-instance="${instance}" data-hour="${row.hour}" data-state="${row.cell}" data-files="${row.files}" data-archived="${row.archived}" data-pending="${row.pending}" data-failed="${row.failed}" data-lost="${row.lost}" data-missing-objects="${row.missingObjects}" title="${cellTitle(instance, row)}">${GRID_CELLS[row.cell].char}</td>`;
}

/** The window's hours in UTC days: one table per day keeps the columns 00-23 readable and printable. */
function days(hours: readonly number[]): { day: string; indexes: number[] }[] {
  const out: { day: string; indexes: number[] }[] = [];
  hours.forEach((hour, i) => {
    const day = new Date(hour).toISOString().slice(0, 10);
    const last = out.at(-1);
    if (last?.day === day) last.indexes.push(i);
    else out.push({ day, indexes: [i] });
  });
  return out;
}

function heatmapSection(report: CompletenessReport): Html {
  if (report.instances.length === 0) {
    return html`<section id="heatmap"><h2>Instance x hour</h2><p>No instance of this cluster has been listed.</p></section>`;
  }
  const tables = days(report.hours).map(
    ({ day, indexes }) => html`<div class="heatmap-day"><table class="heatmap">
<caption>${day} (UTC)</caption>
<thead><tr><th></th>${indexes.map((i) => html`<th scope="col">${String(new Date(report.hours[i]!).getUTCHours()).padStart(2, '0')}</th>`)}</tr></thead>
<tbody>${report.instances.map(
      (instance) =>
        html`<tr><th scope="row" class="inst mono">${instance.instance}</th>${indexes.map((i) => {
          const row = instance.hours[i];
          return row === undefined ? html`<td></td>` : cell(instance.instance, row);
        })}</tr>`,
    )}</tbody></table></div>`,
  );
  return html`<section id="heatmap">
<h2>Instance x hour</h2>
<p class="note">One cell per instance and UTC hour; a file counts in the hour of its name's timestamp. The worst state in the hour decides the cell (hover for the counts).</p>
${legend()}
${tables}
</section>`;
}

function listingEvidence(instance: InstanceCompleteness): Html {
  return html`<tr><td class="mono">${instance.instance}</td><td>${instance.firstListedAt !== undefined ? time(instance.firstListedAt) : 'never'}</td><td>${instance.lastListedAt !== undefined ? time(instance.lastListedAt) : 'never'}</td><td>${instance.retentionMs !== undefined ? formatDuration(instance.retentionMs) : '-'}</td><td class="num">${instance.totals.files}</td><td class="num">${instance.totals.archived}</td><td class="num">${instance.totals.pending}</td><td class="num">${instance.totals.failed}</td><td class="num">${instance.totals.lost}</td></tr>`;
}

function holeRow(hole: CoverageHole): Html {
  const gap =
    hole.gapFrom !== undefined && hole.gapTo !== undefined
      ? html`${time(hole.gapFrom)} to ${time(hole.gapTo)} (${formatDuration(hole.gapTo - hole.gapFrom)})`
      : hole.firstListedAt !== undefined
        ? html`first listed ${time(hole.firstListedAt)}`
        : hole.evidence !== undefined
          ? html`RDS event ${time(hole.evidence.date)} (${hole.evidence.reason})`
          : '-';
  return html`<tr data-instance="${hole.instance}" data-kind="${hole.kind}"><td class="mono">${hole.instance}</td><td class="state">${hole.kind}</td><td>${time(hole.from)}</td><td>${time(hole.to)}</td><td>${gap}</td><td>${hole.retentionMs !== undefined ? formatDuration(hole.retentionMs) : '-'}</td><td class="wrap">${hole.detail}</td></tr>`;
}

function coverageSection(report: CompletenessReport): Html {
  return html`<section id="coverage">
<h2>Coverage holes</h2>
<p class="note">Periods in which files may have come and gone without being listed. A listing sees every file written within the log retention before it: <b>never-listed</b> is before what the first listing could see, <b>gap</b> the unseen part of a gap between two listings longer than the retention, <b>ongoing-gap</b> no listing for longer than the retention up to now, <b>not-yet-listed</b> the part of the window after the last listing, <b>rds-deleted</b> the hour of a log file RDS reports it deleted before it was published (RDS-EVENT-0610 retention, RDS-EVENT-0611 storage; the event is the evidence) that the ledger does not hold as archived.</p>
${
  report.holes.length === 0
    ? html`<p id="holes-none">None: every hour of the window was covered by listings.</p>`
    : html`<table class="data" id="holes"><thead><tr><th>Instance</th><th>Kind</th><th>From</th><th>To</th><th>Listing gap / first listing</th><th>Retention</th><th>Evidence</th></tr></thead>
<tbody>${report.holes.map(holeRow)}</tbody></table>`
}
<h3>Listings per instance</h3>
<table class="data" id="listings"><thead><tr><th>Instance</th><th>First listed</th><th>Last listed</th><th>Retention</th><th class="num">Files</th><th class="num">Archived</th><th class="num">Pending</th><th class="num">Failed</th><th class="num">Lost</th></tr></thead>
<tbody>${report.instances.map(listingEvidence)}</tbody></table>
</section>`;
}

function fileRow(file: UnfinishedFile): Html {
  return html`<tr data-instance="${file.instance}" data-state="${file.state}"><td class="state ${file.state}">${file.state.toUpperCase()}${file.growing ? ' (growing)' : ''}</td><td class="mono">${file.instance}</td><td>${time(file.hour)}</td><td class="mono wrap">${fileLabel(file)}</td><td class="num">${file.generation}</td><td>${time(file.since)}</td><td class="wrap">${file.lastError ?? '-'}</td></tr>`;
}

const FILE_HEAD = raw(
  '<thead><tr><th>State</th><th>Instance</th><th>Hour</th><th>File</th><th class="num">Gen</th><th>Since</th><th>Last error</th></tr></thead>',
);

function filesSection(report: CompletenessReport): Html {
  const bad = report.unfinished.filter((f) => f.state === 'failed' || f.state === 'lost');
  const pending = report.unfinished.filter((f) => f.state !== 'failed' && f.state !== 'lost');
  const shown = pending.slice(0, MAX_PENDING_LISTED);
  return html`<section id="files">
<h2>Lost and failed files</h2>
${
  bad.length === 0
    ? html`<p id="failed-none">None.</p>`
    : html`<p class="note">Lost: gone from RDS before it was archived (an audit gap; the evidence is the last error). Failed: every attempt failed; the message is in the DLQ: fix the cause, then <code>${TOOL_NAME} redrive</code>.</p>
<table class="data" id="failed-files">${FILE_HEAD}<tbody>${bad.map(fileRow)}</tbody></table>`
}
<h2>Pending files</h2>
${
  pending.length === 0
    ? html`<p id="pending-none">None.</p>`
    : html`<p class="note">Seen, queued or being archived; "growing": archived once, grown since, its newest bytes not archived yet.</p>
<table class="data" id="pending-files">${FILE_HEAD}<tbody>${shown.map(fileRow)}</tbody></table>
${pending.length > shown.length ? html`<p>... and ${pending.length - shown.length} more (<code>--json</code> lists all).</p>` : ''}`
}
</section>`;
}

function objectsSection(report: CompletenessReport): Html {
  const objects = report.objects;
  if (objects.mode === 'ledger-only') {
    return html`<section id="objects" data-objects-mode="ledger-only">
<h2>Objects in S3</h2>
<div class="digest unchecked"><p><b>Not checked</b> (<code>--ledger-only</code>): this report is the ledger's view. Without that option every archived object is confirmed in S3 with the ETag and size recorded when it was archived.</p></div>
</section>`;
  }
  const partial = objects.basis.size + objects.basis.existence;
  return html`<section id="objects" data-objects-mode="listed" data-objects-problems="${objects.problems.length}">
<h2>Objects in S3</h2>
<p>${objects.checked} archived object(s) confirmed against the ledger's ETag and size with ${objects.requests} ListObjectsV2 request(s) over ${objects.prefixes} instance-hour prefix(es): <b>${objects.checked - objects.problems.length} as archived, ${objects.problems.length} missing or replaced</b>.${partial > 0 ? html` ${partial} record(s) written before the ledger kept ETags were checked by size (or existence) only.` : ''}</p>
${
  objects.problems.length === 0
    ? html`<p id="objects-none">Every archived object is there as it was written.</p>`
    : html`<table class="data" id="object-problems"><thead><tr><th>Problem</th><th>Instance</th><th>Hour</th><th>File</th><th class="num">Gen</th><th>Key</th><th>Detail</th></tr></thead>
<tbody>${objects.problems.map(
        (p) =>
          html`<tr data-instance="${p.instance}" data-kind="${p.kind}"><td class="state lost">${p.kind.toUpperCase()}</td><td class="mono">${p.instance}</td><td>${time(p.hour)}</td><td class="mono wrap">${fileLabel(p)}</td><td class="num">${p.generation}</td><td class="mono wrap">${p.s3Key}</td><td class="wrap">${p.detail}</td></tr>`,
      )}</tbody></table>
<p class="note">ETag and size show whether the object is the one written; <code>${TOOL_NAME} verify</code> re-reads the bytes and says how to restore an earlier version.</p>`
}
</section>`;
}

function digestSection(report: CompletenessReport): Html {
  const check = `${TOOL_NAME} verify --digests --from ${isoMinute(report.from)} --to ${isoMinute(report.to)}`;
  const chain: DigestChainStatus | undefined = report.digestChain;
  if (chain === undefined) {
    return html`<section id="digest-chain" data-digest-status="not-checked">
<h2>Digest chain</h2>
<div class="digest unchecked"><p><b>Not checked.</b> This report was made from the ledger alone; the hourly digest chain of the archive was not checked for this window.</p>
<p>To check it: <code id="digest-command">${check}</code></p></div>
</section>`;
  }
  return html`<section id="digest-chain" data-digest-status="${chain.status}">
<h2>Digest chain</h2>
<p class="digest ${chain.status}"><b>${chain.status.toUpperCase()}</b>: ${chain.hoursChecked} hour(s) checked at ${time(chain.checkedAt)}.</p>
${
  chain.problems.length > 0
    ? html`<table class="data" id="digest-problems"><thead><tr><th>Hour</th><th>Problem</th></tr></thead>
<tbody>${chain.problems.map((p) => html`<tr><td>${time(p.hour)}</td><td class="wrap">${p.detail}</td></tr>`)}</tbody></table>`
    : ''
}
<p class="note">Check again: <code id="digest-command">${check}</code></p>
</section>`;
}

function hoursSection(report: CompletenessReport): Html {
  const rows = report.instances.flatMap((instance) =>
    instance.hours
      .filter((h) => h.files > 0 || h.holes.length > 0)
      .map((h) => ({ instance: instance.instance, ...h })),
  );
  const quiet = report.instances.reduce((n, i) => n + i.hours.length, 0) - rows.length;
  return html`<section id="hours">
<h2>Instance-hours with files or holes</h2>
${
  rows.length === 0
    ? html`<p>None.</p>`
    : html`<table class="data"><thead><tr><th>Instance</th><th>Hour</th><th class="num">Files</th><th class="num">Archived</th><th class="num">Bytes</th><th class="num">Pending</th><th class="num">Failed</th><th class="num">Lost</th><th>Coverage</th></tr></thead>
<tbody>${rows.map(
        (r) =>
          html`<tr><td class="mono">${r.instance}</td><td>${time(r.hour)}</td><td class="num">${r.files}</td><td class="num">${r.archived}</td><td class="num">${formatBytes(r.archivedBytes)}</td><td class="num">${r.pending}</td><td class="num">${r.failed}</td><td class="num">${r.lost}</td><td>${r.holes.length > 0 ? r.holes.join(', ') : 'ok'}</td></tr>`,
      )}</tbody></table>`
}
${quiet > 0 ? html`<p class="note">${quiet} instance-hour(s) with no files and full coverage not shown.</p>` : ''}
</section>`;
}

/**
 * Renders the report as a complete HTML document (UTF-8). Heatmap cells carry `data-instance`,
 * `data-hour` (epoch ms, as in the JSON), `data-state` (the JSON's `cell`) and the counts.
 */
export function renderCompletenessHtml(report: CompletenessReport, provenance: HtmlProvenance): string {
  const verdict = report.verdict.complete ? 'COMPLETE' : 'INCOMPLETE';
  const subject = report.standalone
    ? `${report.logType} logs of instance ${report.cluster} (standalone)`
    : `${report.logType} logs of cluster ${report.cluster}${report.instanceFilter !== undefined ? `, instance ${report.instanceFilter}` : ''}`;
  const window = `${formatInstant(report.from)} to ${formatInstant(report.to)}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${TOOL_NAME} ${provenance.version}">
<title>${verdict}: ${subject}, ${window}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
<h1>Completeness of ${subject}</h1>
<p class="sub">${time(report.from)} to ${time(report.to)} (UTC)</p>
</header>
${verdictSection(report)}
${provenanceSection(report, provenance)}
${totalsSection(report)}
${heatmapSection(report)}
${coverageSection(report)}
${filesSection(report)}
${objectsSection(report)}
${digestSection(report)}
${hoursSection(report)}
<footer>Generated ${isoSecond(report.generatedAt)} (UTC) by <code>${provenance.commandLine}</code> (${TOOL_NAME} ${provenance.version}). The same report as JSON: add <code>--json</code>.</footer>
</body>
</html>
`;
  return page.text;
}
