import { whereLabel } from '../../core/fleet/places.js';
import { fileLabel } from '../../core/ledger/records.js';
import type { QueueDepth, StatusReport } from '../../core/operations/status/report.js';
import { runStatus } from '../../core/operations/status/status.js';
import { formatDuration, formatInstant } from '../../core/time.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { formatTable } from '../table.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  filterFrom,
  LOG_TYPE_OPTION,
  logTypeFrom,
  logTypeHelp,
  withOperations,
} from './operations-shared.js';

const USAGE = `Usage: rds-log-archiver status [--cluster C] [--instance I] [--account A] [--region R]
                              [--log-type T] [--history] [--json]

Per cluster and instance: the files the ledger holds by state, the oldest pending work and how
long it has waited, when the instance was last listed; plus archive queue and DLQ depth. A
standalone instance (RDS MySQL, MariaDB: no DB cluster) shows as '(standalone)'; --cluster also
takes its instance id. A rotating log family counts each content once, whatever its name now.

Options:
${FILTER_HELP}
${logTypeHelp('default: every type')}
  --history                also count files retired to history (reads each instance's history
                           partition: slower on a ledger with a long history)
  --json                   machine-readable output
  -h, --help               this help

Reads: heartbeats from the by-state index (INSTANCES), one Query per instance on its partition
(I#<instance>; H#<instance> with --history), the failed and lost partitions of the by-state
index, each place's last discovery (PLACES: a place that could not be read is named under
ATTENTION), GetQueueAttributes on both queues. No table scan.

Lost files are reported on record but are not 'attention': nothing can bring them back.

Status is the ledger's and the queues' view: it does not look in S3 (a cheap, frequent check).
An archived object deleted or overwritten in the bucket is found by 'completeness' (one listing
per instance-hour) and 'verify' (re-reads the bytes), not here; the OK line says so.`;

/** What status does not check, in the words of its OK line. */
export const STATUS_SCOPE = "S3 not checked: 'completeness' confirms the objects, 'verify' re-reads them";

function depth(name: string, q: QueueDepth | undefined): string {
  return q ? `${name}: ${q.visible} waiting, ${q.inFlight} in flight` : `${name}: (URL not set)`;
}

/** The status report as text. */
export function renderStatus(report: StatusReport): string {
  const history = report.totals.retired !== undefined;
  // Only a ledger that holds other accounts or regions shows where each instance is.
  const places = report.instances.some((r) => r.account !== undefined);
  const table = formatTable(report.instances, [
    ...(places
      ? [
          {
            header: 'PLACE',
            value: (r: StatusReport['instances'][number]) => whereLabel(r),
          },
        ]
      : []),
    { header: 'CLUSTER', value: (r) => (r.standalone ? '(standalone)' : r.cluster) },
    { header: 'INSTANCE', value: (r) => r.instance },
    { header: 'SEEN', value: (r) => r.states.seen },
    { header: 'QUEUED', value: (r) => r.states.queued },
    { header: 'ARCHIVING', value: (r) => r.states.archiving },
    { header: 'ARCHIVED', value: (r) => r.states.archived },
    { header: 'FAILED', value: (r) => r.states.failed },
    { header: 'LOST', value: (r) => r.states.lost },
    ...(history ? [{ header: 'RETIRED', value: (r: StatusReport['instances'][number]) => r.retired }] : []),
    {
      header: 'OLDEST PENDING',
      value: (r) =>
        r.oldestPending ? `${r.oldestPending.state} ${formatDuration(r.oldestPending.ageMs)}` : undefined,
    },
    {
      header: 'LAST LISTED',
      value: (r) =>
        `${formatInstant(r.lastListedAt)} (${formatDuration(r.listingAgeMs)} ago${r.listingStale ? ', STALE' : ''})`,
    },
  ]);
  const lines = [table, '', `${depth('archive queue', report.queue)}; ${depth('DLQ', report.dlq)}`];
  const oldest = report.instances
    .filter((r) => r.oldestPending)
    .sort((a, b) => (b.oldestPending?.ageMs ?? 0) - (a.oldestPending?.ageMs ?? 0))[0];
  if (oldest?.oldestPending) {
    lines.push(
      `oldest pending: ${oldest.instance} ${fileLabel(oldest.oldestPending)} (${oldest.oldestPending.state} since ${formatInstant(oldest.oldestPending.since)})`,
    );
  }
  if (report.onRecord) {
    lines.push(
      `on record (incl. history): ${report.onRecord.failed} failed, ${report.onRecord.lost} lost${report.onRecord.lost > 0 ? " (audit gaps: see 'failures')" : ''}`,
    );
  }
  lines.push(
    report.attention.length === 0
      ? `OK: nothing needs attention in the ledger and queues (${STATUS_SCOPE})`
      : `ATTENTION: ${report.attention.join('; ')}`,
  );
  return lines.join('\n');
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...FILTER_OPTIONS,
    ...LOG_TYPE_OPTION,
    history: { type: 'boolean', default: false },
    ...JSON_OPTION,
  });
  const logType = logTypeFrom(values['log-type']);
  const report = await withOperations(io, (p) =>
    runStatus(
      {
        ledger: p.clients.ledger,
        sqs: p.clients.sqs,
        ...(p.config.queueUrl ? { queueUrl: p.config.queueUrl } : {}),
        ...(p.config.dlqUrl ? { dlqUrl: p.config.dlqUrl } : {}),
      },
      {
        filter: filterFrom(values, io.env),
        history: values.history,
        signal: io.signal,
        ...(logType !== undefined ? { logType } : {}),
      },
    ),
  );
  if (values.json) writeJson(io, report);
  else println(io, renderStatus(report));
  return report.attention.length === 0 ? EXIT.ok : EXIT.bad;
}

/** `status`: files by state, oldest pending work, queue depths, last listings. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'files by state per instance, oldest pending work, queue/DLQ depth, last listings',
  exits: {
    ok: 'nothing needs attention in the ledger and queues (S3 is not checked: see completeness)',
    bad: 'something does (failed files, DLQ not empty, an instance not listed within its retention, none listed), or --cluster/--instance names something the ledger has never listed',
  },
  usage: USAGE,
  run,
};
