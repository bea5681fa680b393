import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, with its errors (unknown option, missing value) turned
 * into `UsageError` so the CLI exits 2 with a clear message.
 *
 * ```ts
 * const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, { positionals: 1 });
 * ```
 */
export function parseCommandArgs<const O extends Options>(
  argv: string[],
  options: O,
  { positionals = 0 }: { positionals?: number } = {},
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, '.'));
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
  }
  return parsed;
}

/**
 * Reads a numeric option: undefined stays undefined; anything not a finite number in
 * [min, max] (or not an integer when `integer`) is a `UsageError` naming the option.
 */
export function numberOption(
  value: string | undefined,
  name: string,
  { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'an integer' : 'a number';
    const lower = Number.isFinite(min);
    const upper = Number.isFinite(max);
    const range =
      lower && upper ? ` from ${min} to ${max}` : lower ? ` >= ${min}` : upper ? ` <= ${max}` : '';
    throw new UsageError(`--${name} must be ${kind}${range}, got '${value}'`);
  }
  return n;
}
