import { type ContentSpec, entryCeil, entryFloor, timeOfOffset } from './content.js';
import {
  auditRotationSuffix,
  ENGINE_SPECS,
  type Engine,
  type LogKind,
  type PgLogFilename,
} from './engines.js';
import type { LineFormat } from './log-lines.js';
import { hashString } from './random.js';
import { bytesWritten, timeOfByte, type Writer } from './timeline.js';
import { instanceHostName, type ResolvedWorkload, sideRate, writerRate } from './workload.js';

/**
 * The rotation models: for each log an engine writes, which files exist at a given time, under
 * which names, with which content. All pure functions of (workload, instance, history start, forced
 * rotations, now), so the same world at the same time always lists the same files.
 *
 * Four models (facts and sources in engines.ts):
 * - Aurora MySQL audit: 4 writers, a new file at each hour and when one reaches the rotation size;
 *   unique names `audit/audit.log.<writer>.<YYYY-MM-DD-HH-MM>.<n>` that never change.
 * - Hourly files: Aurora's `<base>` (live) and `<base>.YYYY-MM-DD.HH` (rotated hour); RDS MySQL's
 *   and MariaDB's `<base>` and `<base>.<H>` where H is the UTC hour of the rotation, so a name comes
 *   back every day with new content.
 * - The MariaDB audit plugin's rename rotation: `server_audit.log` -> `.1` -> `.2`... at the size.
 * - PostgreSQL: `postgresql.log.<log_filename>` rotated by age and size, a new file only when the
 *   name changes (PostgreSQL appends to a file whose name comes back), `.csv` beside it with csvlog.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;

/** A file as listed now: its name, its bytes (a view into some content) and its state. */
export interface FileVersion {
  name: string;
  kind: LogKind;
  content: ContentSpec;
  /** Offset of the file's first byte in `content` (a view: `mysql-error.log`). */
  offset: number;
  size: number;
  lastWritten: number;
}

/** What every stream of one instance shares. */
export interface StreamContext {
  w: ResolvedWorkload;
  instance: string;
  engine: Engine;
  /** Files that stopped being written before this time do not exist (the history window). */
  historyStart: number;
  /** Forced rotation times of a stream, ascending. */
  forced(streamId: string): number[];
}

/** One log an instance writes, with its rotation model. */
export interface LogStream {
  id: string;
  kind: LogKind;
  /** True when a rotation can be forced (audit, PostgreSQL); hourly logs rotate only by the clock. */
  rotatable: boolean;
  files(now: number): FileVersion[];
  /** Forget cached segments (after a forced rotation). */
  reset(): void;
}

/** A physical file: written by `content.writer` from `content.startMs` until `endMs`. */
interface Segment {
  name: string;
  content: ContentSpec;
  endMs: number;
  /** Known when the file was closed by its size limit. */
  finalSize?: number;
}

function retentionOf(ctx: StreamContext, kind: LogKind): number {
  if (ctx.w.retentionHours !== undefined) return ctx.w.retentionHours * HOUR;
  if (ctx.engine === 'postgres' || ctx.engine === 'aurora-postgresql')
    return ctx.w.pgRetentionMinutes * MINUTE;
  return ENGINE_SPECS[ctx.engine].retentionMs[kind];
}

function writerOf(ctx: StreamContext, streamId: string, bytesPerSecond: number): Writer {
  return ctx.w.quietPeriods
    ? { bytesPerSecond, quietSalt: hashString(`${ctx.w.seed}/${ctx.instance}/${streamId}/quiet`) }
    : { bytesPerSecond };
}

function contentId(ctx: StreamContext, streamId: string, key: string): string {
  return `${ctx.w.seed}\u0000${ctx.instance}\u0000${streamId}\u0000${key}`;
}

/** States of closed files, which never change (bounded; rebuilt on demand). */
const closedStates = new Map<string, { size: number; lastWritten: number }>();

