/**
 * Lists the archive's instance-hour prefixes for completeness: one paged ListObjectsV2 per prefix
 * (1,000 keys a page), never a HEAD per object, so a report costs requests per instance-hour, not
 * per file. The comparison with the ledger is pure (object-presence.ts).
 */

import { NoSuchBucket, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../../concurrency.js';
import { BucketNotFoundError } from '../verify/verify.js';
import type { ListedObject, ObjectListing } from './object-presence.js';

export interface ObjectStore {
  s3: S3Client;
  bucket: string;
  /** Prefixes listed at once (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Lists every key directly under each prefix (`Delimiter: '/'`: an instance-hour folder holds
 * its objects and nothing deeper), with ETag and size.
 * @throws BucketNotFoundError when the bucket does not exist (not "every object missing")
 */
export async function listObjectPrefixes(
  store: ObjectStore,
  prefixes: readonly string[],
): Promise<ObjectListing> {
  const objects = new Map<string, ListedObject>();
  let requests = 0;
  await mapLimit(
    prefixes,
    store.concurrency ?? 8,
    async (prefix) => {
      try {
        const pages = paginateListObjectsV2(
          { client: store.s3, ...(store.signal ? { abortSignal: store.signal } : {}) },
          { Bucket: store.bucket, Prefix: prefix, Delimiter: '/' },
        );
        for await (const page of pages) {
          requests += 1;
          for (const object of page.Contents ?? []) {
            if (object.Key === undefined) continue;
            objects.set(object.Key, {
              ...(object.ETag !== undefined ? { etag: object.ETag } : {}),
              ...(object.Size !== undefined ? { size: object.Size } : {}),
            });
          }
        }
      } catch (error) {
        if (error instanceof NoSuchBucket || (error as { name?: string })?.name === 'NoSuchBucket') {
          throw new BucketNotFoundError(
            `bucket '${store.bucket}' does not exist: check ARCHIVER_BUCKET (and AWS_ENDPOINT_URL_S3 / AWS_REGION), or pass --ledger-only`,
          );
        }
        throw error;
      }
    },
    store.signal,
  );
  return { prefixes: prefixes.length, requests, objects };
}
