/**
 * The digest signer a configuration asks for (ARCHIVER_DIGEST_SIGNING_KEY), for the digester
 * Lambda and the local pipeline alike: none, a KMS key, or a PEM private key file.
 */

import { readFile } from 'node:fs/promises';
import { type DigestSigner, type KmsSignClient, kmsDigestSigner, pemDigestSigner } from './signing.js';
import { SigningKeyError, type SigningKeySetting } from './signing-key.js';

const VARIABLE = 'ARCHIVER_DIGEST_SIGNING_KEY';

/**
 * The signer for a setting; undefined when digests are not signed.
 * @throws SigningKeyError naming the variable when the key file cannot be read or holds no usable key
 */
export async function digestSignerFor(
  setting: SigningKeySetting | undefined,
  kms: () => KmsSignClient,
): Promise<DigestSigner | undefined> {
  if (setting === undefined) return undefined;
  if (setting.kind === 'kms') return kmsDigestSigner(kms(), setting.keyId);
  let pem: Buffer;
  try {
    pem = await readFile(setting.path);
  } catch (error) {
    throw new SigningKeyError(
      `${VARIABLE}: cannot read the key file ${setting.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); for a KMS key give its ARN or alias/<name>`,
    );
  }
  try {
    return pemDigestSigner(pem);
  } catch (error) {
    throw new SigningKeyError(`${VARIABLE}: ${setting.path}: ${(error as Error).message}`);
  }
}
