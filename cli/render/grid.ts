/**
 * The instance x hour grid of a completeness report: one character per hour, so a day fits a
 * terminal line and the bad hours stand out. Pure: text in, text out (ANSI colours optional).
 */

import type { CellState, CompletenessReport } from '../../core/operations/completeness/report.js';

/** Character and meaning of each cell state, in legend order. */
export const GRID_CELLS: Record<CellState, { char: string; meaning: string; colour: number }> = {
  archived: { char: '#', meaning: 'all archived', colour: 32 },
  empty: { char: '.', meaning: 'no files', colour: 2 },
  pending: { char: '~', meaning: 'pending', colour: 33 },
  unlisted: { char: '-', meaning: 'not listed yet', colour: 2 },
  hole: { char: '?', meaning: 'coverage hole', colour: 35 },
  failed: { char: 'F', meaning: 'failed', colour: 31 },
  lost: { char: 'L', meaning: 'lost', colour: 31 },
  missing: { char: 'M', meaning: 'object missing or replaced in S3', colour: 31 },
};

export interface GridOptions {
  /** Wrap cells in ANSI colour codes (only on a terminal). */
  colour?: boolean;
  /** Maximum hours per block; longer windows are cut into blocks (default 48). */
  hoursPerBlock?: number;
}

function paint(text: string, code: number, colour: boolean): string {
  return colour ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/**
 * Renders the grid: a date line (`MM-DD` where a day starts), two lines of hour digits, then one
 * line per instance, and a legend. Windows longer than `hoursPerBlock` hours come in blocks.
 */
export function renderGrid(report: CompletenessReport, options: GridOptions = {}): string {
  const colour = options.colour ?? false;
  const perBlock = Math.max(1, options.hoursPerBlock ?? 48);
  const labelWidth = Math.max(8, ...report.instances.map((i) => i.instance.length));
  const pad = ' '.repeat(labelWidth + 2);
  const lines: string[] = [];
  for (let start = 0; start < report.hours.length; start += perBlock) {
    const hours = report.hours.slice(start, start + perBlock);
    const dates = hours.map((h) => new Date(h));
    // A date label where each day starts, and at the block start when there is room before the next.
    const starts = dates.flatMap((d, i) => (i === 0 || d.getUTCHours() === 0 ? [i] : []));
    let dateLine = '';
    starts.forEach((i, k) => {
      const next = starts[k + 1];
      if (i === 0 && next !== undefined && next > 0 && next < 6) return;
      const d = dates[i]!;
      dateLine = `${dateLine.padEnd(i)}${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    });
    if (start > 0) lines.push('');
    lines.push(`${pad}${dateLine}`.trimEnd());
    lines.push(`${pad}${dates.map((d) => String(Math.floor(d.getUTCHours() / 10))).join('')}`);
    lines.push(`${pad}${dates.map((d) => String(d.getUTCHours() % 10)).join('')}`);
    for (const instance of report.instances) {
      const cells = instance.hours
        .slice(start, start + perBlock)
        .map((h) => paint(GRID_CELLS[h.cell].char, GRID_CELLS[h.cell].colour, colour))
        .join('');
      lines.push(`${instance.instance.padEnd(labelWidth)}  ${cells}`);
    }
  }
  lines.push('');
  lines.push(
    Object.values(GRID_CELLS)
      .map((cell) => `${paint(cell.char, cell.colour, colour)} ${cell.meaning}`)
      .join('   '),
  );
  return lines.join('\n');
}
