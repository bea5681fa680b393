import { fileLabel } from '../../core/ledger/records.js';
import { describeFilter } from '../../core/operations/filters.js';
import { type RedriveResult, redrive, startNativeRedrive } from '../../core/operations/redrive/redrive.js';
import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { requiredSetting } from '../pipeline-wiring.js';
import { createProgress, type Progress } from '../progress.js';
import { formatTable } from '../table.js';
import { FILTER_HELP, FILTER_OPTIONS, filterFrom, withOperations } from './operations-shared.js';

const USAGE = `Usage: rds-log-archiver redrive [--cluster C] [--instance I] [--account A] [--region R] [--dry-run] [--json]
       rds-log-archiver redrive --native [--max-per-second N] [--json]

For each DLQ message naming a file that matches the filter (the others stay in the DLQ), the
ledger decides: a failed file goes back to the archive queue in a message rebuilt from the ledger
(not from the DLQ body) and is reset (failed -> queued, attempts 0), so it is retried afresh; a
message for a file already archived or lost (also one retired to history), or for a generation
since replaced, is removed from the DLQ and listed. Fix the cause first ('failures' shows the
last errors).

Safe to interrupt at any point (Ctrl-C stops between messages): each message is first sent to
the archive queue, then its ledger entry is reset, and only then is it deleted from the DLQ. An
interrupt can leave a second copy on the archive queue; the archiver acknowledges it without
work. Messages it does not move are made visible again at the end.
Malformed messages, and messages for files the ledger does not know, are listed and left in place.

Options:
${FILTER_HELP}
  --dry-run                show what would move; change nothing
  --visibility-timeout S   how long received DLQ messages stay hidden while this runs
                           (default 120; after a hard kill they reappear when it ends)
  --native                 use SQS StartMessageMoveTask instead (AWS only: local emulators lack
                           it). It moves EVERY DLQ message (no filter) and does not reset the
                           ledger per message, which is not needed: the archiver's claim
                           accepts failed files. Watch it with 'aws sqs list-message-move-tasks'.
  --max-per-second N       --native only: move rate (default: SQS decides, up to 500/s)
  --json                   machine-readable output
  -h, --help               this help

Needs ARCHIVER_QUEUE_URL and ARCHIVER_DLQ_URL (and ARCHIVER_TABLE).`;

/** A redrive result as text. */
export function renderRedrive(result: RedriveResult, filter: string): string {
  const lines: string[] = [];
  if (result.moved.length > 0) {
    lines.push(
      formatTable(result.moved, [
        { header: 'INSTANCE', value: (m) => m.message.instance },
        { header: 'FILE', value: (m) => fileLabel(m.message) },
        { header: 'GEN', value: (m) => m.message.generation },
        { header: 'LEDGER', value: (m) => (m.ledger === 'would-reset' ? 'failed (would reset)' : m.ledger) },
      ]),
      '',
    );
  }
  if (result.removed.length > 0) {
    lines.push(
      result.dryRun
        ? 'Would remove from the DLQ (nothing is due for them):'
        : 'Removed from the DLQ (nothing is due for them):',
    );
    for (const r of result.removed)
      lines.push(
        `  ${r.message.instance}  ${fileLabel(r.message)}  gen ${r.message.generation}  ${r.detail}`,
      );
    lines.push('');
  }
  if (result.reported.length > 0) {
    lines.push('Left in the DLQ (malformed, or unknown to the ledger):');
    for (const r of result.reported)
      lines.push(`  ${r.messageId}  ${r.reason}  body: ${r.body.slice(0, 80)}`);
    lines.push('');
  }
  lines.push(
    `${result.dryRun ? 'DRY RUN: would move' : 'Moved'} ${result.moved.length} message(s) matching ${filter} ` +
      `of ${result.examined} examined; ${result.dryRun ? 'would remove' : 'removed'} ${result.removed.length} with nothing due; ` +
      `${result.kept} for other files left in the DLQ; ` +
      `${result.reported.length} malformed/unknown left in the DLQ.${result.interrupted ? ' INTERRUPTED: rerun to continue.' : ''}`,
  );
  return lines.join('\n');
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...FILTER_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
    native: { type: 'boolean', default: false },
    'visibility-timeout': { type: 'string' },
    'max-per-second': { type: 'string' },
    ...JSON_OPTION,
  });
  const filter = filterFrom(values, io.env);
  if (values.native && (filter.cluster !== undefined || filter.instance !== undefined)) {
    throw new UsageError('--native moves every DLQ message: it cannot filter by --cluster/--instance');
  }
  if (values.native && values['dry-run']) throw new UsageError('--native has no --dry-run');
  if (!values.native && values['max-per-second'] !== undefined) {
    throw new UsageError('--max-per-second applies to --native only');
  }
  const visibility = numberOption(values['visibility-timeout'], 'visibility-timeout', {
    integer: true,
    min: 10,
    max: 43_200,
  });
  const maxPerSecond = numberOption(values['max-per-second'], 'max-per-second', {
    integer: true,
    min: 1,
    max: 500,
  });
  return await withOperations(
    io,
    async (p) => {
      const dlqUrl = requiredSetting(p.config, 'dlqUrl', 'the DLQ to redrive from');
      if (values.native) {
        const task = await startNativeRedrive(
          p.clients.sqs,
          dlqUrl,
          maxPerSecond === undefined ? {} : { maxPerSecond },
        );
        if (values.json) writeJson(io, { native: true, ...task });
        else println(io, `Started a message move task from ${task.sourceArn}: ${task.taskHandle}`);
        return EXIT.ok;
      }
      const queueUrl = requiredSetting(p.config, 'queueUrl', 'the archive queue to move messages to');
      // Created at the first message, when the DLQ depth is known, so it can draw a bar.
      let progress: Progress | undefined;
      const result = await redrive(
        { sqs: p.clients.sqs, ledger: p.clients.ledger, queueUrl, dlqUrl },
        {
          filter,
          dryRun: values['dry-run'],
          signal: io.signal,
          ...(visibility === undefined ? {} : { visibilityTimeoutSeconds: visibility }),
          onProgress: (done, total) => {
            progress ??= createProgress(io.stderr, {
              label: values['dry-run'] ? 'examining DLQ' : 'redriving',
              total,
            });
            progress.update(done);
          },
        },
      );
      progress?.done(`${result.examined} DLQ message(s) examined`);
      if (values.json) writeJson(io, result);
      else println(io, renderRedrive(result, describeFilter(filter)));
      return result.interrupted || result.reported.length > 0 ? EXIT.bad : EXIT.ok;
    },
    values.native ? 'redrive-native' : 'redrive',
  );
}

/** `redrive`: DLQ back to the archive queue, filtered, with ledger reset. */
export const redriveCommand: Command = {
  name: 'redrive',
  summary: 'move DLQ messages (filtered) back to the archive queue and reset their ledger state',
  exits: { ok: 'done', bad: 'interrupted, or malformed/parked messages remain in the DLQ (listed)' },
  usage: USAGE,
  run,
};
