/**
 * The DLQ and redrive trust the ledger, not the messages: found by a fault-and-kill campaign, run
 * here on the local stack (DynamoDB Local, fauxqs, the RDS simulator).
 */

import { createHash } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { keys } from '../../core/ledger/records.js';
import { liveFileNames } from '../../core/log-files.js';
import { archiveMessageFor, formatArchiveMessage, parseArchiveMessage } from '../../core/messages.js';
import { redrive } from '../../core/operations/redrive/redrive.js';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline.js';

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

const INSTANCE = 'aurora-audit-1-instance-1';

/**
 * Two deliveries. The harness's queue never delivers a message again while it is archived, however
 * slow the machine: a failed record comes back once the invocations running then have ended.
 */
const QUEUE = { maxReceiveCount: 2, env: { ARCHIVER_MAX_ATTEMPTS: '2' } };

/** The rotated audit files the simulator lists now. */
function rotated(h: PipelineHarness): string[] {
  const names = h.sim.world
    .listFiles(INSTANCE)
    .map((f) => f.name)
    .filter((n) => n.startsWith('audit/'));
  const live = liveFileNames(names);
  return names.filter((n) => !live.has(n));
}

async function toDlq(h: PipelineHarness, body: string, reason?: string): Promise<void> {
  await h.res.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: h.res.dlqUrl,
      MessageBody: body,
      ...(reason ? { MessageAttributes: { reason: { DataType: 'String', StringValue: reason } } } : {}),
    }),
  );
}

/** The message the discoverer sends for a file's current generation (read from the ledger). */
async function bodyOf(h: PipelineHarness, name: string): Promise<string> {
  return formatArchiveMessage(archiveMessageFor((await h.ledgerFile(INSTANCE, name))!));
}

async function cli(h: PipelineHarness, ...argv: string[]) {
  const { io, out, err } = bufferIo({ env: h.env });
  const code = await main(argv, io);
  return { code, out: out(), err: err() };
}

describe('Messages for files that left RDS', () => {
  it('are acknowledged by the archiver, and removed from the DLQ by redrive with their outcome', async () => {
    harness = await startPipelineHarness('dlq-retired', { workload: { instancesPerCluster: 1 }, ...QUEUE });
    const h = harness;
    const [archivedName, lostName] = rotated(h);
    h.sim.faults.add({ kind: 'vanish', file: lostName! });
    await h.discover();
    await h.drain();
    expect((await h.ledgerFile(INSTANCE, lostName!))?.state).toBe('lost');
    // Both leave RDS: the next listing retires them to the history partition.
    h.sim.world.removeFile(INSTANCE, archivedName!);
    h.sim.world.removeFile(INSTANCE, lostName!);
    await h.discover();
    for (const name of [archivedName!, lostName!]) {
      expect(keys.isRetired((await h.ledgerFile(INSTANCE, name))!)).toBe(true);
    }

    // A late copy of each (an at-least-once redelivery after a kill) is acknowledged, not parked.
    const bodies = new Map<string, string>();
    for (const name of [archivedName!, lostName!]) {
      bodies.set(name, await bodyOf(h, name));
      await h.res.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: h.res.queueUrl, MessageBody: bodies.get(name) }),
      );
    }
    const again = await h.drain();
    expect(again).toMatchObject({ received: 2, succeeded: 2, failed: 0 });
    expect(await h.peekMessages(h.res.dlqUrl)).toEqual([]);

    // Copies already in the DLQ, one parked with the false reason older versions gave: redrive
    // removes them and says why; nothing goes back to the archive queue.
    await toDlq(
      h,
      bodies.get(archivedName!)!,
      'the ledger has no such file: message not produced by the discoverer',
    );
    await toDlq(h, bodies.get(lostName!)!);
    const dry = await cli(h, 'redrive', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.out);
    expect(planned.moved).toEqual([]);
    expect(
      planned.removed
        .map((r: { outcome: string; removed: boolean; message: { logFileName: string } }) => [
          r.message.logFileName,
          r.outcome,
          r.removed,
        ])
        .sort(),
    ).toEqual(
      [
        [archivedName, 'archived', false],
        [lostName, 'lost', false],
      ].sort(),
    );
    const done = await cli(h, 'redrive');
    expect(done.code).toBe(0);
    expect(done.out).toMatch(/Removed from the DLQ \(nothing is due for them\):/);
    expect(done.out).toContain(`${archivedName}  gen 1  already archived, retired to history`);
    expect(done.out).toMatch(/removed 2 with nothing due/);
    expect(await h.peekMessages(h.res.dlqUrl)).toEqual([]);
    expect(await h.peekMessages(h.res.queueUrl)).toEqual([]);
  });
});

