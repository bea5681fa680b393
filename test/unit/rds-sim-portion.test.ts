import { describe, expect, it } from 'vitest';
import { PORTION_MAX_BYTES, TRUNCATION_NOTE } from '../../local/rds-sim/index.js';
import { downloadDBLogFilePortion } from '../../local/rds-sim/portion.js';
import type { SimWorldInternal } from '../../local/rds-sim/world.js';

/** A world holding one file with the given text (only what the portion API asks of a world). */
function oneFile(text: string): SimWorldInternal {
  const bytes = Buffer.from(text, 'latin1');
  return {
    hasInstance: (id: string) => id === 'db-1',
    file: (id: string, name: string) =>
      id === 'db-1' && name === 'f' ? { instance: id, name, size: bytes.length, lastWritten: 0 } : undefined,
    bytes: (_id: string, _name: string, start: number, end: number) => bytes.subarray(start, end),
  } as unknown as SimWorldInternal;
}

function call(world: SimWorldInternal, params: Record<string, string>) {
  const xml = downloadDBLogFilePortion(
    new URLSearchParams({ DBInstanceIdentifier: 'db-1', LogFileName: 'f', ...params }),
    world,
  );
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`, 's').exec(xml)?.[1] ?? '';
  return { data: pick('LogFileData'), pending: pick('AdditionalDataPending'), marker: pick('Marker') };
}

describe('DownloadDBLogFilePortion', () => {
  it('stops a portion at 1 MB on a whole line, and continues after it', () => {
    const line = `${'x'.repeat(999)}\n`;
    const world = oneFile(line.repeat(3000));
    const first = call(world, { Marker: '0' });
    expect(first.data.length).toBe(Math.floor(PORTION_MAX_BYTES / 1000) * 1000);
    expect(first.pending).toBe('true');
    const second = call(world, { Marker: first.marker });
    expect(second.data.startsWith('x')).toBe(true);
    expect(first.data.length + second.data.length + call(world, { Marker: second.marker }).data.length).toBe(
      3000 * 1000,
    );
  });

  it('cuts a line longer than 1 MB at 1 MB, marks it truncated and skips the rest of it', () => {
    const long = `${'y'.repeat(PORTION_MAX_BYTES + 5000)}\n`;
    const world = oneFile(`${long}short line\n`);
    const first = call(world, { Marker: '0' });
    expect(first.data).toBe('y'.repeat(PORTION_MAX_BYTES) + TRUNCATION_NOTE);
    expect(first.pending).toBe('true');
    const second = call(world, { Marker: first.marker });
    expect(second).toMatchObject({ data: 'short line\n', pending: 'false' });
  });

  it('refuses a marker it did not issue', () => {
    expect(() => call(oneFile('a\n'), { Marker: 'bogus' })).toThrow(/Marker/);
  });
});
