import { type ContentSpec, contentBytes, contentSha256, contentStream, entryFloor } from './content.js';
import { ENGINE_SPECS, type Engine, type LogKind } from './engines.js';
import { RdsSimError } from './errors.js';
import type { LineFormat } from './log-lines.js';
import { type FileVersion, type LogStream, streamsOf } from './streams.js';
import type { SimClock, SimCluster, SimInstance, SimLogFile, SimWorld } from './types.js';
import { generatedFleet, instanceHostName, type ResolvedWorkload } from './workload.js';

/** Asked about an instance the world does not have. */
export class UnknownInstanceError extends RdsSimError {
  constructor(readonly instance: string) {
    super(`DBInstance ${instance} not found.`);
    this.name = 'UnknownInstanceError';
  }
}

/**
 * A test's explicit file: removed (from `at` on, so a look at an earlier time still sees it), or
 * pinned to content, size and (when growing) a growth rate.
 */
type Override =
  | { removed: true; at: number }
  | {
      removed: false;
      content: ContentSpec;
      offset: number;
      size: number;
      lastWritten: number;
      growing: boolean;
      since: number;
      rate: number;
    };

/** A file's bytes and state as the world serves them now. */
export interface ServedFile extends SimLogFile {
  content: ContentSpec;
  offset: number;
}

/** A {@link SimWorld} that can also answer whether an instance exists and one file's state. */
export interface SimWorldInternal extends SimWorld {
  hasInstance(instance: string): boolean;
  instance(id: string): SimInstance | undefined;
  file(instance: string, name: string): ServedFile | undefined;
  /** Bytes [start, end) of a file as listed now (small ranges only). */
  bytes(instance: string, name: string, start: number, end: number): Buffer;
  /**
   * The files of an instance as they were (or will be) at time `t`: the generated files at `t` with
   * the explicit changes made so far. Exact for Aurora's streams, whose names never move (what the
   * deletion events need); the renaming MariaDB audit stream keeps only recent history.
   */
  filesAt(instance: string, t: number): ServedFile[];
  /** How long the instance keeps a file of that name after its last write (ms). */
  retentionMs(instance: string, name: string): number;
}

const HOUR = 3_600_000;

/**
 * When a file named like `...YYYY-MM-DD-HH-MM...`, `...YYYY-MM-DD.HH` or `...YYYY-MM-DD-HHMM` started,
 * so an explicitly added file carries plausible timestamps; undefined for a name without a time.
 */
export function nameTimeMs(name: string): number | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})(?:[-.](\d{2})(?:-?(\d{2}))?)?/.exec(name);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
}

/** The line format of a file, from its name (and the instance's engine for the ambiguous ones). */
export function formatOfName(name: string, engine: Engine): LineFormat {
  if (name.startsWith('audit/'))
    return name.includes('server_audit') || engine === 'mysql' || engine === 'mariadb'
      ? 'mariadb-audit'
      : 'aurora-audit';
  if (name.includes('postgresql.log')) return name.endsWith('.csv') ? 'postgres-csv' : 'postgres';
  if (engine === 'postgres' || engine === 'aurora-postgresql') return 'postgres';
  if (name.startsWith('error/')) return 'mysql-error';
  if (name.startsWith('slowquery/')) return 'mysql-slow';
  if (name.startsWith('general/')) return 'mysql-general';
  return engine === 'mysql' || engine === 'mariadb' ? 'mariadb-audit' : 'aurora-audit';
}

function kindOfName(name: string): LogKind {
  const head = name.slice(0, name.indexOf('/'));
  return head === 'error' || head === 'slowquery' || head === 'general' ? head : 'audit';
}

/**
 * The simulated world of one account and Region at the clock's current time: the generated fleet
 * and its log files (a pure function of the workload, the world's origin, the forced rotations and
 * now) with the test's explicit changes layered on top.
 */
