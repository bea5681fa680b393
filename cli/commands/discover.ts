import type { InstanceOutcome } from '../../core/discover.js';
import { discoverFleet } from '../../core/fleet/discover-fleet.js';
import { whereLabel } from '../../core/fleet/places.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../errors.js';
import { println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { checkResources, LOG_LEVEL_OPTION, logLevel, pipelineFromEnv } from '../pipeline-wiring.js';
import { formatTable } from '../table.js';

export const discoverCommand: Command = {
  name: 'discover',
  summary: 'Run one discovery pass: list log files, update the ledger, enqueue new work',
  exits: { ok: 'every instance was listed', bad: 'some instance or cluster failed' },
  usage: `Usage: rds-log-archiver discover [--json] [--log-level LEVEL]

Runs the discoverer once, as the scheduled Lambda does: lists every selected instance's log
files, records new, settled and grown files in the ledger with conditional writes, re-sends
stranded work, marks vanished files lost, and sends the work to the archive queue.

Configuration comes from the environment (ARCHIVER_* and AWS_* variables; see the README), e.g.
after 'source .local-state/env' from 'rds-log-archiver local up'.

Options:
  --json              Print the pass summary as JSON.
  --log-level LEVEL   debug | info | warn (default) | error | silent; logs go to stderr as JSON lines.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { ...JSON_OPTION, ...LOG_LEVEL_OPTION });
    const pipeline = pipelineFromEnv(io, 'discover', logLevel(values['log-level']));
    try {
      await checkResources(pipeline, 'discover');
      const summary = await discoverFleet(pipeline.discoverDeps());
      if (values.json) writeJson(io, summary);
      else {
        println(
          io,
          formatTable(summary.instances, [
            // Only a deployment that reads other accounts or regions shows where.
            ...(pipeline.config.sourceAccounts.length > 0
              ? [{ header: 'where', value: (r: InstanceOutcome) => whereLabel(r) }]
              : []),
            { header: 'cluster', value: (r) => r.cluster },
            { header: 'instance', value: (r) => r.instance },
            { header: 'listed', value: (r) => String(r.listed), align: 'right' },
            { header: 'new', value: (r) => String(r.created), align: 'right' },
            { header: 'enqueued', value: (r) => String(r.enqueued), align: 'right' },
            { header: 'lost', value: (r) => String(r.lost), align: 'right' },
            { header: 'writes', value: (r) => String(r.writes), align: 'right' },
            { header: 'error', value: (r) => r.error ?? '' },
          ]),
        );
        println(io, `${summary.enqueued} file generation(s) enqueued, ${summary.writes} ledger write(s).`);
        for (const error of summary.errors) println(io, `error: ${error}`);
      }
      return summary.errors.length > 0 ? EXIT.bad : EXIT.ok;
    } finally {
      pipeline.clients.destroy();
    }
  },
};
