import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';

async function cli(...argv: string[]) {
  return await cliWith({}, ...argv);
}

async function cliWith(env: Record<string, string>, ...argv: string[]) {
  const { io, out, err } = bufferIo({ env, cwd: tmpdir() });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

describe('operator commands', () => {
  it.each(['status', 'completeness', 'failures', 'redrive', 'verify'])(
    '%s --help explains options and exit codes',
    async (name) => {
      const { code, out } = await cli(name, '--help');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: rds-log-archiver ${name} `));
      expect(out).toContain('--json');
      expect(out).toMatch(/Exit status:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}usage error/);
    },
  );

  it('refuses bad usage with exit 2 before touching AWS', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['completeness', '--from', '2026-03-01', '--to', '2026-03-02'], /--cluster or --instance is required/],
      [['completeness', '--cluster', 'c'], /--from and --to are required/],
      [
        ['completeness', '--cluster', 'c', '--from', 'yesterday', '--to', 'now'],
        /--from: cannot read 'yesterday'/,
      ],
      [
        ['completeness', '--cluster', 'c', '--from', '2026-03-02', '--to', '2026-03-01'],
        /--to must be after --from/,
      ],
      [['redrive', '--native', '--instance', 'i'], /cannot filter/],
      [['redrive', '--max-per-second', '5'], /--native only/],
      [['verify', '--sample', '0'], /--sample must be an integer >= 1/],
      [['failures', '--bogus'], /bogus/],
      [['verify', '--digests', '--to', 'now'], /--digests needs --from and --to/],
      [
        ['verify', '--digests', '--from=-2h', '--to', 'now', '--cluster', 'c'],
        /--cluster does not apply to --digests: the digests cover the whole archive/,
      ],
      [['verify', '--public-key', 'k.pem'], /--public-key needs --digests/],
      [['verify', '--chain-only'], /--chain-only needs --digests/],
      [
        ['verify', '--digests', '--from=-2h', '--to', 'now', '--public-key', 'no-such-key.pem'],
        /--public-key: cannot read no-such-key.pem \(ENOENT\)/,
      ],
      [
        ['status', '--log-type', 'slow'],
        /--log-type: "slow" is not a log type: use one of audit, error, slowquery, general, postgresql/,
      ],
      [['failures', '--log-type', 'all'], /--log-type: "all" is not a log type/],
      [['verify', '--log-type', 'error/x'], /--log-type: "error\/x" is not a log type/],
      [
        ['completeness', '--cluster', 'c', '--from', '2026-03-01', '--to', '2026-03-02', '--log-type', 'pg'],
        /--log-type: "pg" is not a log type/,
      ],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err, argv.join(' ')).toMatch(message);
    }
  });

  it('verify --digests needs the region and the bucket, no table; a key it cannot use is a usage error', async () => {
    const window = ['verify', '--digests', '--from=-2h', '--to', 'now'];
    const bare = await cliWith({ AWS_REGION: 'us-east-1' }, ...window);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/ARCHIVER_BUCKET is required/);
    expect(bare.err).not.toMatch(/ARCHIVER_TABLE/);

    const dir = await mkdtemp(join(tmpdir(), 'verify-key-'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(dir, 'rsa.pem'), rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    const env = { AWS_REGION: 'us-east-1', ARCHIVER_BUCKET: 'audit-archive' };
    const wrongKey = await cliWith(env, ...window, '--public-key', join(dir, 'rsa.pem'));
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.err).toMatch(/a rsa key cannot sign digests: use Ed25519 or ECDSA P-256/);
  });

  it('reports missing configuration as a usage error, not a stack trace', async () => {
    const { code, err } = await cli('status');
    expect(code).toBe(2);
    expect(err).toMatch(/AWS_REGION is required/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
