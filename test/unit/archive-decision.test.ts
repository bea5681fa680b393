import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { type ArchiveEvent, decideArchive } from '../../core/archive-decision.js';
import { classifyFailure } from '../../core/failure-kind.js';
import { keys } from '../../core/ledger/records.js';
import {
  DownloadAbortedError,
  DownloadRefusedError,
  DownloadServerError,
  DownloadThrottledError,
  LogFileNotFoundError,
  TruncatedDownloadError,
} from '../../core/rds/download-errors.js';
import { TransferAbortedError, UploadFailedError } from '../../core/transfer/errors.js';
import { archivedRecord, auroraAuditName, fileRecord, INSTANCE, T0 } from '../support/factories.js';

const NAME = auroraAuditName(0, T0);

/** The decision for an event on attempt 1 (or `attempt`) of 3, for a message naming generation 2. */
function decide(event: ArchiveEvent, attempt = 1) {
  return decideArchive({ event, generation: 2, attempt, maxAttempts: 3 });
}

const s3Error = (code: string, fault: 'client' | 'server' = 'client') =>
  new S3ServiceException({
    name: code,
    $fault: fault,
    $metadata: { httpStatusCode: fault === 'client' ? 403 : 500 },
  });

describe('decideArchive', () => {
  it('parks a malformed message with its reason', () => {
    expect(decide({ kind: 'malformed', reason: 'cluster "../x" is not valid' })).toEqual({
      action: 'park',
      reason: 'malformed message: cluster "../x" is not valid',
    });
  });

  it('acknowledges an archived generation', () => {
    expect(decide({ kind: 'archived', key: 'k', bytes: 10, gzipBytes: 3 })).toMatchObject({
      action: 'acknowledge',
      outcome: 'archived',
    });
  });

  describe('a refused claim', () => {
    const record = (overrides: Parameters<typeof fileRecord>[1]) =>
      fileRecord(NAME, { generation: 2, ...overrides });
    const retired = (overrides: Parameters<typeof fileRecord>[1]) =>
      record({ pk: keys.retiredPk(INSTANCE), ...overrides });

    it('parks a message for a file the ledger has never recorded', () => {
      expect(decide({ kind: 'refused', current: undefined })).toEqual({
        action: 'park',
        reason: 'the ledger has no such file: message not produced by the discoverer',
      });
    });

    it('acknowledges a duplicate of an archived generation, active or retired to history', () => {
      expect(decide({ kind: 'refused', current: archivedRecord(NAME, { generation: 2 }) })).toMatchObject({
        action: 'acknowledge',
        outcome: 'duplicate',
        note: 'Duplicate delivery: already archived',
      });
      const gone = archivedRecord(NAME, { generation: 2, pk: keys.retiredPk(INSTANCE) });
      expect(decide({ kind: 'refused', current: gone })).toMatchObject({
        action: 'acknowledge',
        outcome: 'duplicate',
        note: expect.stringMatching(/retired to history/),
      });
    });

    it('acknowledges a message for a file recorded lost, active or retired', () => {
      for (const current of [record({ state: 'lost' }), retired({ state: 'lost' })]) {
        expect(decide({ kind: 'refused', current })).toMatchObject({
          action: 'acknowledge',
          outcome: 'lost',
        });
      }
    });

    it('acknowledges a stale generation, whatever its state', () => {
      for (const state of ['queued', 'archiving', 'failed', 'archived'] as const) {
        expect(decide({ kind: 'refused', current: record({ state, generation: 3 }) })).toMatchObject({
          action: 'acknowledge',
          outcome: 'stale',
        });
      }
    });

    it('parks a message for a generation the ledger never recorded, or one not due', () => {
      expect(decide({ kind: 'refused', current: record({ state: 'queued', generation: 1 }) })).toEqual({
        action: 'park',
        reason: 'the ledger has generation 1, the message names 2: message not produced by the discoverer',
      });
      expect(decide({ kind: 'refused', current: record({ state: 'seen' }) })).toMatchObject({
        action: 'park',
        reason: expect.stringMatching(/waiting to settle/),
      });
    });

    it('retries while another worker holds the claim, and acknowledges on the last attempt', () => {
      const held = record({ state: 'archiving', leaseUntil: T0 + 60_000 });
      expect(decide({ kind: 'refused', current: held }, 2)).toEqual({
        action: 'retry',
        release: false,
        reason: `cannot claim: the ledger has generation 2 archiving (lease until ${new Date(T0 + 60_000).toISOString()})`,
      });
      expect(decide({ kind: 'refused', current: held }, 3)).toMatchObject({
        action: 'acknowledge',
        outcome: 'duplicate',
      });
    });
  });

  it('retries when the ledger cannot be asked, and parks on the last attempt (the ledger untouched)', () => {
    const error = new Error('socket hang up');
    expect(decide({ kind: 'ledger-unavailable', error })).toEqual({
      action: 'retry',
      release: false,
      reason: 'could not claim in the ledger: Error: socket hang up',
    });
    expect(decide({ kind: 'ledger-unavailable', error }, 3)).toEqual({
      action: 'park',
      reason: 'could not claim in the ledger: Error: socket hang up',
    });
  });

  it('fails at once, without retries, a file of a cluster outside the selection', () => {
    expect(
      decide({ kind: 'not-selected', cluster: 'other-db', selection: 'ARCHIVER_CLUSTERS orders-db' }),
    ).toEqual({
      action: 'fail',
      why: 'permanent',
      reason: 'cluster other-db is not selected for archiving (ARCHIVER_CLUSTERS orders-db): refused',
    });
  });

  describe('a failure after the claim', () => {
    it('records a file RDS no longer has as lost', () => {
      const gone = new LogFileNotFoundError('not found', { status: 404, code: 'DBLogFileNotFoundFault' });
      expect(decide({ kind: 'failed', error: gone })).toEqual({
        action: 'lose',
        reason:
          'RDS answered not found on download (DBLogFileNotFoundFault): the file left RDS before it was archived',
      });
    });

    it('retries a retryable failure, giving the claim back, and fails it on the last attempt', () => {
      const error = new DownloadServerError('Download failed on the server', { status: 500 });
      expect(decide({ kind: 'failed', error }, 2)).toEqual({
        action: 'retry',
        release: true,
        reason: 'DownloadServerError: Download failed on the server',
      });
      expect(decide({ kind: 'failed', error }, 3)).toEqual({
        action: 'fail',
        why: 'last attempt',
        reason: 'DownloadServerError: Download failed on the server',
      });
    });

    it('fails a permanent failure at once, on the first attempt', () => {
      const denied = new DownloadRefusedError('refused', { status: 403, code: 'AccessDenied' });
      expect(decide({ kind: 'failed', error: denied })).toMatchObject({ action: 'fail', why: 'permanent' });
      const noBucket = new UploadFailedError('Upload to S3 failed', s3Error('NoSuchBucket'));
      expect(decide({ kind: 'failed', error: noBucket })).toMatchObject({ action: 'fail', why: 'permanent' });
    });
  });
});

