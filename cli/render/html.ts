/**
 * HTML built so that escaping cannot be forgotten: the `html` tag escapes every interpolated
 * value unless it is itself the result of `html` (or of `raw`). Names from the ledger (clusters,
 * instances, file names, error messages) can hold anything, `<script>` included.
 */

/** A piece of HTML that is already safe to insert as is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Trusted markup written by this program (never data): inserted without escaping. */
export function raw(text: string): Html {
  return new Html(text);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  // `cond && html`...` leaves false behind: render nothing, like null and undefined.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html`<td title="${name}">${count}</td>`` escapes `name` and `count`; nested
 * `html` results and arrays of them are inserted as they are.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
