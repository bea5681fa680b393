import { describe, expect, it } from 'vitest';
import { summarizeByEngineAndType } from '../../cli/fleet-summary.js';

describe("start's summary by engine and log type", () => {
  it('sums archived contents, their bytes and losses per engine and log type', () => {
    const engines: Record<string, string> = { 'pg-1': 'postgres', 'aurora-1-i1': 'aurora-mysql' };
    const rows = summarizeByEngineAndType(
      [
        {
          instance: 'pg-1',
          logType: 'postgresql',
          state: 'archived',
          archivedBytes: 100,
          archivedGzipBytes: 20,
        },
        // A content archived once that grew since: it counts as archived with its archived bytes.
        {
          instance: 'pg-1',
          logType: 'postgresql',
          state: 'queued',
          archivedBytes: 50,
          archivedGzipBytes: 10,
        },
        { instance: 'pg-1', logType: 'postgresql', state: 'lost' },
        { instance: 'aurora-1-i1', logType: 'audit', state: 'seen' },
        { instance: 'gone-1', logType: 'error', state: 'archived', archivedBytes: 7, archivedGzipBytes: 7 },
      ],
      (instance) => engines[instance],
    );
    expect(rows).toEqual([
      { engine: 'aurora-mysql', logType: 'audit', archived: 0, bytesIn: 0, bytesOut: 0, lost: 0 },
      { engine: 'postgres', logType: 'postgresql', archived: 2, bytesIn: 150, bytesOut: 30, lost: 1 },
      { engine: 'unknown', logType: 'error', archived: 1, bytesIn: 7, bytesOut: 7, lost: 0 },
    ]);
  });
});
