/**
 * Naming models and how a content of a rotating family is found again (core/log-streams.ts): the
 * rule the discoverer and the archiver share.
 */

import { describe, expect, it } from 'vitest';
import { logTypeOf } from '../../core/log-files.js';
import {
  type ContentLocation,
  compareContentIds,
  contentIdFor,
  isArchivedLogFile,
  isStagingCopy,
  type KnownContent,
  type ListedEntry,
  LOG_FAMILIES,
  matchFamily,
  nameModel,
  sameRotatedFiles,
} from '../../core/log-streams.js';
import { LOG_TYPES, logTypeOfName } from '../../core/log-types.js';
import { auroraAuditName, MINUTE, T0 } from '../support/factories.js';

const LIVE = 'audit/server_audit.log';
const at = (n: number) => `${LIVE}.${n}`;

function entry(logFileName: string, size: number, lastWritten: number): ListedEntry {
  return { logFileName, size, lastWritten };
}

function content(
  id: string,
  size: number,
  lastWritten: number,
  more: Partial<KnownContent> = {},
): KnownContent {
  return { contentId: id, size, lastWritten, lost: false, diverged: false, archived: false, ...more };
}

/** Where each content is, as `name` (exact), `~name` (found by continuation) or `gone`. */
function where(locations: Map<string, ContentLocation>): Record<string, string> {
  return Object.fromEntries(
    [...locations].map(([id, location]) => [
      id,
      location.kind === 'found'
        ? `${location.exact ? '' : '~'}${location.entry.logFileName}${location.ambiguous ? '?' : ''}`
        : location.kind,
    ]),
  );
}

describe('nameModel', () => {
  it('keeps unique names as their own identity: Aurora audit, PostgreSQL, unknown shapes', () => {
    for (const name of [
      auroraAuditName(0, T0),
      'error/postgresql.log.2024-10-01-12',
      'error/postgresql.log.2024-10-01-1230.csv',
      'error/postgresql.log.2024-10-01',
      'audit/mystery-file',
    ]) {
      expect(nameModel(name)).toEqual({ model: 'unique', name });
    }
  });

  it('puts live and rotated names of a family together, whatever the rotation suffix', () => {
    expect(nameModel(LIVE)).toMatchObject({ model: 'rotating', family: LIVE, role: 'live' });
    for (const name of [at(1), `${LIVE}.09`, `${LIVE}.100`]) {
      expect(nameModel(name)).toMatchObject({ model: 'rotating', family: LIVE, role: 'rotated' });
    }
    expect(nameModel('error/mysql-error-running.log.23')).toMatchObject({
      family: 'error/mysql-error-running.log',
      role: 'rotated',
    });
    // Aurora MySQL's dated hours are the live name's contents once rotated.
    expect(nameModel('slowquery/mysql-slowquery.log.2024-10-01.12')).toMatchObject({
      family: 'slowquery/mysql-slowquery.log',
      role: 'rotated',
    });
  });

  describe.each(
    LOG_FAMILIES.map((family) => [`${family.engines.join('/')} ${family.type}`, family] as const),
  )('the declared family %s', (_label, family) => {
    it.each(family.examples.map((name) => [name]))('names %s by its model and type', (name) => {
      const model = nameModel(name).model;
      if (family.model === 'staging') {
        expect(isStagingCopy(name)).toBe(true);
        expect(isArchivedLogFile(name, LOG_TYPES)).toBe(false);
      } else {
        expect(model).toBe(family.model);
        expect(isStagingCopy(name)).toBe(false);
        expect(isArchivedLogFile(name, [family.type])).toBe(true);
      }
      expect(logTypeOfName(name)).toBe(family.type);
      expect(logTypeOf(name)).toBe(family.type);
    });
  });

  it('declares a family for every engine and log type the simulator writes', () => {
    const declared = new Set(LOG_FAMILIES.flatMap((f) => f.engines.map((engine) => `${engine}/${f.type}`)));
    for (const engine of ['aurora-mysql', 'mysql', 'mariadb'])
      for (const type of ['audit', 'error', 'slowquery', 'general'])
        expect(declared).toContain(`${engine}/${type}`);
    expect(declared).toContain('postgres/postgresql');
    expect(declared).toContain('aurora-postgresql/postgresql');
  });
});