describe('Redrive', () => {
  it('rebuilds the message from the ledger, and a dry run says what would happen', async () => {
    harness = await startPipelineHarness('dlq-rebuild', { workload: { instancesPerCluster: 1 }, ...QUEUE });
    const h = harness;
    const [name] = rotated(h);
    h.sim.faults.add({ kind: 'always-fail', file: name! });
    await h.discover();
    await h.drain();
    const body = await bodyOf(h, name!);
    expect((await h.ledgerFile(INSTANCE, name!))?.state).toBe('failed');
    h.sim.faults.clear();
    // Parked by the archiver with its reason: now a poisoned copy joins it in the old format.
    const { cluster, logFileName, generation } = parseArchiveMessage(body);
    const poisoned = JSON.stringify({
      v: 1,
      cluster,
      instance: INSTANCE,
      logFileName,
      generation,
      listedSize: 2 ** 52,
      lastWritten: 0,
    });
    await toDlq(h, poisoned);

    const dry = await cli(h, 'redrive', '--dry-run', '--json');
    const planned = JSON.parse(dry.out);
    expect(planned.moved.map((m: { ledger: string }) => m.ledger)).toEqual(['would-reset', 'would-reset']);
    expect((await h.ledgerFile(INSTANCE, name!))?.state).toBe('failed');
    const text = await cli(h, 'redrive', '--dry-run');
    expect(text.out).toContain('failed (would reset)');

    const result = await redrive(
      {
        sqs: h.pipeline.clients.sqs,
        ledger: h.pipeline.clients.ledger,
        queueUrl: h.res.queueUrl,
        dlqUrl: h.res.dlqUrl,
      },
      { filter: {} },
    );
    expect(result.moved.map((m) => m.ledger).sort()).toEqual(['already-queued', 'reset']);
    const sent = await h.peekMessages(h.res.queueUrl);
    // Both went back as the ledger's message: no listedSize, no reason attribute.
    expect(sent.map((m) => m.Body)).toEqual([body, body]);
    expect(sent.every((m) => m.MessageAttributes === undefined)).toBe(true);
    const drained = await h.drain();
    expect(drained.failed).toBe(0);
    const record = await h.ledgerFile(INSTANCE, name!);
    expect(record).toMatchObject({ state: 'archived' });
    expect(record!.archivedBytes).toBe(record!.listedSize);
  });
});

describe('An oversized message', () => {
  it('is parked once, as an excerpt with the digest of the whole, not retried', async () => {
    harness = await startPipelineHarness('dlq-huge', {
      workload: { instancesPerCluster: 1, historyHours: 0 },
    });
    const h = harness;
    // Near the 1 MiB limit of SQS (body and attributes together).
    const body = `{"v":2,"cluster":"${'x'.repeat(1_040_000)}"}`;
    await h.res.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.res.queueUrl, MessageBody: body }));
    const drained = await h.drain();
    expect(drained).toMatchObject({ received: 1, succeeded: 1, failed: 0 });
    const [parked, ...others] = await h.peekMessages(h.res.dlqUrl);
    expect(others).toEqual([]);
    expect(body.startsWith(parked!.Body!)).toBe(true);
    expect(parked!.MessageAttributes?.bodySha256?.StringValue).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(parked!.MessageAttributes?.reason?.StringValue).toMatch(
      /^malformed message: cluster is 1040000 characters/,
    );
  });
});
