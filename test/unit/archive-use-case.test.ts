/**
 * The archive use case against the memory ledger, with fauxqs and the RDS simulator in this
 * process: what the archiver trusts (only the ledger), what it refuses, and where failures go.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../core/archive.js';
import { parkedMessage } from '../../core/dlq.js';
import { type FileRecord, keys } from '../../core/ledger/records.js';
import { formatArchiveMessage, parseArchiveMessage } from '../../core/messages.js';
import { clusterSelection } from '../../core/rds/cluster-selection.js';
import type { MemoryPipeline } from '../support/memory-pipeline.js';
import { startMemoryPipeline } from '../support/memory-pipeline.js';

let p: MemoryPipeline | undefined;
afterEach(async () => {
  await p?.cleanup();
  p = undefined;
});

/** Discovers, then takes the queued messages off the queue (the tests deliver them by hand). */
async function discovered(pipeline: MemoryPipeline): Promise<string[]> {
  await pipeline.discover();
  return (await pipeline.take(pipeline.queueUrl)).map((m) => m.Body!);
}

async function record(pipeline: MemoryPipeline, body: string): Promise<FileRecord | undefined> {
  return await pipeline.ledger.getFile(parseArchiveMessage(body));
}

describe('archiving one message', () => {
  it('downloads with the ledger figures, not a stale or forged version 1 message', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    const { cluster, instance, logFileName, generation } = parseArchiveMessage(body!);
    // A message in the old format, claiming a size the file never had.
    const forged = JSON.stringify({
      v: 1,
      cluster,
      instance,
      logFileName,
      generation,
      listedSize: 2 ** 52,
      lastWritten: 0,
    });
    expect(await p.archive(forged)).toBe('archived');
    const archived = await record(p, body!);
    expect(archived).toMatchObject({ state: 'archived', attempts: 1 });
    expect(archived!.archivedBytes).toBe(archived!.listedSize);
    expect(archived!.archivedLastWritten).toBe(archived!.lastWritten);
  });

  it('acknowledges a late copy of a message whose file was archived and retired to history', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    expect(await p.archive(body!)).toBe('archived');
    const { instance, logFileName } = parseArchiveMessage(body!);
    p.sim.world.removeFile(instance, logFileName);
    await p.discover();
    expect(keys.isRetired((await p.ledger.getFile({ instance, logFileName }))!)).toBe(true);

    expect(await p.archive(body!, { attempt: 1 })).toBe('duplicate');
    expect(await p.take(p.dlqUrl)).toEqual([]);
    expect(p.logs.join('\n')).toMatch(/Duplicate delivery: already archived \(retired to history/);
  });

  it('acknowledges a copy of a message whose file was lost, then retired, with its outcome', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    const { instance, logFileName } = parseArchiveMessage(body!);
    p.sim.world.removeFile(instance, logFileName);
    expect(await p.archive(body!)).toBe('lost');
    await p.discover();
    expect(keys.isRetired((await p.ledger.getFile({ instance, logFileName }))!)).toBe(true);
    expect(await p.archive(body!)).toBe('lost');
    expect(await p.take(p.dlqUrl)).toEqual([]);
  });

  it('refuses a file of a cluster outside the selection: FAILED and parked with the reason, nothing read', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    const pipeline = p;
    const selection = clusterSelection(pipeline.rds, { clusters: ['other-db'], tag: undefined });
    const downloadsBefore = pipeline.sim.stats()['download.v19'] ?? 0;
    expect(await pipeline.archive(body!, { deps: { selection } })).toBe('failed');
    const failed = await record(pipeline, body!);
    const reason = `cluster ${pipeline.cluster} is not selected for archiving (ARCHIVER_CLUSTERS other-db): refused`;
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, lastError: reason });
    const [parked] = await pipeline.take(pipeline.dlqUrl);
    expect(parked?.MessageAttributes?.reason?.StringValue).toBe(reason);
    expect(pipeline.sim.stats()['download.v19'] ?? 0).toBe(downloadsBefore);
    expect(await pipeline.objectKeys()).toEqual([]);
    // Once the selection includes the cluster, the failed file is claimed and archived (a redrive).
    expect(await pipeline.archive(body!)).toBe('archived');
    expect(pipeline.sim.stats()['download.v19']).toBe(downloadsBefore + 1);
  });

  it('fails a permanent error at once: FAILED with the reason on the first attempt, parked, acknowledged', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    const config = { ...p.archiveDeps().config, bucket: 'no-such-bucket-here' };
    expect(await p.archive(body!, { attempt: 1, deps: { config } })).toBe('failed');
    expect(await record(p, body!)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: expect.stringMatching(/NoSuchBucket|bucket/i),
    });
    expect((await p.take(p.dlqUrl)).map((m) => m.Body)).toEqual([body]);
  });

  it('retries a retryable failure with the claim given back, and fails it on the last attempt', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    const { logFileName } = parseArchiveMessage(body!);
    p.sim.faults.add({ kind: 'always-fail', file: logFileName });
    await expect(p.archive(body!, { attempt: 1 })).rejects.toBeInstanceOf(RetryLaterError);
    expect(await record(p, body!)).toMatchObject({
      state: 'queued',
      attempts: 1,
      lastError: expect.stringMatching(/500/),
    });
    expect(await p.archive(body!, { attempt: 3 })).toBe('failed');
    expect(await record(p, body!)).toMatchObject({ state: 'failed', attempts: 2 });
    const [parked] = await p.take(p.dlqUrl);
    expect(parked?.MessageAttributes?.reason?.StringValue).toMatch(/DownloadServerError/);
  });

  it('records a file gone from RDS on download as lost', async () => {
    p = await startMemoryPipeline();
    const [body] = await discovered(p);
    p.sim.faults.add({ kind: 'vanish', file: parseArchiveMessage(body!).logFileName });
    expect(await p.archive(body!)).toBe('lost');
    expect(await record(p, body!)).toMatchObject({
      state: 'lost',
      lostReason: expect.stringMatching(/not found/),
    });
  });

  it('parks a message for a file the ledger does not know, and one near the 1 MiB limit as an excerpt', async () => {
    p = await startMemoryPipeline();
    const unknown = formatArchiveMessage({
      cluster: p.cluster,
      instance: 'nobody-1',
      logFileName: 'audit/x',
      generation: 1,
    });
    expect(await p.archive(unknown)).toBe('parked');
    const huge = `{"v":2,"cluster":"${'x'.repeat(1_040_000)}"}`;
    expect(await p.archive(huge)).toBe('parked');
    const dlq = await p.take(p.dlqUrl);
    expect(dlq.map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual([
      'the ledger has no such file: message not produced by the discoverer',
      expect.stringMatching(/^malformed message: cluster is 1040000 characters long/),
    ]);
    const expected = parkedMessage({ body: huge, messageId: 'm', reason: 'r' });
    expect(dlq[1]?.Body).toBe(expected.body);
    expect(dlq[1]?.MessageAttributes?.bodySha256?.StringValue).toBe(
      expected.attributes.bodySha256?.StringValue,
    );
    expect(p.logs.some((line) => /"level":"WARN".*too large to park whole/.test(line))).toBe(true);
  });
});
