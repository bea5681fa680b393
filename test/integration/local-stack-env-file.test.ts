import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile, renderEnvFile } from '../../local/env-file.js';

describe('env file', () => {
  const env = {
    AWS_REGION: 'eu-west-1',
    ARCHIVER_QUEUE_URL: 'http://sqs.eu-west-1.localhost:4566/000000000000/q',
    TRICKY: 'it\'s $HOME `x` "q"',
  };

  it('round-trips through parseEnvFile', () => {
    expect(parseEnvFile(renderEnvFile(env))).toEqual(env);
  });

  it('is sourced by sh to the same values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envfile-'));
    try {
      const file = join(dir, 'env');
      await writeFile(file, renderEnvFile(env));
      const out = execFileSync('sh', ['-c', `. "${file}" && printf '%s\\n' "$AWS_REGION" "$TRICKY"`], {
        encoding: 'utf8',
        env: {},
      });
      expect(out).toBe(`eu-west-1\n${env.TRICKY}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads plain KEY=value lines and skips comments', () => {
    expect(parseEnvFile('# c\n\nA=1\nexport B="two"\n')).toEqual({ A: '1', B: 'two' });
  });
});
