/** Time helpers shared by the reports: hour arithmetic, instants from the command line, ages. */

export const HOUR_MS = 3_600_000;

/** Start of the UTC hour holding `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Hour starts h with floor(from) <= h < to: the hours a window [from, to) touches (none when empty). */
export function hoursOf(from: number, to: number): number[] {
  const hours: number[] = [];
  if (to <= from) return hours;
  for (let h = hourStart(from); h < to; h += HOUR_MS) hours.push(h);
  return hours;
}

/** Whether [aFrom, aTo) and [bFrom, bTo) share any instant. */
export function overlaps(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  return aFrom < bTo && bFrom < aTo;
}

const RELATIVE = /^-(\d+(?:\.\d+)?)([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS } as const;

/**
 * An instant from the command line: `now`, a relative time before now (`-30m`, `-6h`, `-2d`), or an
 * ISO 8601 date-time (`2026-03-01T10:00Z`, `2026-03-01`; without a zone it is read as UTC).
 * @returns epoch ms, or undefined when the text is none of these
 */
export function parseInstant(text: string, now: number): number | undefined {
  const value = text.trim();
  if (value === 'now') return now;
  const relative = RELATIVE.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value)) {
    return undefined;
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) && value.length > 10;
  let iso = value.replace(' ', 'T');
  if (/T\d{2}$/.test(iso)) iso += ':00';
  const ms = Date.parse(hasZone ? iso : `${iso}${iso.length > 10 ? 'Z' : 'T00:00Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A duration as the two largest units: `45s`, `12m`, `3h05m`, `2d04h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** `2026-03-01 10:00Z`: minutes are enough for an operator, and it fits a table. */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Bytes in binary units with one decimal: `512 B`, `1.5 KiB`, `3.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
