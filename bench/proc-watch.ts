/**
 * Watches another process from outside through /proc (Linux): its resident memory and CPU time,
 * so a measured process's figures are its own and not the measuring process's.
 */
import { readFile } from 'node:fs/promises';

/** What a watch saw. */
export interface ProcessFigures {
  /** Highest VmHWM/VmRSS seen, bytes (0 when /proc was unreadable). */
  peakRssBytes: number;
  /** utime + stime at the last sample, seconds (slightly low: the last tick before exit is missed). */
  cpuSeconds: number;
  samples: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

/** Samples `pid` every `intervalMs` until `stop()`, which returns the figures. */
export function watchProcess(pid: number, intervalMs = 50): { stop(): Promise<ProcessFigures> } {
  const figures: ProcessFigures = { peakRssBytes: 0, cpuSeconds: 0, samples: 0 };
  let pending: Promise<void> = Promise.resolve();
  const sample = async () => {
    try {
      const [status, stat] = await Promise.all([
        readFile(`/proc/${pid}/status`, 'utf8'),
        readFile(`/proc/${pid}/stat`, 'utf8'),
      ]);
      const kb = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0);
      figures.peakRssBytes = Math.max(figures.peakRssBytes, kb('VmHWM') * 1024, kb('VmRSS') * 1024);
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(rest[11]) + Number(rest[12]);
      if (Number.isFinite(ticks)) figures.cpuSeconds = Math.max(figures.cpuSeconds, ticks / CLOCK_TICKS);
      figures.samples += 1;
    } catch {
      // The process is gone (or this is not Linux): keep what was seen.
    }
  };
  const timer = setInterval(() => {
    pending = pending.then(sample);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return figures;
    },
  };
}
