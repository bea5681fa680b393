/**
 * A place: one account in one Region, the unit RDS throttles by. Its key names the budget's
 * bucket in the ledger table (`RDSBUDGET#<key>`) and appears in messages and counters. The key's
 * spelling is stored: changing it would orphan every bucket already written.
 */

import { HOME_PLACE } from '../fleet/places.js';
import type { Place } from '../fleet/source-accounts.js';

/** The key of a place, `<account>#<region>` (e.g. `123456789012#eu-west-1`). */
export function placeKey(place: Place): string {
  return `${place.account}#${place.region}`;
}

/**
 * The key of the home place in `region`: `home#<region>`. The home account's id is not looked up
 * (no STS call for it), so the home place's label stands in for it.
 */
export function homePlaceKey(region: string): string {
  return placeKey({ account: HOME_PLACE, region });
}

/** Account and Region of a place key (the inverse of {@link placeKey}). */
export function placeOf(key: string): Place {
  const at = key.lastIndexOf('#');
  return at < 0 ? { account: key, region: '' } : { account: key.slice(0, at), region: key.slice(at + 1) };
}
