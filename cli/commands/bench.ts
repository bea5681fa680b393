import { FLEET_REGIONS } from '../../bench/discovery-fleet.js';
import type { BenchResult, DiscoveryRunFigures, FleetDiscoveryFigures } from '../../bench/report.js';
import { runBench } from '../../bench/run.js';
import { BENCH_LOGS, type BenchLog } from '../../bench/transfer.js';
import { isRegionName } from '../../local/rds-sim/index.js';
import { numberOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { println } from '../io.js';
import { JSON_OPTION, writeJson } from '../json.js';
import { type Column, formatTable } from '../table.js';

const FULL = { sizes: [64, 512, 2048], instances: 100, files: 300 };
const QUICK = { sizes: [16, 64], instances: 20, files: 300 };

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Measure transfer throughput/memory and discovery request counts on the local stack',
  exits: { ok: 'every measurement ran', bad: 'a measurement failed' },
  usage: `Usage: rds-log-archiver bench [--quick] [--sizes 64,512,2048] [--json]
                             [--instances N --files N] [--skip-transfer] [--skip-discovery]
                             [--accounts N [--regions R1,R2]]

Starts a private local stack (RDS simulator, DynamoDB Local, fauxqs) and measures, in one run:

Transfer: one simulated audit file per size, archived three ways on the same bytes, each in its
own process: the archiver's path (signed download -> SHA-256 -> gzip -> multipart upload ->
digest CopyObject), 'gzip -6 -c' alone (the cost of the work itself on this machine), and the
seed article's buffer-everything baseline (whole body in memory, gzip in memory, one PutObject).
Reports MB/s, compression ratio, peak RSS and CPU seconds, and the ratios ours/gzip,
ours/baseline and baseline/ours peak RSS.

Discovery: two discover() passes (first, steady state) over N instances x N audit files:
wall time, RDS requests, DynamoDB reads and writes, SQS sends, S3 requests, and the S3 HEADs
the seed article's approach would spend (one per file per run). Then the same over N standalone
RDS MySQL instances (audit files renamed on rotation), with a third pass after one rotation on
every instance.

Discovery at fleet scale (--accounts N): instead of the one-account passes, one discovery round
over an organisation of N accounts (the hub, then members read through STS AssumeRole) in each of
the Regions, --instances spread evenly over them, with the simulator's RDS API budget on (AWS's
default per account and Region: burst 300, 12 requests/s, real Throttling answers, real clock).
Reports the round's wall time against the least time the budgets allow (per place
max(0, requests - burst) / rate, with the archiver's share ARCHIVER_RDS_API_RATE and _BURST;
places run side by side, so the largest), RDS requests and
throttles per account and Region, instances skipped, errors surfaced, DynamoDB reads and writes.
Issue 14's case: --skip-transfer --accounts 20 --instances 10000 --files 5.

Figures are noisy on a shared machine: compare the ratios of one run, not runs with each other.

Options:
  --quick              Fast pass: sizes ${QUICK.sizes.join(',')} MB, ${QUICK.instances} instances x ${QUICK.files} files.
  --sizes LIST         Transfer sizes in MB (2^20 bytes), comma-separated (default ${FULL.sizes.join(',')}).
  --instances N        Discovery instances (default ${FULL.instances}).
  --files N            Audit files per instance (default ${FULL.files}).
  --accounts N         Discovery at fleet scale over N accounts (1-100; see above).
  --regions LIST       Regions of every account at fleet scale (default ${FLEET_REGIONS.join(',')}).
  --skip-transfer      Run the discovery benchmark only.
  --skip-discovery     Run the transfer benchmark only.
  --gzip-level N       zlib level for all three ways (default 6).
  --part-size-mb N     Multipart part size of the archiver (default 5, as ARCHIVER_PART_SIZE_MB).
  --queue-size N       Parts the archiver uploads at once (default 2, as ARCHIVER_UPLOAD_CONCURRENCY).
  --baseline-max-mb N  Skip the baseline above this size (it holds the file twice; default 4096).
  --log LOGS           Lines of the transfer files: audit (Aurora MySQL audit CSV, default),
                       postgresql (PostgreSQL stderr with pgAudit lines; it compresses differently),
                       or both, comma-separated (audit,postgresql): each at every size, in one run.
  --json               Print the result as JSON on stdout.

Progress goes to stderr.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      ...JSON_OPTION,
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      instances: { type: 'string' },
      files: { type: 'string' },
      'skip-transfer': { type: 'boolean', default: false },
      'skip-discovery': { type: 'boolean', default: false },
      'gzip-level': { type: 'string' },
      'part-size-mb': { type: 'string' },
      'queue-size': { type: 'string' },
      'baseline-max-mb': { type: 'string' },
      log: { type: 'string' },
      accounts: { type: 'string' },
      regions: { type: 'string' },
    });
    const logs = values.log?.split(',').map((word) => word.trim());
    const unknown = logs?.filter((word) => !(BENCH_LOGS as readonly string[]).includes(word)) ?? [];
    if (logs !== undefined && (logs.length === 0 || unknown.length > 0))
      throw new UsageError(
        `--log must be one or more of ${BENCH_LOGS.join(', ')} (comma-separated), got '${values.log}'`,
      );
    const defaults = values.quick ? QUICK : FULL;
    const sizes = values.sizes === undefined ? defaults.sizes : parseSizes(values.sizes);
    const accounts = numberOption(values.accounts, 'accounts', { min: 1, max: 100, integer: true });
    if (values.regions !== undefined && accounts === undefined)
      throw new UsageError('--regions needs --accounts (it shapes the fleet-scale discovery)');
    const regions = values.regions?.split(',').map((r) => r.trim());
    if (regions?.some((r) => !isRegionName(r)))
      throw new UsageError(
        `--regions must be a comma list of Region names like us-east-1, got '${values.regions}'`,
      );
    const instances = numberOption(values.instances, 'instances', {
      min: 1,
      max: accounts === undefined ? 1000 : 50_000,
      integer: true,
    });
    const files = numberOption(values.files, 'files', { min: 1, max: 5000, integer: true });
    const gzipLevel = numberOption(values['gzip-level'], 'gzip-level', { min: 0, max: 9, integer: true });
    const partSizeMB = numberOption(values['part-size-mb'], 'part-size-mb', {
      min: 5,
      max: 512,
      integer: true,
    });
    const queueSize = numberOption(values['queue-size'], 'queue-size', { min: 1, max: 64, integer: true });
    const baselineMaxMB = numberOption(values['baseline-max-mb'], 'baseline-max-mb', { min: 0 });
    const result = await runBench({
      sizesMB: values['skip-transfer'] ? [] : sizes,
      ...(values['skip-discovery']
        ? {}
        : {
            discovery: {
              instances: instances ?? defaults.instances,
              files: files ?? defaults.files,
              ...(accounts === undefined ? {} : { accounts }),
              ...(regions === undefined ? {} : { regions }),
            },
          }),
      ...(gzipLevel === undefined ? {} : { gzipLevel }),
      ...(partSizeMB === undefined ? {} : { partSizeMB }),
      ...(queueSize === undefined ? {} : { queueSize }),
      baselineMaxMB: baselineMaxMB ?? 4096,
      ...(logs === undefined ? {} : { logs: [...new Set(logs)] as BenchLog[] }),
      progress: (line) => io.stderr.write(`[bench] ${line}\n`),
    });
    if (values.json) writeJson(io, result);
    else println(io, formatResult(result));
    return EXIT.ok;
  },
};

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isFinite(n) || n <= 0 || n > 4095)) {
    throw new UsageError(
      `--sizes must be a comma-separated list of sizes in MB from 1 to 4095, got '${text}'`,
    );
  }
  return sizes;
}

/** The human-readable report: machine, transfer table, ratios, discovery table. */
/** The columns of one discovery pass, for the Aurora and the RDS MySQL tables alike. */
function passColumns(): Column<DiscoveryRunFigures & { run: string }>[] {
  return [
    { header: 'run', value: (r) => r.run },
    { header: 'wall s', value: (r) => r.wallSeconds },
    { header: 'listed', value: (r) => r.listed },
    { header: 'RDS req', value: (r) => r.rdsRequests },
    { header: 'DDB reads', value: (r) => r.dynamoReads },
    { header: 'DDB writes', value: (r) => r.dynamoWrites },
    { header: 'SQS sends', value: (r) => r.sqsSends },
    { header: 'enqueued', value: (r) => r.enqueued },
    { header: 'S3 req', value: (r) => r.s3Requests },
  ];
}

export function formatResult(result: BenchResult): string {
  const m = result.machine;
  const lines = [
    `Machine: ${m.cpus} CPU(s), ${m.cpuModel}, ${m.memoryGB} GB, node ${m.node}, ${m.platform}, load ${m.loadAverage} at start`,
  ];
  if (result.transfer.length > 0) {
    lines.push(
      '',
      'Transfer (MB = 2^20 bytes; MB/s of source bytes)',
      formatTable(result.transfer, [
        { header: 'log', value: (r) => r.log },
        { header: 'size MB', value: (r) => r.sizeMB },
        { header: 'ours MB/s', value: (r) => r.oursMBps },
        { header: 'gzip -6 MB/s', value: (r) => r.gzipMBps },
        { header: 'baseline MB/s', value: (r) => r.baselineMBps, align: 'right' },
        { header: 'ours RSS MB', value: (r) => r.oursPeakRssMB },
        { header: 'baseline RSS MB', value: (r) => r.baselinePeakRssMB, align: 'right' },
        { header: 'ours Buffers MB', value: (r) => r.oursPeakBuffersMB, align: 'right' },
        { header: 'ratio', value: (r) => r.ratio },
        { header: 'ours CPU s', value: (r) => r.oursCpuSeconds },
        { header: 'gzip CPU s', value: (r) => r.gzipCpuSeconds },
        { header: 'baseline CPU s', value: (r) => r.baselineCpuSeconds, align: 'right' },
        { header: 'servers CPU s', value: (r) => r.oursServerCpuSeconds },
      ]),
      '',
      formatTable(result.transfer, [
        { header: 'log', value: (r) => r.log },
        { header: 'size MB', value: (r) => r.sizeMB },
        { header: 'ours/gzip (goal >= 0.9)', value: (r) => r.oursVsGzip },
        { header: 'ours/baseline', value: (r) => r.oursVsBaseline, align: 'right' },
        { header: 'baseline/ours RSS', value: (r) => r.baselineVsOursRss, align: 'right' },
      ]),
    );
  }
  const d = result.discovery;
  if (d && 'fleet' in d) lines.push('', ...formatFleet(d.fleet));
  if (d && 'first' in d) {
    lines.push(
      '',
      `Discovery (${d.instances} instances x ${d.files} files)`,
      formatTable(
        [
          { run: 'first', ...d.first },
          { run: 'steady', ...d.steady },
        ],
        [...passColumns(), { header: 'seed S3 HEADs', value: (r) => r.seedHeadRequests }],
      ),
    );
  }
  const m2 = result.discoveryMysql;
  if (m2) {
    lines.push(
      '',
      `Discovery, RDS MySQL (${m2.instances} instances, up to ${m2.rotations + 1} audit files each, renamed ` +
        `on rotation; one rotation per instance before the last run renamed ${m2.rotated.renamed} files)`,
      formatTable(
        [
          { run: 'first', ...m2.first },
          { run: 'steady', ...m2.steady },
          { run: 'rotated', ...m2.rotated },
        ],
        passColumns(),
      ),
    );
  }
  lines.push('', ...result.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

/** The fleet rounds against their budget bound, then each place's first round. */
function formatFleet(f: FleetDiscoveryFigures): string[] {
  return [
    `Discovery at fleet scale (${f.accounts} accounts x ${f.regions.join(', ')}: ${f.places} places, ` +
      `${f.instances} instances x ${f.files} files; per place, the account's RDS API budget: burst ` +
      `${f.accountBudget.burst}, ${f.accountBudget.perSecond}/s; the archiver's share, which the bound is ` +
      `computed from: burst ${f.budget.burst}, ${f.budget.perSecond}/s)`,
    formatTable(
      [
        { run: 'first', ...f },
        { run: 'steady', ...f.steady },
      ],
      [
        { header: 'round', value: (r) => r.run },
        { header: 'wall s', value: (r) => r.wallSeconds },
        { header: 'budget bound s', value: (r) => r.budgetBoundSeconds },
        { header: 'wall/bound (goal <= 1.3)', value: (r) => r.vsBound, align: 'right' },
        { header: 'RDS req', value: (r) => r.rdsRequests },
        { header: 'throttled', value: (r) => r.throttled },
        { header: 'files listed', value: (r) => r.listed },
        { header: 'skipped instances', value: (r) => r.skippedInstances },
        { header: 'errors', value: (r) => r.surfacedErrors },
        { header: 'DDB reads', value: (r) => r.dynamoReads },
        { header: 'DDB writes', value: (r) => r.dynamoWrites },
        { header: 'enqueued', value: (r) => r.enqueued },
      ],
    ),
    ...[...f.firstErrors, ...f.steady.firstErrors].map((e) => `error: ${e}`),
    '',
    'First round, per account and Region:',
    formatTable(f.perPlace, [
      { header: 'account', value: (r) => r.account },
      { header: 'region', value: (r) => r.region },
      { header: 'instances', value: (r) => r.instances },
      { header: 'RDS req', value: (r) => r.rdsRequests },
      { header: 'throttled', value: (r) => r.throttled },
      { header: 'bound s', value: (r) => r.budgetBoundSeconds },
    ]),
  ];
}
