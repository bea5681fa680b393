/**
 * `completeness --html FILE` end to end: a real report from the local stack (archived, pending,
 * failed and lost files, a listing gap, a file with a hostile name), the page written by the
 * real CLI command, then opened in a real headless Chromium and compared with `--json`.
 */

import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { version } from '../../cli/version.js';
import type { CompletenessReport } from '../../core/operations/completeness/report.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { auroraAuditName } from '../support/factories.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The second listing comes 25 h after the first: more than the 24 h retention, so a gap. */
const T1 = T0 + 25 * HOUR;
const END = T1 + 80 * MINUTE;
const CLUSTER = 'aurora-audit-1';
const I1 = `${CLUSTER}-instance-1`;
const I2 = `${CLUSTER}-instance-2`;
/** A log file name that is markup: it must show as text and never run. */
const HOSTILE = 'audit/<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">.log';

const FILES = {
  // Alone in its hour: an all-archived cell.
  A: { instance: I1, name: auroraAuditName(0, T1 - HOUR), size: 3000, lastWritten: T1 - 30 * MINUTE },
  B: { instance: I2, name: auroraAuditName(0, T1), size: 4000, lastWritten: T1 + 50 * MINUTE },
  F: { instance: I1, name: auroraAuditName(1, T1), size: 2000, lastWritten: T1 + 50 * MINUTE },
  // Quiet since T1+65m: archived at once, but it vanishes from RDS first: lost.
  H: { instance: I2, name: HOSTILE, size: 1800, lastWritten: T1 + 65 * MINUTE },
  // Live and written just now: seen, waiting to settle.
  P: { instance: I2, name: auroraAuditName(3, T1), size: 1500, lastWritten: T1 + 80 * MINUTE },
} as const;

let h: PipelineHarness;
let browser: Browser | undefined;
let dir: string;

async function cli(...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env, cwd: dir });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

const WINDOW = [
  '--cluster',
  CLUSTER,
  '--from',
  new Date(T0).toISOString(),
  '--to',
  new Date(END).toISOString(),
];

describe('completeness --html in a headless Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'completeness-html-'));
    h = await startPipelineHarness('html', {
      workload: { instancesPerCluster: 2, historyHours: 0, logKinds: ['error'] },
      // One attempt: the always-failing file is FAILED at its first delivery, no retry to wait for.
      maxReceiveCount: 1,
      env: { ARCHIVER_MAX_ATTEMPTS: '1' },
    });
    await h.discover();
    h.clock.advance(25 * HOUR);
    await h.discover();
    h.clock.advance(80 * MINUTE);
    for (const file of Object.values(FILES)) {
      h.sim.world.addFile(file.instance, file.name, { size: file.size, lastWritten: file.lastWritten });
    }
    h.sim.faults.add({ kind: 'always-fail', instance: I1, file: FILES.F.name });
    h.sim.faults.add({ kind: 'vanish', instance: I2, file: 'onerror' });
    await h.discover();
    await h.drain();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.cleanup();
  });

  it('writes a page that renders, matches --json cell by cell, shows hostile names as text, and loads nothing', async () => {
    const file = join(dir, 'report.html');
    const argv = ['completeness', ...WINDOW, '--json', '--html', 'report.html'];
    const run = await cli(...argv);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`HTML report written to ${file}\n`);
    const report = JSON.parse(run.out) as CompletenessReport;
    // The scenario is what this test is about: every kind of cell state it should show.
    expect(report.totals).toMatchObject({ files: 5, archived: 2, pending: 1, failed: 1, lost: 1 });
    expect(report.unfinished.find((f) => f.logFileName === HOSTILE)?.state).toBe('lost');
    expect(report.holes.map((hole) => hole.kind)).toEqual(['gap', 'gap']);

    // No browser is a failure of this test that says how to install one, never a skip.
    browser = await launchChromium(findChromium());
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(0); // no wall-clock deadline of its own: vitest's timeout is the bound
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    // It rendered: title and verdict.
    expect(await page.title()).toMatch(new RegExp(`^INCOMPLETE: audit logs of cluster ${CLUSTER}, `));
    expect(await page.locator('#verdict .word').textContent()).toBe('INCOMPLETE');
    expect(await page.locator('#verdict li').allTextContents()).toEqual(report.verdict.reasons);
    expect(await page.locator('#command-line').textContent()).toBe(`rds-log-archiver ${argv.join(' ')}`);
    expect(await page.locator('#tool-version').textContent()).toBe(version());

    // Every heatmap cell, as the browser parsed it, against the JSON report.
    const shown = (await page.evaluate(
      `[...document.querySelectorAll('td.cell')].map((td) => ({ instance: td.dataset.instance, hour: Number(td.dataset.hour), state: td.dataset.state, files: Number(td.dataset.files) }))`,
    )) as { instance: string; hour: number; state: string; files: number }[];
    const expected = report.instances.flatMap((instance) =>
      instance.hours.map((row) => ({
        instance: instance.instance,
        hour: row.hour,
        state: row.cell,
        files: row.files,
      })),
    );
    expect(expected).toHaveLength(2 * 27);
    const order = (cells: typeof shown) =>
      [...cells].sort((a, b) => a.hour - b.hour || a.instance.localeCompare(b.instance));
    expect(order(shown)).toEqual(order(expected));
    expect(new Set(expected.map((c) => c.state))).toEqual(
      new Set(['hole', 'empty', 'archived', 'pending', 'failed', 'lost']),
    );

    // The hostile name is text in the lost-and-failed table, and nothing of it ran or loaded.
    const fileCells = await page.locator('#failed-files td.mono.wrap').allTextContents();
    expect(fileCells).toContain(HOSTILE);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(
      await page.evaluate(`document.querySelectorAll('script, img, iframe, object, embed, link').length`),
    ).toBe(0);
    expect(requests).toEqual([url]);

    // Coverage holes and the digest chain, as the report has them (no digester ran: absent).
    expect(await page.locator('#holes tbody tr').count()).toBe(report.holes.length);
    expect(report.digestChain?.status).toBe('absent');
    expect(await page.locator('#digest-chain').getAttribute('data-digest-status')).toBe('absent');
    expect(await page.locator('#digest-command').textContent()).toBe(
      `rds-log-archiver verify --digests --from ${new Date(T0).toISOString().slice(0, 16)}Z --to ${new Date(END).toISOString().slice(0, 16)}Z`,
    );

    const screenshot = join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    console.log(`completeness --html: page ${file}, screenshot ${screenshot}`);
    await page.close();
  });

  it('prints the text report as usual next to --html, and the page is the same report', async () => {
    const run = await cli('completeness', ...WINDOW, '--html', 'text.html');
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^INCOMPLETE: .*1 file lost/m);
    const page = await readFile(join(dir, 'text.html'), 'utf8');
    expect(page).toContain('data-verdict="INCOMPLETE"');
  });

  it('says in one line which file it could not write', async () => {
    const missing = join(dir, 'no-such-dir', 'report.html');
    const run = await cli('completeness', ...WINDOW, '--html', missing);
    expect(run.code).toBe(1);
    const lines = run.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`--html: cannot write ${missing}: no such file or directory (ENOENT)`);
    expect(run.out).toBe('');
  });
});
