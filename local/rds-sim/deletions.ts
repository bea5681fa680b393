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
 * by looking back: a sweep of an instance walks from its last sweep to now in steps no longer than
 * any file can live (its shortest retention), sees which files went away, and finds the exact
 * moment of each (last write plus retention, confirmed; else by bisection). Every question about
 * an instance's events sweeps it first, so an event is always recorded before any answer whose
 * window covers its date. A file gone at exactly its last write plus its retention was deleted by
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
  /** Finds and reports every deletion up to now: of one instance, or of all. */
  sweep(instance?: string): void;
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
    // Most files had stopped growing long before: then their deletion is due at last write plus
    // retention, and two looks confirm it. Otherwise bisect for the moment it went.
    let present = lo;
    let gone = hi;
    const due = seen.lastWritten + world.retentionMs(seen.instance, seen.name);
    if (
      due > lo &&
      due <= hi &&
      stateAt(key, seen.instance, due) === undefined &&
      stateAt(key, seen.instance, due - 1)
    ) {
      present = due - 1;
      gone = due;
    }
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

  /**
   * Samples no further apart than the shortest retention R of the instance: a file exists for at
   * least R (from its first byte to last write plus R), and any half-open span of length R holds
   * one point of a grid of spacing R, so no file comes and goes unseen between two samples.
   */
  const stepMs = (instance: string, from: number, to: number) => {
    let shortest = Number.POSITIVE_INFINITY;
    for (const kind of ['audit/', 'error/', 'slowquery/', 'general/']) {
      shortest = Math.min(shortest, world.retentionMs(instance, kind));
    }
    return Math.max(MIN_STEP_MS, shortest, Math.ceil((to - from) / MAX_SAMPLES));
  };

  // Each instance is swept on its own, from the world's start, when someone asks about it.
  const origin = clock.now();
  const state = new Map<string, { sweptAt: number; present: Map<FileKey, Seen> }>();

  const sweepInstance = (instance: string, now: number) => {
    let s = state.get(instance);
    if (!s) {
      s = { sweptAt: origin, present: new Map() };
      snapshotOf(instance, origin, s.present);
      state.set(instance, s);
    }
    if (now <= s.sweptAt) return;
    const step = stepMs(instance, s.sweptAt, now);
    let previous = s.sweptAt;
    for (let t = Math.min(s.sweptAt + step, now); ; t = Math.min(t + step, now)) {
      const current = new Map<FileKey, Seen>();
      snapshotOf(instance, t, current);
      for (const [key, seen] of s.present) if (!current.has(key)) vanished(key, seen, previous, t);
      s.present = current;
      previous = t;
      if (t >= now) break;
    }
    s.sweptAt = now;
  };

  const sweep = (instance?: string) => {
    const now = clock.now();
    for (const i of watched()) if (instance === undefined || i.id === instance) sweepInstance(i.id, now);
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
      sweep(instance);
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
