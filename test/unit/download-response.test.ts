import { describe, expect, it } from 'vitest';
import { DownloadRefusedError } from '../../core/rds/download-errors.js';
import {
  answerProvesRoute,
  classifyDownloadFailure,
  downloadPath,
  parseAwsError,
} from '../../core/rds/download-response.js';
import { rdsEndpointOverride, resolveRdsEndpoint } from '../../core/rds/endpoint.js';

describe('downloadPath', () => {
  it('keeps the slash inside the log file name as a path separator', () => {
    expect(downloadPath('v19', 'db-1', 'audit/audit.log.0.2026-03-01-00-00.1')).toBe(
      '/v19/downloadCompleteLogFile/db-1/audit/audit.log.0.2026-03-01-00-00.1',
    );
    expect(downloadPath('v13', 'db-1', 'error/mysql-error.log')).toBe(
      '/v13/downloadCompleteLogFile/db-1/error/mysql-error.log',
    );
  });

  it('encodes each segment strictly', () => {
    expect(downloadPath('v19', 'db 1', "a b/c(1)'!*#?%.log")).toBe(
      '/v19/downloadCompleteLogFile/db%201/a%20b/c%281%29%27%21%2A%23%3F%25.log',
    );
  });

  it('refuses names that would change the route', () => {
    expect(() => downloadPath('v19', 'db-1', '../x')).toThrow(/Invalid log file name/);
    expect(() => downloadPath('v19', 'db-1', 'a//b')).toThrow(/Invalid log file name/);
    expect(() => downloadPath('v19', 'db/1', 'x')).toThrow(/Invalid DB instance/);
    expect(() => downloadPath('v19', 'db-1', '')).toThrow(/Invalid log file name/);
  });
});

describe('parseAwsError', () => {
  it('reads a Query-protocol XML error', () => {
    const body = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>
      <Code>DBLogFileNotFoundFault</Code><Message>DBLogFile audit/x not found</Message></Error>
      <RequestId>req-1</RequestId></ErrorResponse>`;
    expect(parseAwsError(body)).toEqual({
      code: 'DBLogFileNotFoundFault',
      message: 'DBLogFile audit/x not found',
      requestId: 'req-1',
    });
  });

  it('reads a JSON error with a namespaced __type', () => {
    expect(
      parseAwsError('{"__type":"com.amazon.coral.service#UnknownOperationException","message":"x"}'),
    ).toEqual({
      code: 'UnknownOperationException',
      message: 'x',
    });
  });

  it('falls back to the x-amzn-ErrorType header for an empty or foreign body', () => {
    expect(
      parseAwsError('<html>nope</html>', {
        'x-amzn-errortype': 'UnknownOperationException:http://x/',
        'x-amzn-requestid': 'r',
      }),
    ).toEqual({ code: 'UnknownOperationException', requestId: 'r' });
    expect(parseAwsError('')).toEqual({});
  });
});

describe('classifyDownloadFailure', () => {
  it('marks a missing file or instance as not found', () => {
    expect(classifyDownloadFailure(404, 'DBLogFileNotFoundFault')).toBe('not-found');
    expect(classifyDownloadFailure(404, 'DBInstanceNotFound')).toBe('not-found');
  });

  it('marks throttles and server faults as transient', () => {
    expect(classifyDownloadFailure(429, undefined)).toBe('throttled');
    expect(classifyDownloadFailure(400, 'Throttling')).toBe('throttled');
    expect(classifyDownloadFailure(503, 'ServiceUnavailable')).toBe('server');
    expect(classifyDownloadFailure(500, undefined)).toBe('server');
  });

  it('treats an unknown route as one, whatever shape AWS gives it', () => {
    expect(classifyDownloadFailure(404, 'UnknownOperationException')).toBe('unknown-route');
    expect(classifyDownloadFailure(404, undefined)).toBe('unknown-route');
    expect(classifyDownloadFailure(400, 'InvalidAction')).toBe('unknown-route');
    expect(classifyDownloadFailure(403, 'MissingAuthenticationToken')).toBe('unknown-route');
  });

  it('never reads a signature, credential or permission fault as an unknown route', () => {
    for (const code of ['SignatureDoesNotMatch', 'InvalidClientTokenId', 'AccessDenied', 'ExpiredToken']) {
      expect(classifyDownloadFailure(403, code)).toBe('refused');
    }
    expect(classifyDownloadFailure(416, undefined)).toBe('refused');
  });
});

describe('DownloadRefusedError', () => {
  it('is retryable only for stale credentials or clock skew', () => {
    expect(new DownloadRefusedError('x', { code: 'SignatureDoesNotMatch' }).retryable).toBe(false);
    expect(new DownloadRefusedError('x', { code: 'ExpiredToken' }).retryable).toBe(true);
    expect(new DownloadRefusedError('x', { code: 'RequestTimeTooSkewed' }).retryable).toBe(true);
  });
});

describe('resolveRdsEndpoint', () => {
  it('honours AWS_ENDPOINT_URL_RDS before the generic override and the regional default', () => {
    expect(resolveRdsEndpoint('eu-west-1', {})).toBe('https://rds.eu-west-1.amazonaws.com');
    expect(resolveRdsEndpoint('cn-north-1', {})).toBe('https://rds.cn-north-1.amazonaws.com.cn');
    expect(resolveRdsEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://b:2/' })).toBe('http://b:2');
    expect(
      resolveRdsEndpoint('eu-west-1', {
        AWS_ENDPOINT_URL: 'http://b:2',
        AWS_ENDPOINT_URL_RDS: 'http://a:1/',
      }),
    ).toBe('http://a:1');
    expect(rdsEndpointOverride({})).toBeUndefined();
    expect(() => resolveRdsEndpoint('eu-west-1/evil', {})).toThrow(/Invalid AWS region/);
  });
});

describe('answerProvesRoute', () => {
  it('takes only success and an RDS not-found as proof that a path is served', () => {
    expect(answerProvesRoute('ok')).toBe(true);
    expect(answerProvesRoute(classifyDownloadFailure(404, 'DBLogFileNotFoundFault'))).toBe(true);
    expect(answerProvesRoute(classifyDownloadFailure(404, 'DBInstanceNotFound'))).toBe(true);
    for (const [status, code] of [
      [404, 'UnknownOperationException'],
      [404, undefined],
      [403, 'AccessDenied'],
      [403, 'SignatureDoesNotMatch'],
      [400, 'InvalidParameterValue'],
      [400, undefined],
      [429, 'ThrottlingException'],
      [500, 'InternalFailure'],
      [503, undefined],
    ] as const) {
      expect(answerProvesRoute(classifyDownloadFailure(status, code)), `${status} ${code}`).toBe(false);
    }
  });
});
