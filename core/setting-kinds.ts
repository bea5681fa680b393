/**
 * Kinds of setting values: how one value is read from the text of an environment variable or from
 * a JSON value (the deployment settings file), checked, and written back as text. The runtime
 * configuration (core/config.ts) and the deployment settings (infra/settings.ts) declare every
 * setting with one of these, and their readers, writers and documentation derive from the
 * declarations. Pure.
 */

/** A read value, or what is wrong with it, phrased to follow the setting's name ("must be ..."). */
export type Read<T> = { value: T } | { problem: string };

/** How values of one type are read, checked and written. */
export interface Kind<T> {
  /** Reads the (trimmed, non-empty) text of an environment variable. */
  fromText(text: string): Read<T>;
  /** Reads a value from parsed JSON. */
  fromJson(value: unknown): Read<T>;
  /** Writes a value so that `fromText` reads it back unchanged. */
  toText(value: T): string;
  /** A value as documentation shows it (a default in a README table). */
  show(value: T): string;
}

/** An extra check on a value: a problem ("must ...") or undefined when it is fine. */
export type Check<T> = (value: T) => string | undefined;

function checked<T>(value: T, check: Check<T> | undefined): Read<T> {
  const problem = check?.(value);
  return problem === undefined ? { value } : { problem };
}

/** The text of a JSON value for problems: `"x"` for strings, JSON otherwise. */
function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** A string; `check` adds rules, `normalize` canonicalises what was read (e.g. a trailing `/`). */
export function text(
  options: { check?: Check<string>; normalize?: (value: string) => string } = {},
): Kind<string> {
  const read = (value: string): Read<string> => {
    const result = checked(value, options.check);
    return 'value' in result && options.normalize ? { value: options.normalize(value) } : result;
  };
  return {
    fromText: read,
    fromJson: (value) => (typeof value === 'string' ? read(value) : { problem: `must be a string` }),
    toText: (value) => value,
    show: (value) => value,
  };
}

/** A whole number in [min, max] (in the variable's unit); the value is that number times `scale`. */
export function integer(options: { min: number; max: number; scale?: number }): Kind<number> {
  const { min, max, scale = 1 } = options;
  const inRange = (n: number): Read<number> =>
    n < min || n > max ? { problem: `must be from ${min} to ${max}, got ${n}` } : { value: n * scale };
  return {
    fromText: (raw) =>
      /^\d+$/.test(raw)
        ? inRange(Number(raw))
        : { problem: `must be a whole number from ${min} to ${max}, got "${raw}"` },
    fromJson: (value) =>
      typeof value === 'number' && Number.isInteger(value)
        ? inRange(value)
        : { problem: `must be a whole number from ${min} to ${max}, got ${quote(value)}` },
    toText: (value) => String(value / scale),
    show: (value) => String(value / scale),
  };
}

/** One of a fixed list of words. */
export function choice<const T extends string>(choices: readonly T[]): Kind<T> {
  const read = (value: unknown): Read<T> =>
    (choices as readonly unknown[]).includes(value)
      ? { value: value as T }
      : { problem: `must be one of ${choices.join(', ')}, got ${quote(value)}` };
  return { fromText: read, fromJson: read, toText: (value) => value, show: (value) => value };
}

/** true or false. */
export function flag(): Kind<boolean> {
  const read = (value: unknown): Read<boolean> =>
    value === true || value === 'true'
      ? { value: true }
      : value === false || value === 'false'
        ? { value: false }
        : { problem: `must be true or false, got ${quote(value)}` };
  return { fromText: read, fromJson: read, toText: String, show: String };
}

/**
 * A list of strings: comma-separated in a variable (blanks around items and empty items dropped),
 * a JSON array in a file. `item` checks each entry; its problem is prefixed with the entry.
 */
export function list(item?: Check<string>): Kind<string[]> {
  const read = (items: string[]): Read<string[]> => {
    const problems = items.flatMap((entry) => {
      const problem = item?.(entry);
      return problem === undefined ? [] : [`"${entry}" ${problem}`];
    });
    return problems.length > 0 ? { problem: problems.join('; ') } : { value: items };
  };
  return {
    fromText: (raw) =>
      read(
        raw
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part.length > 0),
      ),
    fromJson: (value) =>
      Array.isArray(value) && value.every((entry) => typeof entry === 'string')
        ? read(value)
        : { problem: `must be a list of strings, got ${quote(value)}` },
    toText: (value) => value.join(','),
    show: (value) => value.join(','),
  };
}

/** An http(s) URL. */
export function url(): Kind<string> {
  return text({
    check: (value) => {
      try {
        const { protocol } = new URL(value);
        if (protocol === 'https:' || protocol === 'http:') return undefined;
      } catch {
        // reported below
      }
      return `must be a URL, got "${value}"`;
    },
  });
}

/** A resource tag selector, `key=value` (only the first `=` splits: values may hold `=`). */
export interface TagSelector {
  key: string;
  value: string;
}

/** A `key=value` tag selector. */
export function tag(): Kind<TagSelector> {
  const read = (raw: unknown): Read<TagSelector> => {
    const at = typeof raw === 'string' ? raw.indexOf('=') : -1;
    if (typeof raw !== 'string' || at <= 0 || raw.slice(0, at).trim() === '')
      return { problem: `must be \`key=value\`, got ${quote(raw)}` };
    return { value: { key: raw.slice(0, at).trim(), value: raw.slice(at + 1).trim() } };
  };
  const toText = (value: TagSelector) => `${value.key}=${value.value}`;
  return { fromText: read, fromJson: read, toText, show: toText };
}

/** The same kind, where "no value" (undefined) is also a value; an empty string reads as none. */
export function optional<T>(kind: Kind<T>): Kind<T | undefined> {
  return {
    fromText: (raw) => kind.fromText(raw),
    fromJson: (value) =>
      value === undefined || value === null || value === '' ? { value: undefined } : kind.fromJson(value),
    toText: (value) => (value === undefined ? '' : kind.toText(value)),
    show: (value) => (value === undefined ? '' : kind.show(value)),
  };
}

/** A kind whose JSON form is read by `fromJson`, and whose text form is JSON too. */
export function json<T>(options: {
  fromJson: (value: unknown) => Read<T>;
  show: (value: T) => string;
}): Kind<T> {
  return {
    fromText: (raw) => {
      try {
        return options.fromJson(JSON.parse(raw));
      } catch {
        return { problem: `must be JSON, got "${raw}"` };
      }
    },
    fromJson: options.fromJson,
    toText: (value) => JSON.stringify(value),
    show: options.show,
  };
}
