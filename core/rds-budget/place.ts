/**
 * A place: one account in one Region, the unit RDS throttles by. Its key names the budget's
 * bucket in the ledger table and appears in messages and counters.
 */

/** The account of the deployment's own credentials when its id is not known (no STS call is made for it). */
export const HOME_ACCOUNT = 'home';

/** The key of a place, `<account>#<region>` (e.g. `123456789012#eu-west-1`, `home#us-east-1`). */
export function placeKey(account: string, region: string): string {
  return `${account}#${region}`;
}

/** Account and Region of a place key (the inverse of {@link placeKey}). */
export function placeOf(key: string): { account: string; region: string } {
  const at = key.lastIndexOf('#');
  return at < 0 ? { account: key, region: '' } : { account: key.slice(0, at), region: key.slice(at + 1) };
}
