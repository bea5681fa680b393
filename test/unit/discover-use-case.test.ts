/**
 * The discover use case against the memory ledger, with fauxqs and the RDS simulator in this
 * process: what a pass writes, what it sends when a write fails, and the race that revived a lost file.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerStore } from '../../core/ledger/store.js';
import { liveFileNames } from '../../core/log-files.js';
import { type ArchiveMessage, parseArchiveMessage } from '../../core/messages.js';
import type { MemoryPipeline } from '../support/memory-pipeline.js';
import { startMemoryPipeline } from '../support/memory-pipeline.js';

let p: MemoryPipeline | undefined;
afterEach(async () => {
  await p?.cleanup();
  p = undefined;
});

const INSTANCE = 'aurora-audit-1-instance-1';

async function sent(pipeline: MemoryPipeline): Promise<ArchiveMessage[]> {
  return (await pipeline.take(pipeline.queueUrl)).map((m) => parseArchiveMessage(m.Body!));
}

/** The memory ledger, with one method replaced. */
function withMethod<K extends keyof LedgerStore>(
  ledger: LedgerStore,
  name: K,
  replacement: (original: LedgerStore[K]) => LedgerStore[K],
): LedgerStore {
  const original = (ledger[name] as (...args: never[]) => unknown).bind(ledger) as LedgerStore[K];
  return new Proxy(ledger, {
    get: (target, property, receiver) =>
      property === name ? replacement(original) : Reflect.get(target, property, receiver),
  });
}

describe('a discovery pass', () => {
  it('writes only the heartbeat when nothing changed, with the live files observed on it', async () => {
    p = await startMemoryPipeline();
    const first = await p.discover();
    expect(first.enqueued).toBeGreaterThan(0);
    const steady = await p.discover();
    expect(steady.writes).toBe(1);
    expect(steady.enqueued).toBe(0);
    const listed = p.sim.world
      .listFiles(INSTANCE)
      .map((f) => f.name)
      .filter((n) => n.startsWith('audit/'));
    const { meta } = await p.ledger.instanceState(INSTANCE);
    expect(Object.keys(meta?.observed ?? {}).sort()).toEqual([...liveFileNames(listed)].sort());
  });

  it('sends what it recorded before a ledger write failed, and records no heartbeat', async () => {
    p = await startMemoryPipeline();
    let creates = 0;
    const failing = withMethod(p.ledger, 'create', (create) => async (record) => {
      creates += 1;
      if (creates === 3) throw new Error('ProvisionedThroughputExceededException (simulated)');
      await create(record);
    });
    const summary = await p.discover({ ledger: failing });
    expect(summary.instances[0]?.error).toMatch(/ProvisionedThroughputExceeded/);
    const queued = (await p.ledger.instanceState(INSTANCE)).files.filter((f) => f.state === 'queued');
    expect(queued).toHaveLength(2);
    // Every file written queued has its message: none waits for the sweep.
    expect((await sent(p)).map((m) => m.logFileName).sort()).toEqual(queued.map((f) => f.logFileName).sort());
    expect(summary.enqueued).toBe(2);
    expect((await p.ledger.instanceState(INSTANCE)).meta).toBeUndefined();
    expect(p.logs.some((line) => /sent the work already recorded/.test(line))).toBe(true);
  });

  it('does not revive a file the archiver marked lost after the listing that still showed it', async () => {
    p = await startMemoryPipeline();
    const pipeline = p;
    await pipeline.discover();
    const [message] = await sent(pipeline);
    const file = { instance: message!.instance, logFileName: message!.logFileName };
    // Between this pass's listing (the file is there) and its read of the ledger, the archiver
    // finds the file gone on download and marks it lost.
    const racing = withMethod(pipeline.ledger, 'instanceState', (read) => async (instance) => {
      pipeline.clock.advance(1000);
      const now = pipeline.clock.now();
      await pipeline.ledger.apply('claim', file, {
        generation: 1,
        now,
        owner: 'w',
        leaseUntil: now + 60_000,
      });
      await pipeline.ledger.apply('markLost', file, { generation: 1, now, owner: 'w', reason: 'not found' });
      return await read(instance);
    });
    pipeline.clock.advance(60_000);
    await pipeline.discover({ ledger: racing });
    expect(await pipeline.ledger.getFile(file)).toMatchObject({ state: 'lost', generation: 1 });
    expect(await sent(pipeline)).toEqual([]);

    // A later listing that still shows it is newer than the mark: then it is revived.
    pipeline.clock.advance(60_000);
    await pipeline.discover();
    expect(await pipeline.ledger.getFile(file)).toMatchObject({ state: 'queued', generation: 2 });
    expect(await sent(pipeline)).toEqual([expect.objectContaining({ ...file, generation: 2 })]);
  });
});
