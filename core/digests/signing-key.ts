/**
 * The `ARCHIVER_DIGEST_SIGNING_KEY` setting: which key signs the digests, if any. Pure (no SDK
 * import, so every bundle can read the configuration without carrying the KMS client).
 */

import type { Kind, Read } from '../setting-kinds.js';

/** A key that cannot sign or verify digests (unreadable, or of the wrong type). */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** A KMS key (by ARN or alias), or a PEM private key file. */
export type SigningKeySetting = { kind: 'kms'; keyId: string } | { kind: 'pem'; path: string };

const KMS_ID = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+)$/;

/** `arn:aws:kms:...:key/...`, `arn:...:alias/...` or `alias/...` name a KMS key; anything else is a file. */
export function signingKey(): Kind<SigningKeySetting> {
  const read = (value: unknown): Read<SigningKeySetting> => {
    if (typeof value !== 'string' || value.trim() === '')
      return { problem: 'must be a KMS key ARN, `alias/<name>`, or the path of a PEM private key file' };
    const text = value.trim();
    return { value: KMS_ID.test(text) ? { kind: 'kms', keyId: text } : { kind: 'pem', path: text } };
  };
  const toText = (value: SigningKeySetting) => (value.kind === 'kms' ? value.keyId : value.path);
  return { fromText: read, fromJson: read, toText, show: toText };
}
