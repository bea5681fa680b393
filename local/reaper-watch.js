// Detached watchdog: kills emulator processes once the process that started them is gone.
//
// Why: a Node parent killed with SIGKILL (or crashing hard) runs no exit handlers, and Linux does
// not kill its children, so a Java DynamoDB Local would live on forever. This tiny process is
// started detached (own process group, so a Ctrl-C to the parent's group does not kill it first),
// polls the parent pid, and when the parent is gone terminates the watched pids.
//
// Plain JavaScript on purpose: it must start with bare `node`, without the tsx loader.
//
// Usage: node reaper-watch.js <parentPid> <intervalMs> <pid>:<cmdlineMarker> [...]
// A pid is only killed while /proc/<pid>/cmdline still contains its marker (guards pid reuse).
import { readFileSync } from 'node:fs';

const [parentArg, intervalArg, ...targetArgs] = process.argv.slice(2);
const parentPid = Number(parentArg);
const intervalMs = Number(intervalArg) || 500;
const targets = targetArgs.map((arg) => {
  const at = arg.indexOf(':');
  return { pid: Number(arg.slice(0, at)), marker: arg.slice(at + 1) };
});

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/** @param {{ pid: number, marker: string }} target */
function stillOurs(target) {
  if (!alive(target.pid)) return false;
  try {
    return readFileSync(`/proc/${target.pid}/cmdline`, 'utf8').includes(target.marker);
  } catch {
    // No /proc (macOS): trust the pid.
    return true;
  }
}

/** @param {NodeJS.Signals} signal */
function signalAll(signal) {
  for (const target of targets) {
    if (stillOurs(target)) {
      try {
        process.kill(target.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

const timer = setInterval(() => {
  if (!targets.some(stillOurs)) {
    // Everything we watch ended normally: nothing left to do.
    process.exit(0);
  }
  if (!alive(parentPid)) {
    clearInterval(timer);
    signalAll('SIGTERM');
    setTimeout(() => {
      signalAll('SIGKILL');
      process.exit(0);
    }, 3000);
  }
}, intervalMs);
