/** What `verify --digests` can find wrong, declared once: the kinds, and the shape of a problem. */

export const DIGEST_PROBLEM_KINDS = {
  'digest-missing': 'an hour has no digest (deleted, or the digester did not run)',
  'digest-unreadable': 'a digest could not be read',
  'digest-invalid': 'a digest is not a digest of this format',
  'digest-misplaced': 'a digest sits at another hour, bucket or prefix than it names (moved or reordered)',
  'chain-broken': 'a digest does not link to the previous hour digest by its key and exact SHA-256',
  'chain-restarted': 'a digest says the chain starts, but an earlier digest exists',
  'before-chain-start': 'hours before the chain first digest: nothing to verify them with',
  'signature-missing': 'a digest has no signature, but a public key was given',
  'signature-invalid': 'a digest signature does not verify with the public key',
  'object-missing': 'a listed object is not in the bucket',
  'object-mismatch': 'a listed object differs from what its digest lists (overwritten or corrupted)',
  'object-replaced': 'a listed object was replaced by a longer one that no later digest lists',
  'object-unreadable': 'a listed object could not be read, or is not whole gzip',
  'unlisted-object': 'an object in the archive that no digest lists (planted, replaced or back-dated)',
} as const;

export type DigestProblemKind = keyof typeof DIGEST_PROBLEM_KINDS;

/** One problem: where (hour, digest key, object key) and what is wrong. */
export interface DigestProblem {
  kind: DigestProblemKind;
  /** The hour of the digest concerned, or the key hour of an unlisted object (epoch ms). */
  hour: number;
  /** The digest's key, when the problem is about a digest or an object it lists. */
  digest?: string;
  /** The object's key, when the problem is about an object. */
  object?: string;
  detail: string;
}