export function createWorld(w: ResolvedWorkload, clock: SimClock): SimWorldInternal {
  const origin = clock.now();
  // The history window: files that stopped being written before it never existed.
  const historyStart = origin - w.historyHours * HOUR;
  const fleet = generatedFleet(w);
  const extraClusters: SimCluster[] = [];
  const extraInstances: SimInstance[] = [];
  const overrides = new Map<string, Map<string, Override>>();
  const forcedRotations = new Map<string, number[]>();
  const streams = new Map<string, LogStream[]>();
  const versions = new Map<string, number>();

  const clusters = (): SimCluster[] => [...fleet.clusters, ...extraClusters];
  const instances = (): SimInstance[] => [...fleet.instances, ...extraInstances];
  const instance = (id: string) => {
    for (const list of [extraInstances, fleet.instances]) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]?.id === id) return list[i];
    }
    return undefined;
  };
  const requireInstance = (id: string): SimInstance => {
    const found = instance(id);
    if (!found) throw new UnknownInstanceError(id);
    return found;
  };
  const overridesOf = (id: string) => {
    let m = overrides.get(id);
    if (!m) {
      m = new Map();
      overrides.set(id, m);
    }
    return m;
  };
  const streamsOfInstance = (inst: SimInstance): LogStream[] => {
    let list = streams.get(inst.id);
    if (!list) {
      list = streamsOf({
        w,
        instance: inst.id,
        engine: inst.engine,
        historyStart,
        forced: (streamId) => forcedRotations.get(`${inst.id}\u0000${streamId}`) ?? [],
      });
      streams.set(inst.id, list);
    }
    return list;
  };
  const retentionMs = (engine: Engine, kind: LogKind) => {
    if (w.retentionHours !== undefined) return w.retentionHours * HOUR;
    if (engine === 'postgres' || engine === 'aurora-postgresql') return w.pgRetentionMinutes * 60_000;
    return ENGINE_SPECS[engine].retentionMs[kind];
  };

  // The generated files of an instance at one time (tests add many files at the same time).
  const generatedMemo = new Map<string, { now: number; files: ServedFile[] }>();
  const generated = (inst: SimInstance, now: number): ServedFile[] => {
    const memo = generatedMemo.get(inst.id);
    if (memo && memo.now === now) return memo.files;
    const files: ServedFile[] = [];
    for (const stream of streamsOfInstance(inst)) {
      for (const v of stream.files(now)) files.push(toServed(inst.id, v));
    }
    generatedMemo.set(inst.id, { now, files });
    return files;
  };
  const served = (inst: SimInstance, now: number): Map<string, ServedFile> => {
    const files = new Map<string, ServedFile>();
    for (const f of generated(inst, now)) files.set(f.name, f);
    for (const [name, o] of overridesOf(inst.id)) {
      if (o.removed) {
        if (now >= o.at) files.delete(name);
        continue;
      }
      let size = o.size;
      let lastWritten = o.lastWritten;
      if (o.growing) {
        const grown = Math.floor((o.rate * Math.max(0, now - o.since)) / 1000);
        // Writes are whole entries: the size grows from one entry end to the next.
        size = Math.max(o.size, entryFloor(o.content, o.offset + o.size + grown) - o.offset);
        lastWritten = Math.max(o.lastWritten, now);
      }
      if (lastWritten + retentionMs(inst.engine, kindOfName(name)) <= now) {
        files.delete(name);
        continue;
      }
      files.set(name, { instance: inst.id, name, size, lastWritten, content: o.content, offset: o.offset });
    }
    return files;
  };
  const toServed = (id: string, v: FileVersion): ServedFile => ({
    instance: id,
    name: v.name,
    size: v.size,
    lastWritten: v.lastWritten,
    content: v.content,
    offset: v.offset,
  });

  const listFiles = (id: string): SimLogFile[] => {
    const inst = requireInstance(id);
    return [...served(inst, clock.now()).values()]
      .map(({ instance: i, name, size, lastWritten }) => ({ instance: i, name, size, lastWritten }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  const file = (id: string, name: string): ServedFile | undefined => {
    const inst = instance(id);
    return inst ? served(inst, clock.now()).get(name) : undefined;
  };

  /** Content for a name the test adds: the current content when the name exists, else its own. */
  const contentFor = (inst: SimInstance, name: string, fresh: boolean) => {
    const current = fresh ? undefined : file(inst.id, name);
    if (current) return { content: current.content, offset: current.offset };
    const version = versions.get(`${inst.id}\u0000${name}`) ?? 0;
    const format = formatOfName(name, inst.engine);
    const content: ContentSpec = {
      id: `${w.seed}\u0000${inst.id}\u0000${name}${version > 0 ? `\u0000r${version}` : ''}`,
      format,
      host: format === 'aurora-audit' ? inst.id : format === 'mariadb-audit' ? instanceHostName(inst.id) : '',
      startMs: nameTimeMs(name) ?? clock.now(),
      writer: { bytesPerSecond: w.writerBytesPerSecond },
    };
    return { content, offset: 0 };
  };

  const pin = (
    id: string,
    name: string,
    opts: { size: number; lastWritten?: number; growing?: boolean },
    fresh: boolean,
  ) => {
    const inst = requireInstance(id);
    const now = clock.now();
    const existing = overridesOf(id).get(name);
    const source =
      !fresh && existing && !existing.removed
        ? { content: existing.content, offset: existing.offset }
        : contentFor(inst, name, fresh);
    overridesOf(id).set(name, {
      removed: false,
      ...source,
      size: opts.size,
      lastWritten: opts.lastWritten ?? now,
      growing: opts.growing ?? false,
      since: now,
      rate: w.writerBytesPerSecond,
    });
  };

  const read = (id: string, name: string, opts: { start?: number; end?: number } = {}) => {
    const f = file(id, name);
    const start = opts.start ?? 0;
    const end = opts.end ?? f?.size ?? 0;
    if (!f) return contentStream(contentFor(requireInstance(id), name, false).content, start, end);
    return contentStream(f.content, f.offset + start, f.offset + end);
  };

  return {
    clusters,
    instances,
    instance,
    hasInstance: (id) => instance(id) !== undefined,
    listFiles,
    file,
    read,
    bytes(id, name, start, end) {
      const f = file(id, name);
      if (!f) return Buffer.alloc(0);
      return contentBytes(f.content, f.offset + start, f.offset + Math.min(end, f.size));
    },
    async sha256(id, name, size) {
      const f = file(id, name);
      const { content, offset } = f ?? contentFor(requireInstance(id), name, false);
      return contentSha256(content, offset + (size ?? f?.size ?? 0), offset);
    },
    addFile(id, name, opts) {
      pin(id, name, opts, false);
    },
    setSize(id, name, size, lastWritten) {
      pin(id, name, { size, ...(lastWritten === undefined ? {} : { lastWritten }) }, false);
    },
    removeFile(id, name) {
      requireInstance(id);
      overridesOf(id).set(name, { removed: true, at: clock.now() });
    },
    filesAt(id, t) {
      const inst = instance(id);
      return inst ? [...served(inst, t).values()] : [];
    },
    retentionMs(id, name) {
      return retentionMs(requireInstance(id).engine, kindOfName(name));
    },
    replaceContent(id, name, opts = {}) {
      const inst = requireInstance(id);
      const key = `${inst.id}\u0000${name}`;
      versions.set(key, (versions.get(key) ?? 0) + 1);
      const size = opts.size ?? file(id, name)?.size ?? 0;
      pin(id, name, { size, growing: opts.growing ?? false }, true);
    },
    rotate(id, fileFilter) {
      const inst = requireInstance(id);
      const now = clock.now();
      const rotated: string[] = [];
      for (const stream of streamsOfInstance(inst)) {
        if (!stream.rotatable) continue;
        const files = stream.files(now);
        const live = files.reduce<FileVersion | undefined>(
          (a, b) => (a === undefined || b.content.startMs > a.content.startMs ? b : a),
          undefined,
        );
        if (!live || (fileFilter !== undefined && !live.name.includes(fileFilter))) continue;
        const key = `${inst.id}\u0000${stream.id.replace(/\.csv$/, '')}`;
        const list = forcedRotations.get(key) ?? [];
        if (list.includes(now)) continue;
        list.push(now);
        list.sort((a, b) => a - b);
        forcedRotations.set(key, list);
        for (const s of streamsOfInstance(inst)) s.reset();
        generatedMemo.delete(inst.id);
        // A rotation that reopens the same name (PostgreSQL within the same log_filename stamp)
        // appends to the same file: nothing rotated.
        if (stream.files(now).some((f) => f.content.startMs === now)) rotated.push(live.name);
      }
      return rotated;
    },
    addCluster(id, members, tags, engine = 'aurora-mysql') {
      extraClusters.push({ id, engine, instances: [...members], tags: { ...(tags ?? w.tags) } });
      for (const m of members)
        extraInstances.push({ id: m, engine, cluster: id, tags: { ...(tags ?? w.tags) } });
    },
    addInstance(id, engine, tags) {
      extraInstances.push({ id, engine, tags: { ...(tags ?? w.tags) } });
    },
  };
}
