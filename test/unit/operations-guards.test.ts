import { describe, expect, it } from 'vitest';
import { unknownNameProblem } from '../../core/operations/known-names.js';
import { buildStatusReport } from '../../core/operations/status/report.js';
import { verifyNextSteps, verifyVerdict } from '../../core/operations/verify/advice.js';
import type { VerifyFinding } from '../../core/operations/verify/check.js';

const KNOWN = [
  { cluster: 'orders', instance: 'orders-1' },
  { cluster: 'orders', instance: 'orders-2' },
  { cluster: 'billing', instance: 'billing-1' },
];

describe('unknownNameProblem', () => {
  it('accepts no filter, and names the ledger knows', () => {
    expect(unknownNameProblem({}, KNOWN)).toBeUndefined();
    expect(unknownNameProblem({}, [])).toBeUndefined();
    expect(unknownNameProblem({ cluster: 'orders' }, KNOWN)).toBeUndefined();
    expect(unknownNameProblem({ instance: 'billing-1' }, KNOWN)).toBeUndefined();
    expect(unknownNameProblem({ cluster: 'orders', instance: 'orders-2' }, KNOWN)).toBeUndefined();
  });

  it('names what the ledger knows when a cluster or instance is unknown', () => {
    expect(unknownNameProblem({ cluster: 'order' }, KNOWN)).toBe(
      "cluster 'order' is unknown to the ledger; it knows: billing, orders",
    );
    expect(unknownNameProblem({ instance: 'orders-3' }, KNOWN)).toBe(
      "instance 'orders-3' is unknown to the ledger; it knows: billing-1, orders-1, orders-2",
    );
    expect(unknownNameProblem({ cluster: 'orders', instance: 'orders-3' }, KNOWN)).toBe(
      "instance 'orders-3' is unknown to the ledger in cluster 'orders'; it knows: orders-1, orders-2",
    );
    expect(unknownNameProblem({ cluster: 'orders', instance: 'billing-1' }, KNOWN)).toBe(
      "instance 'billing-1' belongs to cluster 'billing', not 'orders'",
    );
  });

  it('says when the ledger knows nothing at all', () => {
    expect(unknownNameProblem({ cluster: 'orders', instance: 'orders-1' }, [])).toBe(
      "cluster 'orders', instance 'orders-1': the ledger knows no instance yet (has the discoverer run against this ARCHIVER_TABLE?)",
    );
  });

  it('keeps a long list of names to one line', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      cluster: `c${String(i).padStart(2, '0')}`,
      instance: `i${i}`,
    }));
    expect(unknownNameProblem({ cluster: 'x' }, many)).toBe(
      "cluster 'x' is unknown to the ledger; it knows: c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11 and 18 more",
    );
  });
});

describe('verifyVerdict', () => {
  it('is VERIFIED only when something was checked and nothing is wrong', () => {
    expect(verifyVerdict({ checked: 3, problems: 0, interrupted: false })).toBe('verified');
    expect(verifyVerdict({ checked: 0, problems: 0, interrupted: false })).toBe('nothing-checked');
    expect(verifyVerdict({ checked: 3, problems: 1, interrupted: false })).toBe('problems');
    expect(verifyVerdict({ checked: 3, problems: 1, interrupted: true })).toBe('problems');
    expect(verifyVerdict({ checked: 3, problems: 0, interrupted: true })).toBe('interrupted');
  });
});

describe('verifyNextSteps', () => {
  const finding = (s3Key: string, instance = 'orders-1'): VerifyFinding => ({
    cluster: 'orders',
    instance,
    logFileName: 'audit/x',
    hour: 0,
    s3Key,
    generation: 1,
    sha256: 'ab'.repeat(32),
    bytes: 10,
    status: 'missing',
    problems: [`no object at ${s3Key}`],
  });

  it('says nothing without problems', () => {
    expect(verifyNextSteps([], 'bucket')).toEqual([]);
  });

  it('writes out the restore commands for the first problem, quoted and URL-encoded for copy-source', () => {
    // Keys hold %XX escapes and ! markers (core/s3-keys.ts): copy-source needs them encoded again.
    const key = 'orders/other/2026/03/01/00/orders-1/!a%20b.gz';
    const text = verifyNextSteps([finding(key), finding('k2', 'orders-2')], 'my-bucket').join('\n');
    expect(text).toContain('(written out for the first one, orders-1 audit/x)');
    expect(text).toContain(`aws s3api list-object-versions --bucket my-bucket --prefix '${key}'`);
    expect(text).toContain(
      `aws s3api copy-object --bucket my-bucket --key '${key}' --copy-source 'my-bucket/orders/other/2026/03/01/00/orders-1/!a%2520b.gz?versionId=VERSION_ID'`,
    );
    expect(text).toContain(
      `aws s3api delete-object --bucket my-bucket --key '${key}' --version-id DELETE_MARKER_ID`,
    );
    expect(text).toContain('ab'.repeat(32));
    expect(text).toContain('rds-log-archiver verify --instance orders-1');
    expect(text).toMatch(/has no command that archives a file again/);
  });
});

describe('buildStatusReport with nothing to show', () => {
  it('asks about the discoverer only when no filter was given', () => {
    const report = (filter: { cluster?: string }) =>
      buildStatusReport({ now: 0, filter, instances: [], files: new Map() }).attention;
    expect(report({})).toEqual(['no instance has been listed yet (is the discoverer running?)']);
    expect(report({ cluster: 'nope' })).toEqual(['no instance of cluster nope is known to the ledger']);
  });
});