describe('content ids', () => {
  it('are the first LastWritten as a compact UTC stamp, numbered on a collision, ordered by first sight', () => {
    const taken = new Set<string>();
    const first = contentIdFor(Date.UTC(2024, 9, 1, 12, 0, 0, 5), (id) => taken.has(id));
    expect(first).toBe('20241001T120000005Z');
    taken.add(first);
    const second = contentIdFor(Date.UTC(2024, 9, 1, 12, 0, 0, 5), (id) => taken.has(id));
    expect(second).toBe('20241001T120000005Z-2');
    const ids = [second, '20241001T115959999Z', first, '20241001T120000005Z-10'];
    expect(ids.sort(compareContentIds)).toEqual([
      '20241001T115959999Z',
      first,
      second,
      '20241001T120000005Z-10',
    ]);
  });
});

describe('matchFamily', () => {
  const t = (m: number) => T0 + m * MINUTE;

  it('finds rotated contents by their unchanged figures however far their names shifted', () => {
    const match = matchFamily({
      family: LIVE,
      entries: [
        entry(LIVE, 10, t(30)),
        entry(at(1), 100, t(20)),
        entry(at(2), 101, t(10)),
        entry(at(3), 102, t(0)),
      ],
      contents: [content('a', 102, t(0)), content('b', 101, t(10)), content('c', 10, t(30))],
      capacity: 3,
    });
    expect(where(match.locations)).toEqual({ a: at(3), b: at(2), c: LIVE });
    expect(match.fresh.map((e) => e.logFileName)).toEqual([at(1)]);
  });

  it('follows the live content as it grows, and into the oldest newer rotated file when it rotates', () => {
    const grown = matchFamily({
      family: LIVE,
      entries: [entry(LIVE, 50, t(31)), entry(at(1), 100, t(20))],
      contents: [content('b', 100, t(20)), content('c', 10, t(25))],
      capacity: 1,
    });
    expect(where(grown.locations)).toEqual({ b: at(1), c: `~${LIVE}` });
    // Three rotations since: c is the oldest rotated file newer than its last listing.
    const rotated = matchFamily({
      family: LIVE,
      entries: [
        entry(LIVE, 5, t(60)),
        entry(at(1), 100, t(55)),
        entry(at(2), 100, t(45)),
        entry(at(3), 100, t(35)),
        entry(at(4), 100, t(20)),
      ],
      contents: [content('b', 100, t(20)), content('c', 10, t(25))],
      capacity: 4,
    });
    expect(where(rotated.locations)).toEqual({ b: at(4), c: `~${at(3)}` });
    expect(rotated.fresh.map((e) => e.logFileName)).toEqual([at(2), at(1), LIVE]);
  });

  it('keeps finding a waiting content while later contents are known and the names keep shifting', () => {
    // c was recorded live (10 B); d, e were found since, exactly; c has rotated in between.
    const match = matchFamily({
      family: LIVE,
      entries: [
        entry(LIVE, 7, t(90)),
        entry(at(1), 100, t(80)),
        entry(at(2), 100, t(70)),
        entry(at(3), 100, t(60)),
        entry(at(4), 100, t(30)),
      ],
      contents: [content('c', 10, t(25)), content('d', 100, t(60)), content('e', 100, t(70))],
      capacity: 4,
    });
    expect(where(match.locations)).toEqual({ c: `~${at(4)}`, d: at(3), e: at(2) });
  });

  it('says gone when the content rotated out of the listing, with the evidence', () => {
    // d (known, newer than c) is still listed; nothing between c and d is: c fell off.
    const match = matchFamily({
      family: LIVE,
      entries: [entry(LIVE, 7, t(90)), entry(at(1), 100, t(80)), entry(at(2), 100, t(60))],
      contents: [content('c', 10, t(25)), content('d', 100, t(60))],
      capacity: 2,
    });
    expect(match.locations.get('c')).toMatchObject({
      kind: 'gone',
      reason: expect.stringMatching(/nothing rotated between its last listing .* is still listed/),
    });
    expect(match.fresh.map((e) => e.logFileName)).toEqual([at(1), LIVE]);
  });

  it('takes a live name that lists fewer bytes than its content had as other content', () => {
    const match = matchFamily({
      family: LIVE,
      entries: [entry(LIVE, 5, t(40))],
      contents: [content('c', 300_000, t(30))],
      capacity: 0,
    });
    expect(match.locations.get('c')).toMatchObject({
      kind: 'gone',
      reason: expect.stringMatching(/now holds other content \(5 B listed/),
    });
    expect(match.fresh).toEqual([entry(LIVE, 5, t(40))]);
  });

  it('cannot tell when the family may be full and nothing older is listed: the prefix decides, or a false alarm', () => {
    const entries = [entry(LIVE, 5, t(90)), entry(at(1), 100, t(80)), entry(at(2), 100, t(70))];
    const unarchived = matchFamily({
      family: LIVE,
      entries,
      contents: [content('c', 10, t(25))],
      capacity: 2,
    });
    expect(unarchived.locations.get('c')).toMatchObject({
      kind: 'ambiguous',
      entry: entry(at(2), 100, t(70)),
      reason: expect.stringMatching(
        /could not tell whether audit\/server_audit.log.2 .* is its continuation/,
      ),
    });
    expect(unarchived.fresh.map((e) => e.logFileName)).toEqual([at(2), at(1), LIVE]);
    const archived = matchFamily({
      family: LIVE,
      entries,
      contents: [content('c', 10, t(25), { archived: true })],
      capacity: 2,
    });
    expect(where(archived.locations)).toEqual({ c: `~${at(2)}?` });
    // Fewer rotated files than the family has held: nothing fell off, so it is the continuation.
    const roomy = matchFamily({ family: LIVE, entries, contents: [content('c', 10, t(25))], capacity: 3 });
    expect(where(roomy.locations)).toEqual({ c: `~${at(2)}` });
  });

  it('finds a lost content only exactly, and a diverged one never', () => {
    const entries = [entry(LIVE, 50, t(40)), entry(at(1), 100, t(20))];
    const match = matchFamily({
      family: LIVE,
      entries,
      contents: [content('b', 100, t(20), { lost: true }), content('c', 10, t(25), { lost: true })],
      capacity: 1,
    });
    expect(where(match.locations)).toEqual({ b: at(1) });
    expect(match.fresh.map((e) => e.logFileName)).toEqual([LIVE]);
    const diverged = matchFamily({
      family: LIVE,
      entries,
      contents: [content('b', 100, t(20), { diverged: true })],
      capacity: 1,
    });
    expect(diverged.locations.size).toBe(0);
    expect(diverged.fresh.map((e) => e.logFileName)).toEqual([at(1), LIVE]);
  });

  it('treats a reused hourly name with new figures as new content, and the old one as gone', () => {
    const family = 'error/mysql-error-running.log';
    const yesterday = content('y', 4000, t(-24 * 60));
    const match = matchFamily({
      family,
      entries: [
        entry(family, 10, t(5)),
        entry(`${family}.5`, 3000, t(0)),
        entry(`${family}.4`, 3500, t(-60)),
      ],
      contents: [yesterday, content('h4', 3500, t(-60))],
      capacity: 24,
    });
    expect(where(match.locations)).toEqual({ y: 'gone', h4: `${family}.4` });
    expect(match.fresh.map((e) => e.logFileName)).toEqual([`${family}.5`, family]);
  });
});

describe('sameRotatedFiles', () => {
  it('ignores the live file and compares the rotated ones by name and figures', () => {
    const a = [entry(LIVE, 5, 1), entry(at(1), 100, 0)];
    expect(sameRotatedFiles(LIVE, a, [entry(LIVE, 9, 2), entry(at(1), 100, 0)])).toBe(true);
    expect(sameRotatedFiles(LIVE, a, [entry(LIVE, 1, 3), entry(at(1), 5, 1), entry(at(2), 100, 0)])).toBe(
      false,
    );
  });
});
