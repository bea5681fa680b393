import { describe, expect, it } from 'vitest';
import { formatCommandLine } from '../../cli/command-line.js';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { type HtmlProvenance, renderCompletenessHtml } from '../../cli/render/completeness-html.js';
import { GRID_CELLS } from '../../cli/render/grid.js';
import { escapeHtml, html, raw } from '../../cli/render/html.js';
import { keys } from '../../core/ledger/records.js';
import {
  buildCompletenessReport,
  type CompletenessInput,
  type CompletenessReport,
} from '../../core/operations/completeness/report.js';
import { archivedRecord, auroraAuditName, fileRecord, HOUR, MINUTE } from '../support/factories.js';

/** Window start: 2024-10-01T22:00Z, so a 4-hour window crosses a UTC day. */
const W = Date.UTC(2024, 9, 1, 22, 0);
const RETENTION = 24 * HOUR;
const HOSTILE_CLUSTER = 'c<script>window.__pwned=1</script>';
const HOSTILE_INSTANCE = 'i" onmouseover="window.__pwned=2" x="<img src=x onerror=alert(1)>';
const HOSTILE_FILE = "audit/<script>alert('f')</script>&amp;.log";
const PROVENANCE: HtmlProvenance = {
  commandLine: formatCommandLine(['rds-log-archiver', 'completeness', '--cluster', HOSTILE_CLUSTER]),
  version: '9.8.7',
};

function meta(cluster: string, instance: string, firstListedAt: number, retentionMs = RETENTION) {
  return {
    pk: keys.activePk(instance),
    sk: '#META' as const,
    cluster,
    instance,
    firstListedAt,
    lastListedAt: W + 5 * HOUR,
    lastListedCount: 4,
    retentionMs,
    gsi1pk: 'INSTANCES' as const,
    gsi1sk: keys.instanceSk(cluster, instance),
  };
}

/**
 * A real report (built by the same pure function the CLI uses) about a cluster and instance with
 * hostile names: one archived file, a failed file with a hostile name and error, a lost file, a
 * pending one, and a coverage hole (the second instance, with a 1 h retention, was first listed
 * 2 h into the window: its first hour went unseen).
 */
function hostileReport(overrides: Partial<CompletenessInput> = {}): CompletenessReport {
  const on = { cluster: HOSTILE_CLUSTER, instance: HOSTILE_INSTANCE };
  return buildCompletenessReport({
    cluster: HOSTILE_CLUSTER,
    logType: 'audit',
    from: W,
    to: W + 4 * HOUR,
    now: W + 5 * HOUR + MINUTE,
    instances: [
      meta(HOSTILE_CLUSTER, HOSTILE_INSTANCE, W - 48 * HOUR),
      meta(HOSTILE_CLUSTER, 'plain-2', W + 2 * HOUR, HOUR),
    ],
    files: [
      archivedRecord(auroraAuditName(0, W + 5 * MINUTE), on),
      fileRecord(HOSTILE_FILE, {
        ...on,
        state: 'failed',
        hour: W + HOUR,
        lastError: 'DownloadServerError: <b>boom</b> for "audit/<script>"',
      }),
      fileRecord(auroraAuditName(1, W + 2 * HOUR), { ...on, state: 'lost', lastError: 'gone' }),
      fileRecord(auroraAuditName(2, W + 3 * HOUR), { ...on, state: 'queued' }),
    ],
    gaps: [],
    ...overrides,
  });
}

const unescapeHtml = (text: string) =>
  text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** The heatmap cells of a page: every `<td class="cell ...">` with its data attributes. */
