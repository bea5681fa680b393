import { type ContentKey, contentSha256, contentStream } from './content.js';
import { RdsSimError } from './errors.js';
import type { SimClock, SimCluster, SimLogFile, SimWorld } from './types.js';
import { generatedClusters, liveSegments, type ResolvedWorkload, segmentState } from './workload.js';

/** Asked about an instance the world does not have. */
export class UnknownInstanceError extends RdsSimError {
  constructor(readonly instance: string) {
    super(`DBInstance ${instance} not found.`);
    this.name = 'UnknownInstanceError';
  }
}

type Override =
  | { removed: true }
  | { removed: false; size: number; lastWritten: number; growing: boolean; since: number; rate: number };

/** A {@link SimWorld} that can also answer whether an instance exists and one file's state. */
export interface SimWorldInternal extends SimWorld {
  hasInstance(instance: string): boolean;
  file(instance: string, name: string): SimLogFile | undefined;
}

const HOUR = 3_600_000;

/**
 * The simulated world at the clock's current time: generated clusters and log files (a pure function
 * of the workload, the world's origin and now) with the test's explicit changes layered on top.
 */
export function createWorld(w: ResolvedWorkload, clock: SimClock): SimWorldInternal {
  const origin = clock.now();
  const extraClusters: SimCluster[] = [];
  const overrides = new Map<string, Map<string, Override>>();

  const clusters = (): SimCluster[] => [...generatedClusters(w), ...extraClusters];
  const hasInstance = (instance: string) => clusters().some((c) => c.instances.includes(instance));
  const requireInstance = (instance: string) => {
    if (!hasInstance(instance)) throw new UnknownInstanceError(instance);
  };
  const overridesOf = (instance: string) => {
    let m = overrides.get(instance);
    if (!m) {
      m = new Map();
      overrides.set(instance, m);
    }
    return m;
  };
  const keyOf = (instance: string, name: string): ContentKey => ({ seed: w.seed, instance, name });

  const listFiles = (instance: string): SimLogFile[] => {
    requireInstance(instance);
    const now = clock.now();
    const files = new Map<string, SimLogFile>();
    for (const seg of liveSegments(w, instance, origin, now)) {
      files.set(seg.name, { instance, name: seg.name, ...segmentState(seg, now) });
    }
    for (const [name, o] of overridesOf(instance)) {
      if (o.removed) {
        files.delete(name);
        continue;
      }
      const grown = o.growing ? Math.floor((o.rate * Math.max(0, now - o.since)) / 1000) : 0;
      const lastWritten = o.growing ? Math.max(o.lastWritten, now) : o.lastWritten;
      if (lastWritten + w.retentionHours * HOUR <= now) {
        files.delete(name);
        continue;
      }
      files.set(name, { instance, name, size: o.size + grown, lastWritten });
    }
    return [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };

  const file = (instance: string, name: string) => listFiles(instance).find((f) => f.name === name);

  return {
    clusters,
    hasInstance,
    listFiles,
    file,
    read(instance, name, opts = {}) {
      const start = opts.start ?? 0;
      const end = opts.end ?? file(instance, name)?.size ?? 0;
      return contentStream(keyOf(instance, name), start, end);
    },
    async sha256(instance, name, size) {
      return contentSha256(keyOf(instance, name), size ?? file(instance, name)?.size ?? 0);
    },
    addFile(instance, name, opts) {
      requireInstance(instance);
      const now = clock.now();
      overridesOf(instance).set(name, {
        removed: false,
        size: opts.size,
        lastWritten: opts.lastWritten ?? now,
        growing: opts.growing ?? false,
        since: now,
        rate: w.writerBytesPerSecond,
      });
    },
    setSize(instance, name, size, lastWritten) {
      requireInstance(instance);
      const now = clock.now();
      overridesOf(instance).set(name, {
        removed: false,
        size,
        lastWritten: lastWritten ?? now,
        growing: false,
        since: now,
        rate: w.writerBytesPerSecond,
      });
    },
    removeFile(instance, name) {
      requireInstance(instance);
      overridesOf(instance).set(name, { removed: true });
    },
    addCluster(id, instances, tags) {
      extraClusters.push({ id, instances: [...instances], tags: { ...(tags ?? w.tags) } });
    },
  };
}
