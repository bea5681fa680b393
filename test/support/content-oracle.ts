/**
 * What the archive should hold, from the simulator's side: which content a listed name holds
 * right now (the simulator knows, the archiver may not), and which content an archived object's
 * bytes are. For tests that check "every content exactly once, byte for byte".
 */

import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type ContentSpec, contentBytes } from '../../local/rds-sim/content.js';
import type { SimWorld } from '../../local/rds-sim/index.js';

/** The content behind a listed name, as the simulator serves it. */
export interface SimContent {
  /** Stable for the content whatever its name (the simulator's content id and offset). */
  id: string;
  spec: ContentSpec;
  offset: number;
  size: number;
  lastWritten: number;
  name: string;
}

type Served = { content: ContentSpec; offset: number; size: number; lastWritten: number };

/** Every listed file of an instance with the content it holds now. */
export function contentsNow(world: SimWorld, instance: string, prefix = 'audit/'): SimContent[] {
  const internal = world as unknown as { file(instance: string, name: string): Served | undefined };
  return world
    .listFiles(instance)
    .filter((f) => f.name.startsWith(prefix))
    .map((f) => {
      const served = internal.file(instance, f.name)!;
      return {
        id: `${served.content.id}@${served.offset}`,
        spec: served.content,
        offset: served.offset,
        size: f.size,
        lastWritten: f.lastWritten,
        name: f.name,
      };
    });
}

/** The first `size` bytes of a content. */
export function bytesOf(content: Pick<SimContent, 'spec' | 'offset'>, size: number): Buffer {
  return contentBytes(content.spec, content.offset, content.offset + size);
}

/** One object, gunzipped (test-sized objects only). */
export async function objectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return gunzipSync(Buffer.from(await got.Body!.transformToByteArray()));
}

/** Every object of a bucket, gunzipped (test-sized objects only). */
export async function objectsOf(s3: S3Client, bucket: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? [])
      out.set(object.Key!, await objectBytes(s3, bucket, object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/** Which known content these bytes are a prefix of (undefined: none). */
export function identify(bytes: Buffer, contents: Iterable<SimContent>): SimContent | undefined {
  for (const content of contents) {
    if (bytes.length > 0 && bytes.length <= content.size && bytesOf(content, bytes.length).equals(bytes))
      return content;
  }
  return undefined;
}