describe('classifyFailure', () => {
  it.each([
    ['a 5xx download', new DownloadServerError('x', { status: 503 })],
    ['throttling', new DownloadThrottledError('x', { status: 429 })],
    ['a truncated download', new TruncatedDownloadError(10, 20)],
    ['an aborted download', new DownloadAbortedError('x')],
    ['an aborted transfer', new TransferAbortedError('x')],
    ['expired credentials', new DownloadRefusedError('x', { status: 403, code: 'ExpiredToken' })],
    ['an S3 server fault', new UploadFailedError('x', s3Error('InternalError', 'server'))],
    ['an S3 SlowDown', new UploadFailedError('x', s3Error('SlowDown', 'server'))],
    ['an unknown error', new Error('boom')],
    ['a thrown string', 'boom'],
    // Matched by class and code: an error that merely calls itself AccessDenied is not S3's refusal.
    ['a plain error named AccessDenied', Object.assign(new Error('x'), { name: 'AccessDenied' })],
  ])('retries %s', (_what, error) => {
    expect(classifyFailure(error).kind).toBe('retryable');
  });

  it.each([
    ['a refused download', new DownloadRefusedError('x', { status: 403, code: 'SignatureDoesNotMatch' })],
    ['S3 AccessDenied', new UploadFailedError('x', s3Error('AccessDenied'))],
    [
      'S3 NoSuchBucket (modeled class)',
      new UploadFailedError('x', new NoSuchBucket({ message: 'x', $metadata: {} })),
    ],
    ['a disabled KMS key', new UploadFailedError('x', s3Error('KMS.DisabledException'))],
    ['an SDK service error with a permanent code, unwrapped', s3Error('AccessDenied')],
  ])('gives up at once on %s', (_what, error) => {
    expect(classifyFailure(error).kind).toBe('permanent');
  });

  it('reads the code S3 put in the error body, and reports it', () => {
    const error = Object.assign(s3Error('UnknownError'), { Code: 'AccessDenied' });
    expect(classifyFailure(new UploadFailedError('Upload to S3 failed', error))).toEqual({
      kind: 'permanent',
      code: 'AccessDenied',
      reason: 'UploadFailedError: Upload to S3 failed',
    });
  });

  it('calls a file not found on download gone', () => {
    expect(classifyFailure(new LogFileNotFoundError('x', { code: 'DBInstanceNotFound' }))).toMatchObject({
      kind: 'gone',
      code: 'DBInstanceNotFound',
    });
  });
});
