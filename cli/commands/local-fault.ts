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
       rds-log-archiver local fault --storage-full INSTANCE[:N] [--account ID] [--region R]
       rds-log-archiver local fault --backup INSTANCE [--account ID] [--region R]
       rds-log-archiver local fault --remove-role ACCOUNT | --restore-role ACCOUNT

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
  --storage-full INSTANCE[:N]  delete the N (default 1) oldest log files of INSTANCE now, as RDS
                             does when log files use more storage than the instance allows; on
                             Aurora each one never completely downloaded is reported with
                             RDS-EVENT-0611 (DescribeEvents)
  --backup INSTANCE          record a backup's two events (RDS-EVENT-0001, -0002) for INSTANCE:
                             events that are not about log files
With several accounts or regions ('local up --accounts/--regions'):
  --account ID, --region R   the account and region the change applies to (default the hub's
                             first region)
  --remove-role ACCOUNT      delete the member role of ACCOUNT: AssumeRole answers AccessDenied
  --restore-role ACCOUNT     put it back

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

interface ControlRequest {
  path: string;
  method: string;
  body?: unknown;
}

/** The control-plane request one `local fault` invocation makes. */
function controlRequest(
  values: {
    rotate?: string | undefined;
    replace?: string | undefined;
    'storage-full'?: string | undefined;
    backup?: string | undefined;
    'remove-role'?: string | undefined;
    'restore-role'?: string | undefined;
  },
  spec: string | undefined,
  site: { account?: string; region?: string },
): ControlRequest {
  if (spec !== undefined) return { path: '/_sim/faults', method: 'POST', body: { spec } };
  if (values.rotate !== undefined) {
    const t = splitTarget('rotate', values.rotate, false);
    return { path: '/_sim/rotate', method: 'POST', body: { ...site, instance: t.instance, file: t.rest } };
  }
  if (values.replace !== undefined) {
    const t = splitTarget('replace', values.replace, true);
    return {
      path: '/_sim/files/replace',
      method: 'POST',
      body: { ...site, instance: t.instance, name: t.rest },
    };
  }
  if (values['storage-full'] !== undefined) {
    const t = splitTarget('storage-full', values['storage-full'], false);
    const files = t.rest === undefined ? 1 : Number(t.rest);
    if (!Number.isInteger(files) || files < 1) {
      throw new UsageError(`--storage-full ${values['storage-full']}: N must be an integer >= 1`);
    }
    return { path: '/_sim/storage-pressure', method: 'POST', body: { ...site, instance: t.instance, files } };
  }
  if (values.backup !== undefined) {
    return { path: '/_sim/events/backup', method: 'POST', body: { ...site, instance: values.backup } };
  }
  if (values['remove-role'] !== undefined) {
    return { path: '/_sim/roles', method: 'DELETE', body: { account: values['remove-role'] } };
  }
  if (values['restore-role'] !== undefined) {
    return { path: '/_sim/roles', method: 'POST', body: { account: values['restore-role'] } };
  }
  return { path: '/_sim/faults', method: 'DELETE' };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      clear: { type: 'boolean', default: false },
      rotate: { type: 'string' },
      replace: { type: 'string' },
      'storage-full': { type: 'string' },
      backup: { type: 'string' },
      'remove-role': { type: 'string' },
      'restore-role': { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
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
    values['storage-full'] !== undefined,
    values.backup !== undefined,
    values['remove-role'] !== undefined,
    values['restore-role'] !== undefined,
  ];
  const one = 'SPEC, --clear, --rotate, --replace, --storage-full, --backup, --remove-role or --restore-role';
  if (chosen.filter(Boolean).length !== 1) {
    throw new UsageError(chosen.some(Boolean) ? `give one of ${one}` : `missing ${one}`);
  }
  if (spec !== undefined) {
    try {
      parseFaultSpec(spec); // refuse a bad spec here, with a usage error, before any request
    } catch (error) {
      if (error instanceof FaultSpecError) throw new UsageError(`bad fault SPEC '${spec}': ${error.message}`);
      throw error;
    }
  }
  // The account and region a file change applies to (the simulator's default: the hub's first).
  const site = {
    ...(values.account === undefined ? {} : { account: values.account }),
    ...(values.region === undefined ? {} : { region: values.region }),
  };
  const request = controlRequest(values, spec, site);
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
  else if (values['storage-full'] !== undefined) {
    const deleted = (body as { deleted?: Array<{ file: string; reported: boolean }> }).deleted ?? [];
    println(
      io,
      deleted.length === 0
        ? 'nothing to delete'
        : `deleted: ${deleted.map((d) => `${d.file}${d.reported ? ' (RDS-EVENT-0611)' : ''}`).join(', ')}`,
    );
  } else if (values.backup !== undefined) println(io, `backup events recorded for ${values.backup}`);
  else if (values['remove-role'] !== undefined || values['restore-role'] !== undefined) {
    const { roleArn, changed } = body as { roleArn?: string; changed?: boolean };
    const what = values['remove-role'] !== undefined ? 'removed' : 'restored';
    println(io, `${roleArn ?? 'role'} ${what}${changed ? '' : ' (it already was)'}`);
  } else if (spec === undefined) println(io, 'faults cleared');
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
  summary: 'add a fault to the running RDS simulator (or --clear them), or change its logs and roles',
  exits: { ok: 'the simulator took the fault, cleared them, or made the change' },
  usage: USAGE,
  run,
};
