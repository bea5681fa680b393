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
    const bundles = realBundles ?? {
      discoverer: join(root, 'discoverer'),
      archiver: join(root, 'archiver'),
      digester: join(root, 'digester'),
    };
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
