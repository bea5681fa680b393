import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { println } from '../io.js';
import { runPipelineLoop } from '../pipeline-loop.js';
import {
  checkResources,
  formatBytes,
  LOG_LEVEL_OPTION,
  logLevel,
  pipelineFromEnv,
} from '../pipeline-wiring.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run discovery on a schedule and the archiver continuously, until Ctrl-C',
  exits: { ok: 'stopped cleanly' },
  usage: `Usage: rds-log-archiver run [--interval-seconds S] [--concurrency N] [--log-level LEVEL]

Runs the pipeline in this process against the configured endpoints: a discovery pass and a
digester run (the hourly digests of the archive, see README "Digest chain") every interval, and
the archiver draining the queue with Lambda semantics. With ARCHIVER_DISCOVERY_QUEUE_URL set
(local up sets it), each pass enqueues one discovery task per account and region and a second
poller runs them as the deployed discoverer does (partial batch failures). Stops cleanly on
Ctrl-C (in-flight downloads are aborted and their claims released) and prints what it archived.

Options:
  --interval-seconds S   Seconds between discovery passes and digester runs (default 60).
  --concurrency N        Archiver invocations at once (default 2).
  --log-level LEVEL      debug | info (default here) | warn | error | silent (stderr, JSON lines).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      'interval-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      ...LOG_LEVEL_OPTION,
      'log-level': { type: 'string', default: 'info' },
    });
    const intervalMs =
      (numberOption(values['interval-seconds'], 'interval-seconds', { min: 1, integer: true }) ?? 60) * 1000;
    const concurrency =
      numberOption(values.concurrency, 'concurrency', { min: 1, max: 32, integer: true }) ?? 2;
    const pipeline = pipelineFromEnv(io, 'run', logLevel(values['log-level']));
    try {
      await checkResources(pipeline, 'run');
      await runPipelineLoop({ pipeline, intervalMs, concurrency, signal: io.signal });
      const c = pipeline.counters;
      println(
        io,
        `Stopped. ${c.discoveryPasses} discovery pass(es), ${c.filesArchived} file(s) archived (${formatBytes(c.bytesIn)} -> ${formatBytes(c.bytesOut)}), ${c.failed} failed, ${c.lost} lost, ${c.digestsWritten} digest(s) written.`,
      );
      return EXIT.ok;
    } finally {
      pipeline.clients.destroy();
    }
  },
};
