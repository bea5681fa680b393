import { ENGINE_SPECS, type Engine } from './engines.js';
import { EVENT_KINDS, type EventKind, type EventLog } from './events.js';
import type { SimClock } from './types.js';
import type { ServedFile, SimWorldInternal } from './world.js';

/**
 * RDS's own evidence of deletion ([LOG-STORAGE] in events.ts): Aurora says, with RDS-EVENT-0610
 * (retention) or RDS-EVENT-0611 (storage), when it deletes a log file it "hasn't published". On AWS
 * "published" means sent to CloudWatch Logs; the simulator has no CloudWatch, and what an archiver
 * needs to test is its own coverage, so here a file counts as published once a whole-file download
 * (`downloadCompleteLogFile`) has served all of its bytes. A file that grew after its last complete
 * download was not published in full.
 *
 * The world is a pure function of time and nothing runs in the background, so deletions are found
 * by looking back: each sweep walks from the last sweep to now in steps shorter than any file can
 * live (half the shortest retention), sees which files went away, and finds the exact moment of
 * each by bisection. A file gone at exactly its last write plus its retention was deleted by
 * retention; the storage-pressure control records its own deletions; anything else that vanished
 * (a test's explicit removal, a `vanish` fault) leaves no event, as RDS would not know of it.
 *
 * Only Aurora MySQL and Aurora PostgreSQL emit these events ([LOG-STORAGE]); RDS MySQL, MariaDB and
 * PostgreSQL also delete logs (by age, and the largest ones past a 2 % storage cap), silently.
 */

/** Engines whose log deletions RDS reports as events ([LOG-STORAGE]). */
export function reportsLogDeletions(engine: Engine): boolean {
  return ENGINE_SPECS[engine].clustered;
}

/** A file's identity across renames: its instance and content (names move, bytes do not). */
type FileKey = string;

interface Seen {
  instance: string;
  name: string;
  size: number;
  lastWritten: number;
  offset: number;
}

/** What a sweep or a storage-pressure deletion found, for tests and stats. */
export interface DeletionRecord {
  instance: string;
  file: string;
  at: number;
  reason: 'retention' | 'storage';
  /** True when an event was emitted (the file was never completely downloaded). */
  reported: boolean;
}

/** The deletion watch of one account-Region world. */
export interface DeletionWatch {
  /** Finds and reports every deletion since the last sweep, up to now. */
  sweep(): void;
  /** A download of `file` ended; `complete` when it served every byte listed when it began. */
  recordDownload(instance: string, file: ServedFile, sentBytes: number, complete: boolean): void;
  /**
   * Deletes the `count` oldest log files of an instance now, as low storage does, and reports each
   * one never completely downloaded with RDS-EVENT-0611 (Aurora only).
   */
  storagePressure(instance: string, count?: number): DeletionRecord[];
  /** Every deletion found so far. */
  deletions(): DeletionRecord[];
}

/** Where an instance's events point. */
export interface EventSource {
  arnOf(instance: string): string;
}

const MIN_STEP_MS = 1000;
const MAX_STEP_MS = 10 * 60_000;
/** Bound on the look-back work of one sweep; past it the steps get longer (a coarser look). */
const MAX_SAMPLES = 20_000;

