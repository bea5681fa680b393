import { describe, expect, it } from 'vitest';
import { jsonLog, redact } from '../../core/observability.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => lines.push(JSON.parse(line)) };
}

describe('jsonLog', () => {
  it('puts the context of a child logger on every line', () => {
    const out = capture();
    const log = jsonLog(out.write, 'info')
      .child({ cluster: 'c1', instance: 'i1' })
      .child({ file: 'audit/x', generation: 2 });
    log.info('Archived', { bytes: 10 });
    log.warn('Retrying');
    for (const line of out.lines)
      expect(line).toMatchObject({ cluster: 'c1', instance: 'i1', file: 'audit/x', generation: 2 });
    expect(out.lines.map((l) => l.level)).toEqual(['INFO', 'WARN']);
  });

  it('filters by level', () => {
    const out = capture();
    const log = jsonLog(out.write, 'warn');
    log.debug('no');
    log.info('no');
    log.error('yes');
    expect(out.lines.map((l) => l.message)).toEqual(['yes']);
  });
});

describe('redact', () => {
  it('never lets a credential, signature or session token through', () => {
    const safe = redact({
      secretAccessKey: 'S3CR3T',
      sessionToken: 'T0K3N',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/...',
      signature: 'abc123',
      password: 'hunter2',
      file: 'audit/audit.log.0',
    });
    expect(JSON.stringify(safe)).not.toMatch(/S3CR3T|T0K3N|AWS4-HMAC|abc123|hunter2/);
    expect(safe.file).toBe('audit/audit.log.0');
  });

  it('turns errors into name and message', () => {
    expect(redact({ error: new RangeError('bad') })).toEqual({
      error: { name: 'RangeError', message: 'bad' },
    });
  });
});