function cells(page: string) {
  return [
    ...page.matchAll(/<td class="cell [^"]*" data-instance="([^"]*)" data-hour="(\d+)" data-state="(\w+)"/g),
  ].map((m) => ({ instance: unescapeHtml(m[1]!), hour: Number(m[2]), state: m[3] }));
}

describe('html tag', () => {
  it('escapes interpolated text, in bodies and attributes', () => {
    expect(html`<p title="${'a"b'}">${'<i>&</i>'}</p>`.text).toBe(
      '<p title="a&quot;b">&lt;i&gt;&amp;&lt;/i&gt;</p>',
    );
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('inserts nested html and arrays as they are, and nothing for false, null and undefined', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${false}${null}${undefined}${raw('<br>')}${3}`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul><br>3',
    );
  });
});

describe('formatCommandLine', () => {
  it('quotes only words the shell would read differently', () => {
    expect(formatCommandLine(['rds-log-archiver', 'completeness', '--from=-3h', '--to', 'now'])).toBe(
      'rds-log-archiver completeness --from=-3h --to now',
    );
    expect(formatCommandLine(['--cluster', "it's <x> $y", ''])).toBe(`--cluster 'it'\\''s <x> $y' ''`);
  });
});

describe('renderCompletenessHtml', () => {
  it('escapes every hostile cluster, instance, file name and error: no markup of theirs survives', () => {
    const page = renderCompletenessHtml(hostileReport(), PROVENANCE);
    // The page has no script and no image of its own, so any of these would be an injection.
    expect(page).not.toMatch(/<script|<img|<b>boom| onmouseover="/i);
    expect(page).toContain(escapeHtml(HOSTILE_CLUSTER));
    expect(page).toContain(escapeHtml(HOSTILE_INSTANCE));
    expect(page).toContain(escapeHtml(HOSTILE_FILE));
    expect(page).toContain('&lt;b&gt;boom&lt;/b&gt;');
    // Escaped once, not twice: the file name's own `&amp;` reads back as written.
    expect(page).toContain('&amp;amp;.log');
    expect(page).not.toContain('&amp;amp;amp;');
  });

  it('has one cell per instance and hour, carrying the report state and counts', () => {
    const report = hostileReport();
    const page = renderCompletenessHtml(report, PROVENANCE);
    const expected = report.instances.flatMap((instance) =>
      instance.hours.map((row) => ({ instance: instance.instance, hour: row.hour, state: row.cell })),
    );
    expect(expected).toHaveLength(8);
    // Page order is by day, then instance: compare as sets of (instance, hour, state).
    const key = (c: { instance: string; hour: number }) => `${c.hour} ${c.instance}`;
    const byKey = (list: typeof expected) => [...list].sort((x, y) => key(x).localeCompare(key(y)));
    expect(byKey(cells(page) as typeof expected)).toEqual(byKey(expected));
    // The states this scenario must produce, so the comparison covers more than one kind.
    expect(new Set(expected.map((c) => c.state))).toEqual(
      new Set(['archived', 'failed', 'lost', 'pending', 'hole', 'empty']),
    );
    expect(page).toContain(
      `data-hour="${W + HOUR}" data-state="failed" data-files="1" data-archived="0" data-pending="0" data-failed="1" data-lost="0"`,
    );
    // The window crosses midnight UTC: one table per day.
    expect(page).toContain('<caption>2024-10-01 (UTC)</caption>');
    expect(page).toContain('<caption>2024-10-02 (UTC)</caption>');
  });

  it('shows the verdict in the title and a banner, with every reason', () => {
    const report = hostileReport();
    const page = renderCompletenessHtml(report, PROVENANCE);
    expect(page).toMatch(/<title>INCOMPLETE: audit logs of cluster c&lt;script&gt;/);
    expect(page).toContain('data-verdict="INCOMPLETE"');
    for (const reason of report.verdict.reasons) expect(page).toContain(`<li>${escapeHtml(reason)}</li>`);

    const complete = buildCompletenessReport({
      cluster: 'ok',
      logType: 'audit',
      from: W,
      to: W + HOUR,
      now: W + 5 * HOUR,
      instances: [meta('ok', 'ok-1', W - 48 * HOUR)],
      files: [archivedRecord(auroraAuditName(0, W), { cluster: 'ok', instance: 'ok-1' })],
      gaps: [],
    });
    expect(complete.verdict.complete).toBe(true);
    const good = renderCompletenessHtml(complete, PROVENANCE);
    expect(good).toMatch(/<title>COMPLETE: /);
    expect(good).toContain('data-verdict="COMPLETE"');
  });

  it('has a legend for every cell state, with the meanings of the terminal grid', () => {
    const page = renderCompletenessHtml(hostileReport(), PROVENANCE);
    for (const [state, { char, meaning }] of Object.entries(GRID_CELLS)) {
      expect(page).toContain(
        `<li data-state="${state}"><span class="swatch s-${state}">${escapeHtml(char)}</span>${meaning}</li>`,
      );
    }
  });

  it('lists the coverage holes with their evidence and the lost and failed files with their errors', () => {
    const report = hostileReport();
    const page = renderCompletenessHtml(report, PROVENANCE);
    expect(report.holes.map((h) => [h.instance, h.kind])).toEqual([['plain-2', 'never-listed']]);
    expect(page).toContain('data-instance="plain-2" data-kind="never-listed"');
    expect(page).toContain(escapeHtml(report.holes[0]!.detail));
    expect(page).toMatch(/<table class="data" id="failed-files">/);
    expect(page).toContain(`data-state="failed"><td class="state failed">FAILED</td>`);
    expect(page).toContain(`data-state="lost"><td class="state lost">LOST</td>`);
    expect(page).toMatch(/<table class="data" id="pending-files">.*QUEUED/s);
  });

  it('is self-contained: loads nothing, and forbids loading anything', () => {
    const page = renderCompletenessHtml(hostileReport(), PROVENANCE);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline';`);
    // The tags themselves (attribute values blanked: the hostile names hold `src=` as text).
    const tags = page.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(100);
    expect(
      tags.filter((tag) => /\s(src|href|srcset|action|poster|data)=|^<(link|script|img|iframe)/i.test(tag)),
    ).toEqual([]);
    expect(page).not.toMatch(/url\(|@import|@font-face|https?:/i);
  });

  it('shows the command, the generation time (UTC) and the version', () => {
    const report = hostileReport();
    const page = renderCompletenessHtml(report, PROVENANCE);
    expect(page).toContain(`<code id="command-line">${escapeHtml(PROVENANCE.commandLine)}</code>`);
    expect(page).toContain('<span id="tool-version">9.8.7</span>');
    expect(page).toContain(`${new Date(report.generatedAt).toISOString().slice(0, 19)}Z (UTC)`);
  });

  it('says plainly that the digest chain was not checked, and how to check it, when the report has none', () => {
    const page = renderCompletenessHtml(hostileReport(), PROVENANCE);
    expect(page).toContain('data-digest-status="not-checked"');
    expect(page).toContain('<b>Not checked.</b>');
    expect(page).toContain(
      '<code id="digest-command">rds-log-archiver verify --digests --from 2024-10-01T22:00Z --to 2024-10-02T02:00Z</code>',
    );
  });

  it('shows a digest chain status when the report carries one', () => {
    const report: CompletenessReport = {
      ...hostileReport(),
      digestChain: {
        status: 'broken',
        checkedAt: W + 5 * HOUR,
        hoursChecked: 4,
        problems: [{ hour: W + 2 * HOUR, detail: 'digest <missing>' }],
      },
    };
    const page = renderCompletenessHtml(report, PROVENANCE);
    expect(page).toContain('data-digest-status="broken"');
    expect(page).toContain('<b>BROKEN</b>: 4 hour(s) checked');
    expect(page).toContain('digest &lt;missing&gt;');
    expect(page).not.toContain('Not checked.');
  });
});

describe('completeness --html on the command line', () => {
  it('is documented in --help', async () => {
    const { io, out } = bufferIo();
    expect(await main(['completeness', '--help'], io)).toBe(0);
    expect(out()).toMatch(/--html FILE\s+also write the report as an HTML page/);
  });

  it('refuses an empty file name as a usage error', async () => {
    const { io, err } = bufferIo();
    const code = await main(
      ['completeness', '--cluster', 'c', '--from=-1h', '--to', 'now', '--html', ''],
      io,
    );
    expect(code).toBe(2);
    expect(err()).toMatch(/--html needs a file name/);
  });
});
