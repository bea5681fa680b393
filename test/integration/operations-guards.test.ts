import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const HOUR = 3_600_000;
const C1 = 'aurora-audit-1';
const C2 = 'aurora-audit-2';
const I1 = `${C1}-instance-1`;
const I2 = `${C2}-instance-1`;

let h: PipelineHarness;

/** The real CLI entry point on the harness's environment (plus overrides). */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const { io, out, err } = bufferIo({ env: { ...h.env, ...env } });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

/** The four operator commands that take --cluster/--instance, with what else each one needs. */
const COMMANDS: Array<[string, string[]]> = [
  ['status', []],
  ['failures', []],
  ['verify', []],
  ['completeness', ['--from', new Date(T0 - 2 * HOUR).toISOString(), '--to', new Date(T0).toISOString()]],
];

describe('Operator commands never give a false green', () => {
  beforeAll(async () => {
    h = await startPipelineHarness('guards', {
      workload: { clusters: 2, instancesPerCluster: 1, historyHours: 1 },
    });
  });
  afterAll(() => h?.cleanup());

  it('on an empty ledger, a named cluster is an error and verify has verified nothing', async () => {
    const status = await cli(['status', '--cluster', C1]);
    expect(status.code).toBe(1);
    expect(status.out).toBe('');
    expect(status.err).toBe(
      `rds-log-archiver: cluster '${C1}': the ledger knows no instance yet (has the discoverer run against this ARCHIVER_TABLE?)\n`,
    );
    const verify = await cli(['verify']);
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/^Checked 0 of 0 archived object\(s\) in no cluster/m);
    expect(verify.out.trimEnd().split('\n').at(-1)).toMatch(
      /^NOTHING VERIFIED: the ledger knows no instance yet/,
    );
    expect(verify.out).not.toMatch(/^VERIFIED$/m);

    await h.discover();
    await h.drain();
    expect((await h.objectKeys()).length).toBeGreaterThan(0);
  });

  it.each(COMMANDS)(
    '%s --cluster nope exits 1 and names the clusters the ledger knows',
    async (name, extra) => {
      const shown = await cli([name, '--cluster', 'nope', ...extra]);
      expect(shown.code).toBe(1);
      expect(shown.out).toBe('');
      expect(shown.err).toBe(
        `rds-log-archiver: cluster 'nope' is unknown to the ledger; it knows: ${C1}, ${C2}\n`,
      );
    },
  );

  it.each(COMMANDS)('%s rejects an unknown instance, and one of another cluster', async (name, extra) => {
    const unknown = await cli([name, '--cluster', C1, '--instance', 'nope', ...extra]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe(
      `rds-log-archiver: instance 'nope' is unknown to the ledger in cluster '${C1}'; it knows: ${I1}\n`,
    );
    const elsewhere = await cli([name, '--cluster', C1, '--instance', I2, ...extra]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.err).toBe(
      `rds-log-archiver: instance '${I2}' belongs to cluster '${C2}', not '${C1}'\n`,
    );
  });

  it('status on a known cluster reports it; an unknown one is not "is the discoverer running?"', async () => {
    const known = await cli(['status', '--cluster', C1]);
    expect(known.out).toContain(I1);
    expect(known.out).not.toContain(I2);
    const unknown = await cli(['status', '--cluster', 'nope', '--json']);
    expect(unknown.err).toMatch(/cluster 'nope' is unknown to the ledger/);
    expect(unknown.err).not.toMatch(/discoverer running/);
  });

  it('verify with a bucket that does not exist says so once, instead of every object MISSING', async () => {
    const shown = await cli(['verify'], { ARCHIVER_BUCKET: 'no-such-archive-bucket' });
    expect(shown.code).toBe(1);
    expect(shown.out).toBe('');
    expect(shown.err).toBe(
      "rds-log-archiver: bucket 'no-such-archive-bucket' does not exist: check ARCHIVER_BUCKET (and AWS_ENDPOINT_URL_S3 / AWS_REGION)\n",
    );
  });

  it('verify of a window without archived files has verified nothing: exit 1, not VERIFIED', async () => {
    const shown = await cli(['verify', '--from', '2020-01-01T00:00Z', '--to', '2020-01-01T01:00Z']);
    expect(shown.code).toBe(1);
    expect(shown.out).toMatch(/^Checked 0 of 0 archived object\(s\) in aurora-audit-1, aurora-audit-2: /m);
    expect(shown.out.trimEnd().split('\n').at(-1)).toBe(
      "NOTHING VERIFIED: no archived object in scope (widen --from/--to, or see 'status')",
    );
  });

  it('verify says VERIFIED on intact objects, and what to do next when one is gone', async () => {
    const clean = await cli(['verify', '--instance', I1]);
    expect(clean.code).toBe(0);
    expect(clean.out.trimEnd().split('\n').at(-1)).toBe('VERIFIED');
    expect(clean.out).not.toContain('What to do next');

    const key = (await h.objectKeys()).find((k) => k.includes(`/${I1}/`))!;
    await h.res.clients.s3.send(new DeleteObjectCommand({ Bucket: h.res.bucket, Key: key }));
    const shown = await cli(['verify', '--instance', I1]);
    expect(shown.code).toBe(1);
    expect(shown.out).toMatch(/^MISSING /m);
    expect(shown.out).toContain('What to do next');
    expect(shown.out).toContain(`aws s3api list-object-versions --bucket ${h.res.bucket} --prefix ${key}`);
    expect(shown.out).toContain(
      `aws s3api copy-object --bucket ${h.res.bucket} --key ${key} --copy-source '${h.res.bucket}/${key}?versionId=VERSION_ID'`,
    );
    expect(shown.out).toContain(`rds-log-archiver verify --instance ${I1}`);
    expect(shown.out.trimEnd().split('\n').at(-1)).toBe('PROBLEMS FOUND');
    const json = JSON.parse((await cli(['verify', '--instance', I1, '--json'])).out);
    expect(json.verdict).toBe('problems');
    expect(json.problems.map((p: { s3Key: string }) => p.s3Key)).toEqual([key]);
    expect(json.nextSteps.join('\n')).toContain('aws s3api delete-object');
  });
});
