import { AwsErrorAnswer } from './errors.js';

/** A describe filter: `Filters.Filter.N.Name` with its `Values.Value.M`. */
export interface QueryFilter {
  name: string;
  values: string[];
}

/** Reads the `Filters.Filter.N.*` members of a Query request. */
export function readFilters(params: URLSearchParams): QueryFilter[] {
  const byIndex = new Map<number, QueryFilter>();
  for (const [key, value] of params) {
    const m = /^Filters\.Filter\.(\d+)\.(Name|Values\.Value\.(\d+))$/.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    let f = byIndex.get(index);
    if (!f) {
      f = { name: '', values: [] };
      byIndex.set(index, f);
    }
    if (m[2] === 'Name') f.name = value;
    else f.values[Number(m[3]) - 1] = value;
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, f]) => ({ name: f.name, values: f.values.filter((v) => v !== undefined) }));
}

/** Reads an optional integer (Long/Integer) parameter; a non-integer is the caller's error. */
export function readInteger(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw new AwsErrorAnswer(400, 'InvalidParameterValue', `Invalid value '${raw}' for parameter ${name}.`);
  }
  return Number(raw);
}

/** MaxRecords within AWS's bounds, else AWS's InvalidParameterValue. */
export function readMaxRecords(
  params: URLSearchParams,
  bounds: { min: number; max: number; dflt: number },
): number {
  const n = readInteger(params, 'MaxRecords');
  if (n === undefined) return bounds.dflt;
  if (n < bounds.min || n > bounds.max) {
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterValue',
      `Invalid value ${n} for MaxRecords. Must be between ${bounds.min} and ${bounds.max}`,
    );
  }
  return n;
}

/** Opaque marker: the sort key of the last item of the previous page. */
export function encodeMarker(lastKey: string): string {
  return Buffer.from(`v1:${lastKey}`, 'utf8').toString('base64');
}

/** Decodes a marker from {@link encodeMarker}; anything else is InvalidParameterValue as on AWS. */
export function decodeMarker(marker: string | null): string | undefined {
  if (marker === null || marker === '') return undefined;
  const text = Buffer.from(marker, 'base64').toString('utf8');
  if (!text.startsWith('v1:')) {
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterValue',
      'The parameter Marker is not a valid pagination token.',
    );
  }
  return text.slice(3);
}

/** One page of items sorted by `key`, after `marker`, with the next marker when more remain. */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  markerParam: string | null,
  maxRecords: number,
): { items: T[]; marker?: string } {
  const after = decodeMarker(markerParam);
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((i) => key(i) > after);
  const out = rest.slice(0, maxRecords);
  const last = out[out.length - 1];
  return rest.length > maxRecords && last !== undefined
    ? { items: out, marker: encodeMarker(key(last)) }
    : { items: out };
}
