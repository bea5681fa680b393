/** Synthesizes the stack for tests: fake bundles, a temporary outdir, parsed Terraform JSON. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { BUNDLE_FILE, type BundleDirs } from '../../infra/bundle.js';
import { parseSettings } from '../../infra/settings.js';
import { ArchiverStack } from '../../infra/stack.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature
export type Json = any;

export interface Synthesized {
  /** The parsed `cdk.tf.json` of the stack. */
  tf: Json;
  /** Resources of one Terraform type, by logical id. */
  resources(type: string): [string, Json][];
  /** The only resource of a type (fails when there are several or none). */
  one(type: string): Json;
}

/**
 * Builds the stack from raw settings (validated like main.ts does) against the given bundles, or tiny
 * placeholder ones, synthesizes it and removes every temporary folder again.
 */
export function synthStack(rawSettings: Record<string, unknown> = {}, realBundles?: BundleDirs): Synthesized {
  const root = mkdtempSync(join(tmpdir(), 'infra-test-'));
  try {
    const bundles = realBundles ?? { discoverer: join(root, 'discoverer'), archiver: join(root, 'archiver') };
    if (!realBundles) {
      for (const [name, dir] of Object.entries(bundles)) {
        mkdirSync(dir);
        writeFileSync(join(dir, BUNDLE_FILE), `export const handler = async () => '${name}';\n`);
      }
    }
    const app = Testing.app({ outdir: join(root, 'out') });
    const stack = new ArchiverStack(app, 'test', { settings: parseSettings(rawSettings), bundles });
    const tf = JSON.parse(Testing.synth(stack, true));
    const resources = (type: string): [string, Json][] => Object.entries(tf.resource?.[type] ?? {});
    return {
      tf,
      resources,
      one(type) {
        const all = resources(type);
        if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
        return all[0]?.[1];
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Statements of every inline role policy in the stack, by role policy id. */
export function roleStatements(s: Synthesized): Map<string, Json[]> {
  return new Map(s.resources('aws_iam_role_policy').map(([id, p]) => [id, JSON.parse(p.policy).Statement]));
}

/** The function whose name ends in `suffix`. */
export function functionNamed(s: Synthesized, suffix: string): Json {
  const found = s.resources('aws_lambda_function').find(([, fn]) => fn.function_name.endsWith(suffix));
  if (!found) throw new Error(`no function ending in ${suffix}`);
  return found[1];
}

/** The queue whose name ends in `suffix`, with its logical id. */
export function queueNamed(s: Synthesized, suffix: string): [string, Json] {
  const found = s.resources('aws_sqs_queue').find(([, q]) => q.name.endsWith(suffix));
  if (!found) throw new Error(`no queue ending in ${suffix}`);
  return found;
}

/** The archive bucket's logical id (the access log bucket's name ends in `-logs-`). */
export function archiveBucketId(s: Synthesized): string {
  const found = s
    .resources('aws_s3_bucket')
    .filter(([, b]) => !String(b.bucket_prefix ?? '').endsWith('-logs-'));
  const [only] = found;
  if (!only || found.length !== 1) throw new Error(`expected one archive bucket, found ${found.length}`);
  return only[0];
}

/** The archive bucket's resource. */
export function archiveBucket(s: Synthesized): Json {
  return s.resources('aws_s3_bucket').find(([id]) => id === archiveBucketId(s))?.[1];
}

/** The only resource of a type configuring the given bucket (by default the archive bucket). */
export function onBucket(s: Synthesized, type: string, bucketId = archiveBucketId(s)): Json {
  const found = s.resources(type).filter(([, r]) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
  const [only] = found;
  if (!only || found.length !== 1)
    throw new Error(`expected one ${type} on ${bucketId}, found ${found.length}`);
  return only[1];
}

/** The archive bucket's Object Lock configuration. */
export function objectLock(s: Synthesized): Json {
  return onBucket(s, 'aws_s3_bucket_object_lock_configuration');
}

/** The role whose name ends in `suffix`: its logical id, trust policy and inline policy statements. */
export function roleNamed(s: Synthesized, suffix: string): { id: string; trust: Json; statements: Json[] } {
  const role = s.resources('aws_iam_role').find(([, r]) => r.name.endsWith(suffix));
  if (!role) throw new Error(`no role ending in ${suffix}`);
  const [id, resource] = role;
  const policies = s
    .resources('aws_iam_role_policy')
    .filter(([, p]) => p.role === `\${aws_iam_role.${id}.name}`);
  if (policies.length !== 1) throw new Error(`expected one inline policy on ${id}, found ${policies.length}`);
  return {
    id,
    trust: JSON.parse(resource.assume_role_policy),
    statements: JSON.parse(policies[0]?.[1].policy).Statement,
  };
}