/** Starts watching `world` for deletions from now on, reporting them to `events`. */
export function createDeletionWatch(
  world: SimWorldInternal,
  clock: SimClock,
  events: EventLog,
  source: EventSource,
): DeletionWatch {
  const downloaded = new Map<FileKey, number>();
  const storageDeleted = new Set<FileKey>();
  const found: DeletionRecord[] = [];

  const watched = () => world.instances().filter((i) => reportsLogDeletions(i.engine));
  const keyOf = (instance: string, f: ServedFile): FileKey => `${instance}\u0000${f.content.id}`;

  /**
   * The files of an instance at `t` by identity. A content listed under two names at once (Aurora
   * MySQL's `mysql-error.log` is the unflushed tail of `mysql-error-running.log`) is kept as its
   * whole file, the one that starts at its first byte.
   */
  const snapshotOf = (instance: string, t: number, into: Map<FileKey, Seen>) => {
    for (const f of world.filesAt(instance, t)) {
      const key = keyOf(instance, f);
      const prior = into.get(key);
      if (prior !== undefined && (f.offset !== 0 || prior.offset === 0)) continue;
      into.set(key, { instance, name: f.name, size: f.size, lastWritten: f.lastWritten, offset: f.offset });
    }
  };
  const snapshot = (t: number): Map<FileKey, Seen> => {
    const out = new Map<FileKey, Seen>();
    for (const i of watched()) snapshotOf(i.id, t, out);
    return out;
  };
  const stateAt = (key: FileKey, instance: string, t: number): Seen | undefined => {
    const one = new Map<FileKey, Seen>();
    snapshotOf(instance, t, one);
    return one.get(key);
  };

  const report = (kind: EventKind, instance: string, file: string, at: number) => {
    events.add({
      eventId: kind.id,
      sourceType: 'db-instance',
      sourceIdentifier: instance,
      sourceArn: source.arnOf(instance),
      message: kind.message({ file }),
      categories: [...kind.categories],
      date: at,
      file,
    });
  };

  const published = (key: FileKey, size: number) => size === 0 || (downloaded.get(key) ?? 0) >= size;

  /** A file present at `lo` is gone at `hi`: when, and why. */
  const vanished = (key: FileKey, seen: Seen, lo: number, hi: number) => {
    if (storageDeleted.has(key)) return;
    let present = lo;
    let gone = hi;
    while (gone - present > 1) {
      const mid = Math.floor((present + gone) / 2);
      if (stateAt(key, seen.instance, mid) !== undefined) present = mid;
      else gone = mid;
    }
    const last = stateAt(key, seen.instance, present) ?? seen;
    if (last.lastWritten + world.retentionMs(seen.instance, last.name) !== gone) return;
    const reported = !published(key, last.size);
    found.push({ instance: seen.instance, file: last.name, at: gone, reason: 'retention', reported });
    if (reported) report(EVENT_KINDS.logDeletedRetention, seen.instance, last.name, gone);
  };

  const stepMs = (from: number, to: number) => {
    let shortest = MAX_STEP_MS * 2;
    for (const i of watched()) {
      for (const kind of ['audit/', 'error/', 'slowquery/', 'general/']) {
        shortest = Math.min(shortest, world.retentionMs(i.id, kind));
      }
    }
    const step = Math.max(MIN_STEP_MS, Math.min(MAX_STEP_MS, Math.floor(shortest / 2)));
    return Math.max(step, Math.ceil((to - from) / MAX_SAMPLES));
  };

  let sweptAt = clock.now();
  let present = snapshot(sweptAt);

  const sweep = () => {
    const now = clock.now();
    if (now <= sweptAt) return;
    const step = stepMs(sweptAt, now);
    let previous = sweptAt;
    for (let t = Math.min(sweptAt + step, now); ; t = Math.min(t + step, now)) {
      const current = snapshot(t);
      for (const [key, seen] of present) if (!current.has(key)) vanished(key, seen, previous, t);
      present = current;
      previous = t;
      if (t >= now) break;
    }
    sweptAt = now;
  };

  return {
    sweep,
    recordDownload(instance, file, sentBytes, complete) {
      // Only a download of the whole file from its first byte publishes it.
      if (!complete || file.offset !== 0) return;
      const key = keyOf(instance, file);
      downloaded.set(key, Math.max(downloaded.get(key) ?? 0, sentBytes));
    },
    storagePressure(instance, count = 1) {
      sweep();
      const now = clock.now();
      const engine = world.instance(instance)?.engine;
      const oldest = world
        .listFiles(instance)
        .sort((a, b) => a.lastWritten - b.lastWritten || (a.name < b.name ? -1 : 1))
        .slice(0, Math.max(0, count));
      const out: DeletionRecord[] = [];
      for (const f of oldest) {
        const served = world.file(instance, f.name);
        world.removeFile(instance, f.name);
        if (served === undefined) continue;
        const key = keyOf(instance, served);
        storageDeleted.add(key);
        const reported = engine !== undefined && reportsLogDeletions(engine) && !published(key, served.size);
        const record: DeletionRecord = { instance, file: f.name, at: now, reason: 'storage', reported };
        found.push(record);
        out.push(record);
        if (reported) report(EVENT_KINDS.logDeletedStorage, instance, f.name, now);
      }
      return out;
    },
    deletions: () => found.map((d) => ({ ...d })),
  };
}
