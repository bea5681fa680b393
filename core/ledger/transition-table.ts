/**
 * The state machine (transitions.ts) as a Markdown table, for the README's "How it works". The
 * README holds a copy; test/unit/readme.test.ts fails when the copy differs from this rendering.
 */

import { CREATION, type From, RETIREMENT, TRANSITIONS, type Transition, type Value } from './transitions.js';

const HEADERS = ['transition', 'by', 'from', 'when', 'to', 'writes', 'meaning'] as const;

function states(from: readonly From[]): string {
  return from
    .map((entry) => (typeof entry === 'string' ? entry : `${entry.state} (${entry.when.label})`))
    .join(', ');
}

function writes(transition: Pick<Transition, 'set' | 'remove'>): string {
  const describe = (attr: string, value: Value): string => {
    if ('arg' in value) return attr;
    if ('value' in value) return `${attr} = ${value.value}`;
    return `${attr} + ${value.add}`;
  };
  const sets = grouped(
    Object.entries(transition.set ?? {}).flatMap(([attr, value]) =>
      value === undefined ? [] : [describe(attr, value)],
    ),
  );
  const removes = grouped(transition.remove ?? []);
  return [sets.join(', '), removes.length > 0 ? `removes ${removes.join(', ')}` : '']
    .filter((part) => part.length > 0)
    .join('; ');
}

/** Three or more attributes sharing their first word (`archivedBytes`, `archivedSha256`...) as `archived*`. */
function grouped(attrs: readonly string[]): string[] {
  const word = (attr: string) => /^[a-z]+/.exec(attr)?.[0] ?? attr;
  const counts = new Map<string, number>();
  for (const attr of attrs) counts.set(word(attr), (counts.get(word(attr)) ?? 0) + 1);
  const out: string[] = [];
  for (const attr of attrs) {
    const shared = (counts.get(word(attr)) ?? 0) >= 3 ? `${word(attr)}*` : attr;
    if (!out.includes(shared)) out.push(shared);
  }
  return out;
}

function target(to: Transition['to']): string {
  if (to === undefined) return '(same)';
  return typeof to === 'string' ? to : to.join(' or ');
}

/** Every row: creation, each transition in declaration order, retirement. */
function rows(): string[][] {
  const code = (text: string) => `\`${text}\``;
  return [
    [
      code('create'),
      CREATION.by,
      '(no record)',
      '-',
      target(CREATION.to),
      'the whole record',
      CREATION.summary,
    ],
    ...Object.entries(TRANSITIONS).map(([name, t]: [string, Transition]) => [
      code(name),
      t.by,
      states(t.from),
      t.when.map((fragment) => fragment.label).join(', ') || '-',
      target(t.to),
      writes(t) || '-',
      t.summary,
    ]),
    [
      code('retire'),
      RETIREMENT.by,
      states(RETIREMENT.from),
      RETIREMENT.when.map((fragment) => fragment.label).join(', '),
      'history partition',
      'the whole record, moved',
      RETIREMENT.summary,
    ],
  ];
}

/** The table, padded the way the README's other tables are (one space, columns aligned). */
export function renderTransitionTable(): string {
  const table = [[...HEADERS], ...rows()];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header, ...body] = table;
  return [line(header!), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}
