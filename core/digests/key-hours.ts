/**
 * Where in the archive the objects of one key hour live, per key layout, so `verify --digests`
 * can list them and find objects no digest lists (planted, replaced or back-dated into an old
 * hour's folder). Pure. The layouts themselves are core/s3-keys.ts's; test/unit/digests.test.ts
 * holds these prefixes to `objectKey` for both layouts.
 *
 * Keys are `{prefix}{group}/{type}/YYYY/MM/DD/HH/...` (seed) or
 * `{prefix}cluster={group}/log_type={type}/dt=YYYY-MM-DD-HH/...` (hive): the group and type
 * levels are found by listing with a delimiter, then each hour is one prefix below them.
 */

import { ENTRIES_FOLDER } from '../entries/entry-formats.js';
import type { KeyLayout } from '../s3-keys.js';
import { DIGEST_FOLDER } from './format.js';

/** The hour part of a key, below a `{group}/{type}/` level, ending in `/`. */
export function hourSegment(layout: KeyLayout, hour: number): string {
  const iso = new Date(hour).toISOString();
  const [yyyy, mm, dd, hh] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  return layout === 'hive' ? `dt=${yyyy}-${mm}-${dd}-${hh}/` : `${yyyy}/${mm}/${dd}/${hh}/`;
}

/**
 * Whether a first-level prefix below the key prefix is an archive group: not the digests' folder,
 * nor the entries objects' (derived from archived objects, which the digests cover: see
 * core/entries/entry-formats.ts).
 */
export function isGroupPrefix(layout: KeyLayout, keyPrefix: string, prefix: string): boolean {
  const segment = prefix.slice(keyPrefix.length);
  if (segment === DIGEST_FOLDER || segment === ENTRIES_FOLDER) return false;
  return layout === 'hive' ? segment.startsWith('cluster=') : true;
}

/** Whether a second-level prefix below a group is a log type level. */
export function isTypePrefix(layout: KeyLayout, groupPrefix: string, prefix: string): boolean {
  return layout === 'hive' ? prefix.slice(groupPrefix.length).startsWith('log_type=') : true;
}
