import { describe, expect, it } from 'vitest';
import { LINE_TABLES } from '../../infra/athena-layout.js';
import { BLOCK_SIZE, type ContentSpec, contentBlock, contentBytes } from '../../local/rds-sim/content.js';

const spec = (id: string): ContentSpec => ({
  id,
  format: 'postgres',
  host: '',
  startMs: Date.UTC(2026, 2, 1, 10),
  writer: { bytesPerSecond: 4096 },
});

const table = LINE_TABLES.find((t) => t.name === 'postgresql_log')!;
const whole = new RegExp(`^(?:${table.regex})$`);
const column = (name: string) => table.columns.findIndex(([n]) => n === name) + 1;

/** The lines of block `index` of a file, parsed with the Athena table's expression. */
function parsedLines(id: string, index: number) {
  const text = contentBlock(spec(id), index).toString('latin1');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const m = whole.exec(line);
      if (!m) throw new Error(`not a PostgreSQL stderr line: ${line}`);
      const get = (name: string) => m[column(name)] ?? '';
      return {
        line,
        remote: get('remote'),
        user: get('user_name'),
        db: get('database_name'),
        pid: get('pid'),
        severity: get('severity'),
        auditType: get('audit_type'),
        statementId: get('statement_id'),
        objectType: get('object_type'),
        objectName: get('object_name'),
        message: get('message'),
        continuation: m[column('continuation')] !== undefined,
      };
    });
}

describe('simulated PostgreSQL stderr content', () => {
  const blocks = Array.from({ length: 33 }, (_, i) => parsedLines('pg-content', i));
  const lines = blocks.flat();
  const entries = lines.filter((l) => !l.continuation);

  it('is made only of prefixed lines and tab continuations, as Athena reads them', () => {
    expect(lines.length).toBeGreaterThan(10_000);
    expect(lines.filter((l) => l.continuation).length).toBeGreaterThan(500);
  });

  it('varies per line: many pids, client ports and statement literals, not a few pooled lines', () => {
    const distinct = (values: string[]) => new Set(values).size;
    expect(distinct(entries.map((l) => l.pid))).toBeGreaterThan(300);
    expect(distinct(entries.filter((l) => l.remote !== '').map((l) => l.remote))).toBeGreaterThan(300);
    const audits = entries.filter((l) => l.auditType === 'SESSION');
    expect(audits.length).toBeGreaterThan(2000);
    // Statements carry their literals, so they rarely repeat; what does: a statement touching two
    // relations (a line each) and prepared ones (`$1`, the same text whatever the parameters).
    expect(distinct(audits.map((l) => l.message))).toBeGreaterThan(audits.length / 3);
    expect(distinct(audits.map((l) => l.objectName))).toBeGreaterThanOrEqual(8);
    expect(new Set(audits.map((l) => l.objectType))).toEqual(new Set(['TABLE', 'INDEX']));
  });

  it('writes what a busy instance writes: sessions, errors with their details, background work', () => {
    const severities = new Set(entries.map((l) => l.severity));
    for (const severity of ['LOG', 'ERROR', 'DETAIL', 'HINT', 'CONTEXT', 'STATEMENT', 'FATAL'])
      expect(severities, severity).toContain(severity);
    const text = entries.map((l) => l.message).join('\n');
    for (const message of [
      'connection received: host=',
      'connection authorized: user=',
      'disconnection: session time:',
      'checkpoint complete: wrote',
      'automatic vacuum of table',
      'duplicate key value violates unique constraint',
      'deadlock detected',
      'duration: ',
      'execute <unnamed>: ',
      'parameters: $1 = ',
      'temporary file: path',
      'still waiting for ShareLock',
    ]) {
      expect(text, message).toContain(message);
    }
  });

  it("keeps each backend's client, user and database, and counts its pgAudit statements up", () => {
    for (const block of blocks) {
      const sessions = new Map<string, { who: string; last: number }>();
      for (const l of block) {
        if (l.continuation || l.user === '') continue;
        const who = `${l.remote} ${l.user}@${l.db}`;
        const seen = sessions.get(l.pid);
        if (seen) expect(who, l.line).toBe(seen.who);
        const id = l.auditType === 'SESSION' ? Number(l.statementId) : undefined;
        if (id !== undefined && seen) expect(id, l.line).toBeGreaterThanOrEqual(seen.last);
        sessions.set(l.pid, { who, last: id ?? seen?.last ?? 0 });
      }
    }
  });

  it('is the same bytes for the same file, and another file starts with other bytes', () => {
    const a = contentBytes(spec('pg-a'), 0, 3 * BLOCK_SIZE);
    expect(contentBytes(spec('pg-a'), 0, 3 * BLOCK_SIZE).equals(a)).toBe(true);
    expect(contentBytes(spec('pg-b'), 0, BLOCK_SIZE).equals(a.subarray(0, BLOCK_SIZE))).toBe(false);
  });
});
