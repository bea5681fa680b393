/** A column of `formatTable`: which field, its heading, and how to align it. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
  /** Default: right for numbers, left otherwise. */
  align?: 'left' | 'right';
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * A plain-text table: a header row, then one line per row, columns padded to their widest cell
 * and separated by two spaces. Numbers are right-aligned. `undefined`/`null` print as `-`.
 *
 * ```ts
 * formatTable(files, [{ header: 'FILE', value: (f) => f.name }, { header: 'BYTES', value: (f) => f.size }]);
 * ```
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const align = columns.map(
    (column, i) =>
      column.align ?? (cells.length > 0 && cells.every((r) => typeof r[i] === 'number') ? 'right' : 'left'),
  );
  const text = [columns.map((c) => c.header), ...cells.map((r) => r.map(cell))];
  const widths = columns.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) =>
      r
        .map((value, i) =>
          align[i] === 'right' ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