/** Size and last write of a segment at `now`. */
function segmentState(seg: Segment, now: number): { size: number; lastWritten: number } {
  if (now < seg.endMs) return openState(seg, now);
  const w = seg.content.writer;
  const key = `${seg.content.id}|${seg.content.startMs}|${w.bytesPerSecond}|${w.quietSalt}|${seg.endMs}|${seg.finalSize}`;
  let state = closedStates.get(key);
  if (!state) {
    state = openState(seg, now);
    if (closedStates.size >= 100_000) closedStates.clear();
    closedStates.set(key, state);
  }
  return state;
}

function openState(seg: Segment, now: number): { size: number; lastWritten: number } {
  const until = Math.min(now, seg.endMs);
  const c = seg.content;
  let size: number;
  if (seg.finalSize !== undefined && now >= seg.endMs) {
    size = seg.finalSize;
  } else {
    size = entryFloor(c, bytesWritten(c.writer, c.startMs, until));
    if (seg.finalSize !== undefined) size = Math.min(size, seg.finalSize);
  }
  // A file's mtime is its last write: the moment its last whole entry was complete.
  // (LastWritten is whole epoch milliseconds in DescribeDBLogFiles.)
  const lastWritten = Math.floor(
    size === 0 ? Math.min(c.startMs, until) : Math.min(until, timeOfOffset(c, size)),
  );
  return { size, lastWritten };
}

/**
 * Where a file that started at `content.startMs` ends: at `hardEnd`, when it reaches `limitBytes`
 * (on the first whole entry at or past it), or at a forced rotation, whichever comes first.
 */
