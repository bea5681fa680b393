import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A process the reaper kills when the current process is gone. */
export interface ReapTarget {
  pid: number;
  /** A substring of the target's command line; the reaper kills the pid only while it matches. */
  marker: string;
}

const WATCHER = fileURLToPath(new URL('./reaper-watch.js', import.meta.url));

/**
 * Starts a detached watchdog that kills `targets` once the current process has died, however it
 * died (SIGKILL, crash, killed terminal). It exits by itself when the targets end first, so a
 * normal stop needs nothing else. Returns the watchdog's pid.
 */
export function startReaper(targets: ReapTarget[], intervalMs = 500): number {
  const child = spawn(
    process.execPath,
    [WATCHER, String(process.pid), String(intervalMs), ...targets.map((t) => `${t.pid}:${t.marker}`)],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  return child.pid ?? -1;
}
