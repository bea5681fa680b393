import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import {
  checkResources,
  formatBytes,
  LOG_LEVEL_OPTION,
  logLevel,
  pipelineFromEnv,
  requiredSetting,
} from '../pipeline-wiring.js';
import { createProgress } from '../progress.js';
import { runEventSource } from '../sqs-event-source.js';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'Drain the archive queue with Lambda semantics, then exit (--follow keeps going)',
  exits: { ok: 'every record was archived (or acknowledged)', bad: 'some failed' },
  usage: `Usage: rds-log-archiver archive [--follow] [--batch-size N] [--concurrency N] [--timeout-seconds S] [--json]

Runs what the archiver Lambda runs (core/archive-batch.ts) against the archive queue, with the
event source mapping's semantics: batches of records, successful records deleted, records in
batchItemFailures left to reappear after the visibility timeout (and moved to the DLQ by SQS after
maxReceiveCount). Exits once the queue is empty and nothing is in flight.

Options:
  --follow              Keep polling after the queue is empty, until Ctrl-C.
  --batch-size N        Records per invocation, 1-10 (default 10).
  --concurrency N       Invocations at once (default 2).
  --timeout-seconds S   Simulated function timeout (default 300); downloads abort 15 s before it.
  --json                Print the final counts as JSON.
  --log-level LEVEL     debug | info | warn (default) | error | silent (stderr, JSON lines).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      follow: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-seconds': { type: 'string' },
      ...JSON_OPTION,
      ...LOG_LEVEL_OPTION,
    });
    const batchSize =
      numberOption(values['batch-size'], 'batch-size', { min: 1, max: 10, integer: true }) ?? 10;
    const concurrency =
      numberOption(values.concurrency, 'concurrency', { min: 1, max: 32, integer: true }) ?? 2;
    const timeoutSeconds =
      numberOption(values['timeout-seconds'], 'timeout-seconds', { min: 20, max: 900, integer: true }) ?? 300;
    // 'drain': the archiver's settings plus the queue it drains, all reported together.
    const pipeline = pipelineFromEnv(io, 'drain', logLevel(values['log-level']));
    const queueUrl = requiredSetting(pipeline.config, 'queueUrl', 'the archive queue to drain');
    const progress = createProgress(io.stderr, { label: 'archiving' });
    try {
      await checkResources(pipeline, 'drain');
      const stats = await runEventSource({
        sqs: pipeline.clients.sqs,
        queueUrl,
        handler: pipeline.archiveBatch(),
        batchSize,
        concurrency,
        functionTimeoutMs: timeoutSeconds * 1000,
        follow: values.follow,
        signal: io.signal,
        onBatch: () => {
          const c = pipeline.counters;
          progress.update(
            c.filesArchived,
            `${formatBytes(c.bytesIn)} -> ${formatBytes(c.bytesOut)}, ${c.retries} retried, ${c.failed} failed, ${c.lost} lost`,
          );
        },
      });
      const c = pipeline.counters;
      progress.done(`archived ${c.filesArchived} file(s)`);
      const result = {
        ...stats,
        filesArchived: c.filesArchived,
        bytesIn: c.bytesIn,
        bytesOut: c.bytesOut,
        retries: c.retries,
        failed: c.failed,
        lost: c.lost,
      };
      if (values.json) writeJson(io, result);
      else {
        println(
          io,
          `Archived ${c.filesArchived} file(s): ${formatBytes(c.bytesIn)} read, ${formatBytes(c.bytesOut)} written (gzip).`,
        );
        println(
          io,
          `${stats.received} record(s) received, ${stats.failed} returned to the queue, ${c.failed} failed for good (in the DLQ), ${c.lost} lost.`,
        );
      }
      return c.failed > 0 || stats.failed > 0 ? EXIT.bad : EXIT.ok;
    } finally {
      pipeline.clients.destroy();
    }
  },
};
