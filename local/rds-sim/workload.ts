import { hashString, mix } from './random.js';
import type { SimCluster, WorkloadOptions } from './types.js';

/** Workload options with every default applied. */
export type ResolvedWorkload = Required<WorkloadOptions>;

const HOUR = 3_600_000;

/** Applies the documented defaults of {@link WorkloadOptions}. */
export function resolveWorkload(opts: WorkloadOptions = {}): ResolvedWorkload {
  return {
    seed: opts.seed ?? 1,
    clusters: opts.clusters ?? 2,
    clusterPrefix: opts.clusterPrefix ?? 'aurora-audit',
    instancesPerCluster: opts.instancesPerCluster ?? 2,
    historyHours: opts.historyHours ?? 3,
    writerBytesPerSecond: opts.writerBytesPerSecond ?? 2048,
    rotateBytes: opts.rotateBytes ?? 100 * 1024 * 1024,
    retentionHours: opts.retentionHours ?? 24,
    logKinds: opts.logKinds ?? ['audit', 'error', 'slowquery'],
    tags: opts.tags ?? { archive: 'yes' },
  };
}

/** The generated clusters: `<prefix>-<n>`, instances `<cluster>-instance-<n>`, the first one the writer. */
export function generatedClusters(w: ResolvedWorkload): SimCluster[] {
  const clusters: SimCluster[] = [];
  for (let c = 1; c <= w.clusters; c++) {
    const id = `${w.clusterPrefix}-${c}`;
    const instances: string[] = [];
    for (let i = 1; i <= w.instancesPerCluster; i++) instances.push(`${id}-instance-${i}`);
    clusters.push({ id, instances, tags: { ...w.tags } });
  }
  return clusters;
}

/** A generated file segment: when it started, when it stops being written, how fast it grows. */
export interface Segment {
  name: string;
  startMs: number;
  endMs: number;
  bytesPerSecond: number;
  maxBytes: number;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD-HH-MM` (audit) pieces in UTC. */
function stamp(ms: number): { day: string; hour: string; minute: string } {
  const d = new Date(ms);
  return {
    day: `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`,
    hour: pad2(d.getUTCHours()),
    minute: pad2(d.getUTCMinutes()),
  };
}

/** Each audit writer writes at its own steady rate, 80-120% of the configured one. */
export function writerRate(w: ResolvedWorkload, instance: string, writer: number): number {
  const u = mix(hashString(`${w.seed}/${instance}`), writer) / 4294967296;
  return Math.max(1, Math.round(w.writerBytesPerSecond * (0.8 + 0.4 * u)));
}

/**
 * Every file segment of an instance that starts in hour `hourStart`: per audit writer, a new file at
 * the hour and whenever the current one reaches `rotateBytes`; one error and one slow-query file per hour.
 */
export function segmentsOfHour(w: ResolvedWorkload, instance: string, hourStart: number): Segment[] {
  const hourEnd = hourStart + HOUR;
  const out: Segment[] = [];
  const s = stamp(hourStart);
  if (w.logKinds.includes('audit')) {
    for (let writer = 0; writer < 4; writer++) {
      const rate = writerRate(w, instance, writer);
      const span = Math.max(1000, Math.ceil((w.rotateBytes / rate) * 1000));
      for (let k = 0, start = hourStart; start < hourEnd; k++, start += span) {
        const t = stamp(start);
        out.push({
          name: `audit/audit.log.${writer}.${t.day}-${t.hour}-${t.minute}.${k + 1}`,
          startMs: start,
          endMs: Math.min(start + span, hourEnd),
          bytesPerSecond: rate,
          maxBytes: w.rotateBytes,
        });
      }
    }
  }
  const small = (fraction: number, salt: number) =>
    Math.max(
      1,
      Math.round(w.writerBytesPerSecond * fraction * (0.5 + mix(hashString(instance), salt) / 4294967296)),
    );
  if (w.logKinds.includes('error')) {
    out.push({
      name: `error/mysql-error-running.log.${s.day}.${s.hour}`,
      startMs: hourStart,
      endMs: hourEnd,
      bytesPerSecond: small(0.01, 11),
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
  }
  if (w.logKinds.includes('slowquery')) {
    out.push({
      name: `slowquery/mysql-slowquery.log.${s.day}.${s.hour}`,
      startMs: hourStart,
      endMs: hourEnd,
      bytesPerSecond: small(0.1, 23),
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
  }
  return out;
}

/** Size of a segment at time `now` (bytes written so far), and when it was last written. */
export function segmentState(seg: Segment, now: number): { size: number; lastWritten: number } {
  const until = Math.min(now, seg.endMs);
  const size = Math.min(seg.maxBytes, Math.floor((seg.bytesPerSecond * (until - seg.startMs)) / 1000));
  return { size, lastWritten: until };
}

/**
 * The generated segments that exist at `now` on an instance: started at or after the history window
 * before `origin` and no later than now, and not yet removed by retention (`lastWritten + retention`).
 */
export function liveSegments(w: ResolvedWorkload, instance: string, origin: number, now: number): Segment[] {
  const retentionMs = w.retentionHours * HOUR;
  const first = Math.max(
    Math.floor(origin / HOUR) * HOUR - w.historyHours * HOUR,
    Math.floor((now - retentionMs) / HOUR) * HOUR - HOUR,
  );
  const out: Segment[] = [];
  for (let hour = first; hour <= now; hour += HOUR) {
    for (const seg of segmentsOfHour(w, instance, hour)) {
      if (seg.startMs > now) continue;
      if (seg.startMs < Math.floor(origin / HOUR) * HOUR - w.historyHours * HOUR) continue;
      if (Math.min(now, seg.endMs) + retentionMs <= now) continue;
      out.push(seg);
    }
  }
  return out;
}
