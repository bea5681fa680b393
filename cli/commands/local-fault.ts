import { resolve } from 'node:path';
import { readStateFile } from '../../local/env-file.js';
import { FaultSpecError, parseFaultSpec } from '../../local/rds-sim/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { type CliIo, println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { DEFAULT_STATE_DIR } from './local-up.js';

const USAGE = `Usage: rds-log-archiver local fault SPEC [--state-dir DIR]
       rds-log-archiver local fault --clear [--state-dir DIR]
       rds-log-archiver local fault --rotate INSTANCE[:FILE] [--state-dir DIR]
       rds-log-archiver local fault --replace INSTANCE:NAME [--state-dir DIR]

Adds a fault to the RDS simulator of the stack running from DIR (see 'local up'), or removes all
faults. SPEC is kind[:key=value,...]; every fault may also carry instance=, file= (substring of the
log file name) and times= (how often it fires; default always). Examples:
  throttle:times=3,target=api          DescribeDBLogFiles etc. answer Throttling 3 times
  server-error:status=503,target=download
  reset:afterBytes=1000,file=audit.log.0   download connection dropped after 1000 bytes
  truncate:afterBytes=1000             download ends cleanly but short
  slow:bytesPerSecond=10000            slow download
  empty-listing                        DescribeDBLogFiles lists nothing
  vanish:file=audit.log.1              listed, but the download answers 404
  grow-during-download:growBytes=5000  file grows while being downloaded
  always-fail:file=audit.log.2         download always answers 500
  path-unavailable:version=v19         the /v19/ download path is unknown

Besides faults, the simulator can change its log files the way RDS does:
  --rotate INSTANCE[:FILE]   rotate now, as the engine would: every rotating log of INSTANCE, or
                             those whose live file name contains FILE (e.g. mysql-1:server_audit)
  --replace INSTANCE:NAME    give the file NAME other content of the same size (a name that comes
                             back with different bytes)

Options:
  --state-dir DIR   the 'local up' state directory (default ${DEFAULT_STATE_DIR})
  --clear           remove every fault
  --json            print the simulator's answer as JSON
  -h, --help        this help`;

/** `INSTANCE:REST` split at the first colon (instance ids have none). */
function splitTarget(
  option: string,
  value: string,
  restRequired: boolean,
): { instance: string; rest?: string } {
  const colon = value.indexOf(':');
  const instance = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? undefined : value.slice(colon + 1);
  if (instance === '' || (restRequired && !rest)) {
    throw new UsageError(`--${option} ${value}: expected INSTANCE${restRequired ? ':NAME' : '[:FILE]'}`);
  }
  return rest ? { instance, rest } : { instance };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      clear: { type: 'boolean', default: false },
      rotate: { type: 'string' },
      replace: { type: 'string' },
      ...JSON_OPTION,
    },
    { positionals: 1 },
  );
  const spec = positionals[0];
  const chosen = [
    spec !== undefined,
    values.clear,
    values.rotate !== undefined,
    values.replace !== undefined,
  ];
  if (chosen.filter(Boolean).length !== 1) {
    throw new UsageError(
      chosen.some(Boolean)
        ? 'give one of SPEC, --clear, --rotate or --replace'
        : 'missing SPEC (or --clear, --rotate, --replace)',
    );
  }
  if (spec !== undefined) {
    try {
      parseFaultSpec(spec); // refuse a bad spec here, with a usage error, before any request
    } catch (error) {
      if (error instanceof FaultSpecError) throw new UsageError(`bad fault SPEC '${spec}': ${error.message}`);
      throw error;
    }
  }
  const request: { path: string; method: string; body?: unknown } =
    spec !== undefined
      ? { path: '/_sim/faults', method: 'POST', body: { spec } }
      : values.rotate !== undefined
        ? (() => {
            const t = splitTarget('rotate', values.rotate, false);
            return { path: '/_sim/rotate', method: 'POST', body: { instance: t.instance, file: t.rest } };
          })()
        : values.replace !== undefined
          ? (() => {
              const t = splitTarget('replace', values.replace, true);
              return {
                path: '/_sim/files/replace',
                method: 'POST',
                body: { instance: t.instance, name: t.rest },
              };
            })()
          : { path: '/_sim/faults', method: 'DELETE' };
  const dir = resolve(io.cwd, values['state-dir']);
  const state = await readStateFile(dir);
  if (state === undefined) throw new CliError(`no running local stack in ${dir} (start one with 'local up')`);
  const url = `${state.endpoints.rds}${request.path}`;
  let answer: Response;
  try {
    answer = await fetch(url, {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.any([io.signal, AbortSignal.timeout(10_000)]),
    });
  } catch (error) {
    throw new CliError(
      `the RDS simulator at ${state.endpoints.rds} does not answer: ${(error as Error).message}`,
    );
  }
  const text = await answer.text();
  if (!answer.ok) throw new CliError(`the RDS simulator refused (${answer.status}): ${text}`);
  const body: unknown = text === '' ? {} : JSON.parse(text);
  if (values.json) writeJson(io, body);
  else if (values.rotate !== undefined) {
    const rotated = (body as { rotated?: string[] }).rotated ?? [];
    println(io, rotated.length > 0 ? `rotated: ${rotated.join(', ')}` : 'nothing to rotate');
  } else if (values.replace !== undefined) println(io, `content replaced: ${values.replace}`);
  else if (spec === undefined) println(io, 'faults cleared');
  else
    println(
      io,
      `fault added: ${spec}${typeof body === 'object' && body !== null && 'id' in body ? ` (id ${String(body.id)})` : ''}`,
    );
  return EXIT.ok;
}

/** `local fault`: inject or clear RDS simulator faults in a running `local up`. */
export const localFaultCommand: Command = {
  name: 'fault',
  summary: 'add a fault to the running RDS simulator (or --clear them), or rotate/replace a log file',
  exits: { ok: 'the simulator took the fault, cleared them, or rotated/replaced the file' },
  usage: USAGE,
  run,
};