function closeSegment(
  name: string,
  content: ContentSpec,
  hardEnd: number,
  limitBytes: number | undefined,
  forced: number[],
): Segment {
  let endMs = hardEnd;
  let finalSize: number | undefined;
  if (limitBytes !== undefined && limitBytes > 0) {
    const size = entryCeil(content, limitBytes);
    const at = timeOfByte(content.writer, content.startMs, size);
    if (at < endMs) {
      endMs = at;
      finalSize = size;
    }
  }
  const f = forced.find((t) => t > content.startMs && t < endMs);
  if (f !== undefined) {
    endMs = f;
    finalSize = undefined;
  }
  return finalSize === undefined ? { name, content, endMs } : { name, content, endMs, finalSize };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** UTC `YYYY-MM-DD`, `HH`, `MM` of a time. */
function utc(ms: number): { day: string; hour: string; minute: string; h: number } {
  const d = new Date(ms);
  return {
    day: `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`,
    hour: pad2(d.getUTCHours()),
    minute: pad2(d.getUTCMinutes()),
    h: d.getUTCHours(),
  };
}

function toVersion(seg: Segment, kind: LogKind, now: number, name = seg.name): FileVersion {
  return { name, kind, content: seg.content, offset: 0, ...segmentState(seg, now) };
}

function firstHour(ctx: StreamContext, now: number, retentionMs: number): number {
  return Math.max(Math.floor(ctx.historyStart / HOUR), Math.floor((now - retentionMs) / HOUR) - 1) * HOUR;
}

/** Aurora MySQL audit, one writer: hourly and size rotation, unique names (see the file header). */
export function auroraAuditStream(ctx: StreamContext, writerIndex: number): LogStream {
  const id = `audit.${writerIndex}`;
  const writer = writerOf(ctx, id, writerRate(ctx.w, ctx.instance, writerIndex));
  const retention = retentionOf(ctx, 'audit');
  const cache = new Map<number, Segment[]>();
  const hourSegments = (hourStart: number): Segment[] => {
    let segs = cache.get(hourStart);
    if (segs) return segs;
    segs = [];
    const hourEnd = hourStart + HOUR;
    const forced = ctx.forced(id);
    for (let k = 1, start = hourStart; start < hourEnd; k++) {
      const t = utc(start);
      const name = `audit/audit.log.${writerIndex}.${t.day}-${t.hour}-${t.minute}.${k}`;
      const content: ContentSpec = {
        // The content of an Aurora audit file is keyed by its name: names are identities here.
        id: `${ctx.w.seed}\u0000${ctx.instance}\u0000${name}`,
        format: 'aurora-audit',
        host: ctx.instance,
        startMs: start,
        writer,
      };
      const seg = closeSegment(name, content, hourEnd, ctx.w.rotateBytes, forced);
      segs.push(seg);
      start = Math.max(seg.endMs, start + 1);
    }
    cache.set(hourStart, segs);
    return segs;
  };
  return {
    id,
    kind: 'audit',
    rotatable: true,
    reset: () => cache.clear(),
    files(now) {
      const out: FileVersion[] = [];
      for (let hour = firstHour(ctx, now, retention); hour <= now; hour += HOUR) {
        for (const seg of hourSegments(hour)) {
          if (seg.content.startMs > now || seg.endMs <= ctx.historyStart) continue;
          const v = toVersion(seg, 'audit', now);
          if (v.lastWritten + retention <= now) continue;
          out.push(v);
        }
      }
      // Hours far behind the retention window are never asked for again.
      for (const h of cache.keys()) if (h < now - retention - 2 * HOUR) cache.delete(h);
      return out;
    },
  };
}

const KIND_BASE: Record<'error' | 'slowquery' | 'general', string> = {
  error: 'error/mysql-error-running.log',
  slowquery: 'slowquery/mysql-slowquery.log',
  general: 'general/mysql-general.log',
};
const KIND_FORMAT: Record<'error' | 'slowquery' | 'general', LineFormat> = {
  error: 'mysql-error',
  slowquery: 'mysql-slow',
  general: 'mysql-general',
};
const KIND_RATE: Record<'error' | 'slowquery' | 'general', [number, number]> = {
  error: [0.01, 11],
  slowquery: [0.1, 23],
  general: [0.5, 31],
};

/**
 * Hourly MySQL-family logs (error, slow query, general): one physical file per UTC hour. The live
 * hour is `<base>`. Aurora names a rotated hour `<base>.YYYY-MM-DD.HH` (its own hour); RDS MySQL and
 * MariaDB name it `<base>.<H>`, H the UTC hour it was rotated at, so each of those 24 names comes
 * back every day with new content. The error log reaches `mysql-error-running.log` only at the
 * 5-minute flushes; what was written since the last flush is `error/mysql-error.log`.
 */
export function hourlyStream(ctx: StreamContext, kind: 'error' | 'slowquery' | 'general'): LogStream {
  const id = kind;
  const [fraction, salt] = KIND_RATE[kind];
  const writer = writerOf(ctx, id, sideRate(ctx.w, ctx.instance, fraction, salt));
  const retention = retentionOf(ctx, kind);
  const base = KIND_BASE[kind];
  const aurora = ctx.engine === 'aurora-mysql';
  const segmentOf = (hour: number): Segment => ({
    name: base,
    endMs: hour + HOUR,
    content: {
      id: contentId(ctx, id, String(hour)),
      format: KIND_FORMAT[kind],
      host: '',
      startMs: hour,
      writer,
    },
  });
  return {
    id,
    kind,
    rotatable: false,
    reset: () => {},
    files(now) {
      const current = Math.floor(now / HOUR) * HOUR;
      const out: FileVersion[] = [];
      // RDS MySQL keeps at most 24 rotated hours under distinct names; Aurora keeps them all.
      const oldest = aurora
        ? firstHour(ctx, now, retention)
        : Math.max(firstHour(ctx, now, retention), current - 24 * HOUR);
      for (let hour = oldest; hour < current; hour += HOUR) {
        const seg = segmentOf(hour);
        if (seg.endMs <= ctx.historyStart) continue;
        const t = utc(hour);
        const rotatedAt = utc(hour + HOUR);
        const name = aurora ? `${base}.${t.day}.${t.hour}` : `${base}.${rotatedAt.h}`;
        const v = toVersion(seg, kind, now, name);
        if (v.lastWritten + retention <= now) continue;
        out.push(v);
      }
      const live = segmentOf(current);
      if (kind !== 'error') {
        out.push(toVersion(live, kind, now));
        return out;
      }
      // The running log holds what was flushed at the last 5-minute mark; the rest is mysql-error.log.
      const flushedAt = Math.max(current, Math.floor(now / FIVE_MINUTES) * FIVE_MINUTES);
      const flushed = segmentState(live, flushedAt);
      const all = segmentState(live, now);
      out.push({
        name: base,
        kind,
        content: live.content,
        offset: 0,
        size: flushed.size,
        lastWritten: flushedAt,
      });
      out.push({
        name: 'error/mysql-error.log',
        kind,
        content: live.content,
        offset: flushed.size,
        size: all.size - flushed.size,
        lastWritten: all.size > flushed.size ? all.lastWritten : flushedAt,
      });
      return out;
    },
  };
}

/**
 * The MariaDB Audit Plugin on RDS MySQL and MariaDB: one writer, `audit/server_audit.log`; when a
 * write finds the file at or over SERVER_AUDIT_FILE_ROTATE_SIZE, every rotated file moves up one
 * number, the oldest beyond SERVER_AUDIT_FILE_ROTATIONS is overwritten, and the live file becomes
 * `.1`. A rename keeps the file's bytes and mtime: its LastWritten and Size stay, its name changes.
 * With 0 rotations the file never rotates.
 */
export function renameAuditStream(ctx: StreamContext): LogStream {
  const id = 'audit';
  const writer = writerOf(ctx, id, writerRate(ctx.w, ctx.instance, 0));
  const retention = retentionOf(ctx, 'audit');
  const host = instanceHostName(ctx.instance);
  const rotations = ctx.w.auditRotations;
  const limit = rotations === 0 ? undefined : ctx.w.auditRotateBytes;
  const base = 'audit/server_audit.log';
  // Segments in order from the history start; the last one may still be open (endMs = Infinity).
  let segs: Segment[] = [];
  let firstIndex = 0;
  const extend = (now: number) => {
    const forced = ctx.forced(id);
    for (;;) {
      const last = segs[segs.length - 1];
      if (last && last.endMs > now) return;
      const index = firstIndex + segs.length;
      const start = last ? last.endMs : ctx.historyStart;
      const content: ContentSpec = {
        id: contentId(ctx, id, String(index)),
        format: 'mariadb-audit',
        host,
        startMs: start,
        writer,
      };
      segs.push(closeSegment(base, content, Number.POSITIVE_INFINITY, limit, forced));
      // Only the live file and `rotations` rotated ones can still be listed.
      if (segs.length > rotations + 2) {
        segs = segs.slice(segs.length - (rotations + 2));
        firstIndex = index - segs.length + 1;
      }
    }
  };
  return {
    id,
    kind: 'audit',
    rotatable: rotations > 0,
    reset: () => {
      segs = [];
      firstIndex = 0;
    },
    files(now) {
      extend(now);
      const out: FileVersion[] = [];
      const liveAt = segs.findIndex((s) => s.content.startMs <= now && s.endMs > now);
      for (let i = liveAt, n = 0; i >= 0 && n <= rotations; i--, n++) {
        const seg = segs[i] as Segment;
        const name = n === 0 ? base : `${base}${auditRotationSuffix(n, rotations)}`;
        const v = toVersion(seg, 'audit', now, name);
        if (n > 0 && v.lastWritten + retention <= now) continue;
        out.push(v);
      }
      return out;
    },
  };
}

function pgStamp(ms: number, fmt: PgLogFilename): string {
  const t = utc(ms);
  return fmt === 'day' ? t.day : fmt === 'hour' ? `${t.day}-${t.hour}` : `${t.day}-${t.hour}${t.minute}`;
}

const STAMP_MS: Record<PgLogFilename, number> = { day: 24 * HOUR, hour: HOUR, minute: MINUTE };

/**
 * RDS / Aurora PostgreSQL `error/postgresql.log.<log_filename>` (and `.csv` with csvlog): the
 * logging collector rotates every log_rotation_age (aligned to the epoch in UTC) and when a file
 * reaches log_rotation_size; a rotation opens the file named after the rotation time, and appends
 * when that name is the current one, so a new file starts only when the name changes.
 */
export function postgresStream(ctx: StreamContext, csv: boolean): LogStream {
  const id = csv ? 'postgresql.csv' : 'postgresql';
  const fmt: PgLogFilename = ctx.w.pgLogFilename ?? (ctx.engine === 'aurora-postgresql' ? 'minute' : 'hour');
  const stampMs = STAMP_MS[fmt];
  const ageMs = ctx.w.pgRotationAgeMinutes * MINUTE;
  const limit = ctx.w.pgRotationSizeKb > 0 ? ctx.w.pgRotationSizeKb * 1024 : undefined;
  const rate = writerRate(ctx.w, ctx.instance, 0);
  // The same events, as CSV rows: bigger, and written at the same moments.
  const writer = writerOf(ctx, 'postgresql', csv ? Math.round(rate * 1.4) : rate);
  const retention = retentionOf(ctx, 'error');
  const nextStampChange = (t: number) => (Math.floor(t / stampMs) + 1) * stampMs;
  let segs: Segment[] = [];
  const extend = (now: number) => {
    const forced = ctx.forced('postgresql');
    for (;;) {
      const last = segs[segs.length - 1];
      if (last && last.endMs > now) return;
      const start = last ? last.endMs : ctx.historyStart;
      const name = `error/postgresql.log.${pgStamp(start, fmt)}${csv ? '.csv' : ''}`;
      const content: ContentSpec = {
        id: contentId(ctx, id, String(start)),
        format: csv ? 'postgres-csv' : 'postgres',
        host: '',
        startMs: start,
        writer,
      };
      // The first age rotation that opens another name.
      const byAge = Math.ceil(nextStampChange(start) / ageMs) * ageMs;
      let end = byAge;
      if (limit !== undefined) {
        const over = timeOfByte(writer, start, entryCeil(content, limit));
        // Past the size, every check rotates; the name (hence the file) changes at the next stamp.
        end = Math.min(end, Math.max(nextStampChange(over), nextStampChange(start)));
      }
      const f = forced.find((t) => t > start && t < end && pgStamp(t, fmt) !== pgStamp(start, fmt));
      if (f !== undefined) end = f;
      segs.push({ name, content, endMs: end });
      if (segs.length > 10_000) segs = segs.slice(-5_000);
    }
  };
  return {
    id,
    kind: 'error',
    rotatable: true,
    reset: () => {
      segs = [];
    },
    files(now) {
      extend(now);
      const out: FileVersion[] = [];
      for (const seg of segs) {
        if (seg.content.startMs > now) continue;
        const v = toVersion(seg, 'error', now);
        if (v.lastWritten + retention <= now) continue;
        out.push(v);
      }
      return out;
    },
  };
}

/** The streams an instance of an engine writes, given the workload's log kinds. */
export function streamsOf(ctx: StreamContext): LogStream[] {
  const kinds = ctx.w.logKinds;
  const out: LogStream[] = [];
  switch (ctx.engine) {
    case 'aurora-mysql':
      if (kinds.includes('audit')) for (let i = 0; i < 4; i++) out.push(auroraAuditStream(ctx, i));
      for (const k of ['error', 'slowquery', 'general'] as const)
        if (kinds.includes(k)) out.push(hourlyStream(ctx, k));
      break;
    case 'mysql':
    case 'mariadb':
      if (kinds.includes('audit')) out.push(renameAuditStream(ctx));
      for (const k of ['error', 'slowquery', 'general'] as const)
        if (kinds.includes(k)) out.push(hourlyStream(ctx, k));
      break;
    case 'postgres':
    case 'aurora-postgresql':
      // PostgreSQL has one log (pgAudit writes into it); any selected kind turns it on.
      if (kinds.length > 0) {
        out.push(postgresStream(ctx, false));
        if (ctx.w.pgCsvlog) out.push(postgresStream(ctx, true));
      }
      break;
  }
  return out;
}
