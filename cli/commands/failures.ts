import { fileLabel } from '../../core/ledger/records.js';
import { runFailures } from '../../core/operations/failures/failures.js';
import type { FailureRow } from '../../core/operations/failures/report.js';
import { formatInstant } from '../../core/time.js';
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

const USAGE = `Usage: rds-log-archiver failures [--cluster C] [--instance I] [--account A] [--region R] [--log-type T] [--json]

Lists failed files (every attempt failed: their messages wait in the DLQ for 'redrive') and lost
files (gone from RDS before they were archived: an audit gap), with the last error, the attempts
and when it happened, oldest first. A content of a rotating log family (RDS MySQL / MariaDB
server_audit.log) shows as 'name [content <id>]': the name it had when first seen, and the id
that names its ledger item and object key.

Options:
${FILTER_HELP}
${logTypeHelp('default: every type')}
  --json                   machine-readable output
  -h, --help               this help

Reads: the 'failed' and 'lost' partitions of the by-state index (sparse: only files in those
states). No table scan.`;

/** Failure rows as text. */
export function renderFailures(rows: readonly FailureRow[]): string {
  if (rows.length === 0) return 'No failed or lost files.';
  const table = formatTable(rows, [
    { header: 'STATE', value: (r) => r.state.toUpperCase() },
    { header: 'INSTANCE', value: (r) => r.instance },
    { header: 'FILE', value: (r) => fileLabel(r) },
    { header: 'GEN', value: (r) => r.generation },
    { header: 'ATTEMPTS', value: (r) => r.attempts },
    { header: 'SINCE', value: (r) => formatInstant(r.since) },
    { header: 'LAST ERROR', value: (r) => (r.lastError ?? '').slice(0, 70) },
  ]);
  const failed = rows.filter((r) => r.state === 'failed').length;
  return `${table}\n\n${failed} failed (redrive them once the cause is fixed), ${rows.length - failed} lost.`;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...FILTER_OPTIONS, ...LOG_TYPE_OPTION, ...JSON_OPTION });
  const logType = logTypeFrom(values['log-type']);
  const rows = await withOperations(io, (p) =>
    runFailures({ ledger: p.clients.ledger }, filterFrom(values, io.env), logType),
  );
  if (values.json) writeJson(io, { failures: rows });
  else println(io, renderFailures(rows));
  return rows.length === 0 ? EXIT.ok : EXIT.bad;
}

/** `failures`: failed and lost files with their last error. */
export const failuresCommand: Command = {
  name: 'failures',
  summary: 'failed and lost files with last error, attempts and when',
  exits: {
    ok: 'none',
    bad: 'there are failed or lost files, or --cluster/--instance names something the ledger has never listed',
  },
  usage: USAGE,
  run,
};
