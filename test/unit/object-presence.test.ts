import { describe, expect, it } from 'vitest';
import { renderCompletenessHtml } from '../../cli/render/completeness-html.js';
import {
  basisOf,
  checkArchivedObject,
  checkObjects,
  type ListedObject,
  normalizeEtag,
  objectPrefix,
  prefixesToList,
} from '../../core/operations/completeness/object-presence.js';
import { buildCompletenessReport } from '../../core/operations/completeness/report.js';
import {
  archivedRecord,
  auroraAuditName,
  fileRecord,
  HOUR,
  INSTANCE,
  MINUTE,
  T0,
} from '../support/factories.js';

const A = archivedRecord(auroraAuditName(0, T0 - HOUR), { archivedEtag: '"aaa"', archivedGzipBytes: 100 });
const B = archivedRecord(auroraAuditName(1, T0 - HOUR), { archivedEtag: '"bbb"', archivedGzipBytes: 200 });
const C = archivedRecord(auroraAuditName(0, T0 - 2 * HOUR), {
  archivedEtag: '"ccc"',
  archivedGzipBytes: 300,
});

function listing(objects: Record<string, ListedObject>, prefixes = 2, requests = 2) {
  return { prefixes, requests, objects: new Map(Object.entries(objects)) };
}

describe('object presence (pure)', () => {
  it('normalises ETags: quotes and a weak prefix dropped, empty is none', () => {
    expect(normalizeEtag('"abc-2"')).toBe('abc-2');
    expect(normalizeEtag('abc')).toBe('abc');
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('""')).toBeUndefined();
    expect(normalizeEtag('')).toBeUndefined();
    expect(normalizeEtag(undefined)).toBeUndefined();
  });

  it('lists each instance-hour prefix once, only for archived files', () => {
    expect(objectPrefix('c/audit/2026/03/01/10/i-1/f.gz')).toBe('c/audit/2026/03/01/10/i-1/');
    const pending = fileRecord(auroraAuditName(2, T0 - 3 * HOUR), { state: 'queued' });
    expect(prefixesToList([A, B, C, pending])).toEqual([objectPrefix(C.s3Key), objectPrefix(A.s3Key)]);
  });

  it('checks on what the record has: ETag and size, size alone, or existence alone', () => {
    expect(basisOf(A)).toBe('etag-and-size');
    expect(basisOf({ archivedEtag: '', archivedGzipBytes: 5 })).toBe('size');
    expect(basisOf({ archivedGzipBytes: 5 })).toBe('size');
    expect(basisOf({})).toBe('existence');
  });

  it('finds an object as written, missing, or replaced (other ETag or other size)', () => {
    expect(checkArchivedObject(A, { etag: '"aaa"', size: 100 })).toBeUndefined();
    expect(checkArchivedObject(A, undefined)).toMatchObject({
      kind: 'missing',
      detail: `no object at ${A.s3Key}`,
    });
    expect(checkArchivedObject(A, { etag: '"zzz"', size: 100 })).toMatchObject({
      kind: 'replaced',
      expected: { etag: 'aaa', size: 100 },
      found: { etag: 'zzz', size: 100 },
      detail: 'object replaced: ETag zzz, ledger aaa',
    });
    expect(checkArchivedObject(A, { etag: '"aaa"', size: 99 })?.detail).toBe(
      'object replaced: 99 bytes, ledger 100',
    );
  });

  it('never calls an old record without an ETag replaced for that; its size still counts', () => {
    const old = { ...A, archivedEtag: undefined };
    expect(checkArchivedObject(old, { etag: '"anything"', size: 100 })).toBeUndefined();
    expect(checkArchivedObject(old, { etag: '"anything"', size: 7 })?.kind).toBe('replaced');
    const older = { ...A, archivedEtag: undefined, archivedGzipBytes: undefined };
    expect(checkArchivedObject(older, { size: 7 })).toBeUndefined();
    expect(checkArchivedObject(older, undefined)?.kind).toBe('missing');
  });

  it('sums the check over the files, problems sorted by instance, hour and name', () => {
    const check = checkObjects(
      [A, B, C, { ...C, s3Key: `${C.s3Key}.x`, archivedEtag: undefined }],
      listing({ [A.s3Key]: { etag: '"aaa"', size: 100 }, [C.s3Key]: { etag: '"nope"', size: 300 } }),
    );
    if (check.mode !== 'listed') throw new Error('listed expected');
    expect(check).toMatchObject({ checked: 4, basis: { 'etag-and-size': 3, size: 1, existence: 0 } });
    expect(check.problems.map((p) => [p.logFileName, p.kind])).toEqual([
      [C.logFileName, 'replaced'],
      [C.logFileName, 'missing'],
      [B.logFileName, 'missing'],
    ]);
  });
});

describe('completeness report with the objects', () => {
  const base = {
    cluster: A.cluster,
    logType: 'audit',
    from: T0 - 2 * HOUR,
    to: T0,
    now: T0 + MINUTE,
    instances: [
      {
        pk: `I#${INSTANCE}`,
        sk: '#META' as const,
        cluster: A.cluster,
        instance: INSTANCE,
        firstListedAt: T0 - 48 * HOUR,
        lastListedAt: T0 + MINUTE,
        lastListedCount: 3,
        retentionMs: 24 * HOUR,
        gsi1pk: 'INSTANCES' as const,
        gsi1sk: `${A.cluster}#${INSTANCE}`,
      },
    ],
    files: [A, B, C],
    gaps: [],
  };

  it('without a listing it is the ledger view, and says so', () => {
    const report = buildCompletenessReport(base);
    expect(report.objects).toEqual({ mode: 'ledger-only' });
    expect(report.verdict.complete).toBe(true);
    expect(renderCompletenessHtml(report, { commandLine: 'x', version: '0' })).toContain(
      'data-objects-mode="ledger-only"',
    );
  });

  it('a missing object makes its hour a "missing" cell and the window INCOMPLETE', () => {
    const report = buildCompletenessReport({
      ...base,
      objects: listing({ [A.s3Key]: { etag: '"aaa"', size: 100 }, [C.s3Key]: { etag: '"ccc"', size: 300 } }),
    });
    expect(report.verdict).toEqual({
      complete: false,
      reasons: ["1 archived object missing or replaced in S3 (see 'verify' to restore)"],
    });
    expect(report.totals).toMatchObject({ archived: 3, missingObjects: 1 });
    expect(report.instances[0]!.hours.map((h) => h.cell)).toEqual(['archived', 'missing', 'empty']);
    const page = renderCompletenessHtml(report, { commandLine: 'x', version: '0' });
    expect(page).toContain('data-objects-problems="1"');
    expect(page).toContain(`data-kind="missing"`);
    expect(page).toContain('data-state="missing"');
  });

  it('every object as written: COMPLETE, with what was checked', () => {
    const report = buildCompletenessReport({
      ...base,
      objects: listing({
        [A.s3Key]: { etag: '"aaa"', size: 100 },
        [B.s3Key]: { etag: 'bbb', size: 200 },
        [C.s3Key]: { etag: '"ccc"', size: 300 },
      }),
    });
    expect(report.verdict.complete).toBe(true);
    expect(report.objects).toMatchObject({ mode: 'listed', checked: 3, problems: [] });
  });
});
