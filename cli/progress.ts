import type { CliOutput } from './io.js';

/** A progress line: `update` as work advances, `done` once at the end. */
export interface Progress {
  update(done: number, detail?: string): void;
  done(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  /** Known total enables a bar and a percentage; without it only the count is shown. */
  total?: number;
  /** Redraw at most this often; default 100 ms. */
  intervalMs?: number;
}

const BAR_WIDTH = 24;

function render(label: string, done: number, total: number | undefined, detail: string | undefined): string {
  const extra = detail ? `  ${detail}` : '';
  if (total === undefined || total <= 0) return `${label} ${done}${extra}`;
  const ratio = Math.min(1, done / total);
  const filled = Math.round(ratio * BAR_WIDTH);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${Math.floor(ratio * 100)}%${extra}`;
}

/**
 * A progress line on `stream` (use stderr, so stdout stays clean for `--json`). On a TTY it
 * redraws one line in place (throttled); elsewhere (CI, pipes, files) it prints nothing until
 * `done`, which prints one final line, so logs are not flooded.
 */
export function createProgress(stream: CliOutput, options: ProgressOptions): Progress {
  const tty = stream.isTTY === true;
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let count = 0;
  let detail: string | undefined;
  const draw = () => {
    const width = stream.columns ?? 120;
    stream.write(`\r${render(options.label, count, options.total, detail).slice(0, width - 1)}\x1b[K`);
  };
  return {
    update(done, newDetail) {
      count = done;
      detail = newDetail;
      const now = Date.now();
      if (tty && now - last >= interval) {
        last = now;
        draw();
      }
    },
    done(summary) {
      if (tty) stream.write('\r\x1b[K');
      stream.write(`${summary ?? render(options.label, count, options.total, detail)}\n`);
    },
  };
}
