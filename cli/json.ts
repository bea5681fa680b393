import type { CliIo } from './io.js';

/** The `--json` option, for `parseCommandArgs`: commands print machine-readable output with it. */
export const JSON_OPTION = { json: { type: 'boolean', default: false } } as const;

/**
 * Prints `value` as pretty JSON on stdout (one document, newline-terminated). Dates become ISO
 * strings, bigints strings, Maps and Sets plain objects/arrays.
 */
export function writeJson(io: Pick<CliIo, 'stdout'>, value: unknown): void {
  io.stdout.write(
    `${JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Map) return Object.fromEntries(v);
        if (v instanceof Set) return [...v];
        return v;
      },
      2,
    )}\n`,
  );
}
