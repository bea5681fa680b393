/**
 * Signing digests with an asymmetric key (optional, off by default), and checking signatures.
 *
 * A signature covers `signingText` (format.ts): the digest's bucket, key and the SHA-256 of its
 * bytes. It is stored, hex-encoded, in the digest object's user metadata (as CloudTrail does), so
 * it is not part of the hashed bytes: the chain's hashes stay the same whoever signs, and an
 * ECDSA signature (randomised) written again after a crash is as good as the first.
 *
 * Two signers behind one interface:
 * - `pemDigestSigner`: a private key in a PEM file, Ed25519 or ECDSA P-256, with node:crypto.
 *   Tested end to end (test/integration/digests.test.ts).
 * - `kmsDigestSigner`: AWS KMS `Sign` with an asymmetric `ECC_NIST_P256` key (`SIGN_VERIFY`),
 *   `ECDSA_SHA_256` over the raw message; KMS returns a DER-encoded signature, the form node:crypto
 *   verifies. It cannot be run against AWS here: its test drives it with a stand-in for the KMS
 *   client that answers as the KMS API reference documents, and checks the result with the same
 *   verifier. The public key for `verify --public-key` comes from `aws kms get-public-key` (DER).
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { SignCommand, type SignCommandOutput } from '@aws-sdk/client-kms';
import { SigningKeyError } from './signing-key.js';

export const SIGNATURE_ALGORITHMS = ['ED25519', 'ECDSA_SHA_256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/** User metadata keys of a signed digest object (S3 stores them as `x-amz-meta-<key>`). */
export const SIGNATURE_METADATA = {
  signature: 'signature',
  algorithm: 'signature-algorithm',
  key: 'signing-key',
} as const;

/** Signs digests. */
export interface DigestSigner {
  readonly algorithm: SignatureAlgorithm;
  /** Names the key in the digest's metadata: a KMS key ARN, or `sha256:<fingerprint>` of a PEM key. */
  readonly keyId: string;
  sign(message: Buffer): Promise<Buffer>;
}

export { SigningKeyError };

/** The algorithm a key is used with: Ed25519, or ECDSA with SHA-256 on P-256. */
function algorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ED25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ECDSA_SHA_256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new SigningKeyError(
    `a ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''} key cannot sign digests: use Ed25519 or ECDSA P-256`,
  );
}

/** `sha256:<hex>` of a public key's DER SubjectPublicKeyInfo. */
export function keyFingerprint(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')}`;
}

function signWith(algorithm: SignatureAlgorithm, key: KeyObject, message: Buffer): Buffer {
  return cryptoSign(algorithm === 'ED25519' ? null : 'sha256', message, key);
}

/**
 * A signer with a private key given as PEM (PKCS#8 or SEC1).
 * @throws SigningKeyError when it is not an Ed25519 or P-256 private key
 */
export function pemDigestSigner(pem: string | Buffer): DigestSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyError(`not a PEM private key (${(error as Error).message})`);
  }
  const algorithm = algorithmOf(key);
  return {
    algorithm,
    keyId: keyFingerprint(createPublicKey(key)),
    sign: async (message) => signWith(algorithm, key, message),
  };
}

/** The part of a KMS client the signer uses (a `KMSClient` is one). */
export interface KmsSignClient {
  send(command: SignCommand): Promise<SignCommandOutput>;
}

/**
 * A signer with an AWS KMS asymmetric key (`ECC_NIST_P256`, key usage `SIGN_VERIFY`): one `Sign`
 * call per digest. Not runnable here (no AWS): see the file's comment for how it is tested.
 */
export function kmsDigestSigner(kms: KmsSignClient, keyId: string): DigestSigner {
  return {
    algorithm: 'ECDSA_SHA_256',
    keyId,
    async sign(message) {
      const out = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!out.Signature || out.Signature.length === 0)
        throw new Error(`KMS Sign returned no signature for ${keyId}`);
      return Buffer.from(out.Signature);
    },
  };
}

/** Checks digest signatures against one public key. */
export interface DigestVerifier {
  readonly algorithm: SignatureAlgorithm;
  readonly fingerprint: string;
  verify(message: Buffer, signature: Buffer): boolean;
}

/**
 * A verifier from a public key file's bytes: PEM (`-----BEGIN PUBLIC KEY-----`), or DER
 * SubjectPublicKeyInfo as `aws kms get-public-key` returns it.
 * @throws SigningKeyError when the bytes are no Ed25519 or P-256 public key
 */
export function digestVerifier(keyBytes: Buffer): DigestVerifier {
  let key: KeyObject;
  try {
    key = keyBytes.toString('latin1').includes('-----BEGIN')
      ? createPublicKey(keyBytes)
      : createPublicKey({ key: keyBytes, format: 'der', type: 'spki' });
  } catch (error) {
    throw new SigningKeyError(`not a PEM or DER public key (${(error as Error).message})`);
  }
  const algorithm = algorithmOf(key);
  return {
    algorithm,
    fingerprint: keyFingerprint(key),
    verify: (message, signature) => {
      try {
        return cryptoVerify(algorithm === 'ED25519' ? null : 'sha256', message, key, signature);
      } catch {
        // A malformed signature (not DER, wrong length) is simply not a valid one.
        return false;
      }
    },
  };
}

/** The metadata a signed digest object carries. */
export function signatureMetadata(signer: DigestSigner, signature: Buffer): Record<string, string> {
  return {
    [SIGNATURE_METADATA.signature]: signature.toString('hex'),
    [SIGNATURE_METADATA.algorithm]: signer.algorithm,
    [SIGNATURE_METADATA.key]: signer.keyId,
  };
}
