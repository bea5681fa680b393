/** Counting the requests a benchmark's SDK clients send, by command, and differences of such counts. */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

export type Counts = Record<string, number>;

/** Counts every command a client sends, by command name (the initialize step sees each call once). */
export function countCommands(
  client: { middlewareStack: MiddlewareStack<object, MetadataBearer> },
  counts: Counts,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCommands', priority: 'high' },
  );
}

export const DYNAMO_READS = /^(Get|Query|Scan|BatchGet|TransactGet)/;
export const DYNAMO_WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

export function total(counts: Counts, filter: (name: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((sum, [name, n]) => sum + (filter(name) ? n : 0), 0);
}

export function delta(after: Counts, before: Counts): Counts {
  const out: Counts = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}
