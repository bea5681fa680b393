/**
 * The verify use case: picks archived files from the ledger (by-cluster-hour index), re-reads
 * their objects (gunzip + SHA-256, streamed), and compares them with the ledger and with the
 * digest stamped on the object. Bounded concurrency; a sample when asked.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectDigestMode } from '../config.js';
import type { LedgerStore } from '../ledger/store.js';
import { readArchivedObject } from '../transfer/read-archived.js';
import { mapLimit } from './concurrency.js';
import type { FileFilter } from './filters.js';
import { sampleOf, seededRandom } from './sample.js';
import { hourStart } from './time.js';
import {
  checkObject,
  type ObjectReading,
  type VerifyFinding,
  type VerifyTarget,
  verifyTargets,
} from './verify-check.js';

export interface VerifyDeps {
  ledger: LedgerStore;
  s3: S3Client;
  bucket: string;
  /** Where the archiver put the source digest; tags are only read when they are used. */
  objectDigest?: ObjectDigestMode;
  now?: () => number;
}

export interface VerifyOptions {
  filter: FileFilter;
  logType: string;
  /** Files whose hour is in [from, to); default: all of them. */
  from?: number;
  to?: number;
  /** Check only this many, picked at random. */
  sample?: number;
  /** Seed for the sample (same seed, same ledger: same pick). */
  seed?: number;
  /** Objects read at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyReport {
  clusters: string[];
  /** Archived files in scope. */
  candidates: number;
  checked: number;
  findings: VerifyFinding[];
  /** Problems only (missing, mismatch, unreadable). */
  problems: VerifyFinding[];
  skipped: Array<{ instance: string; logFileName: string; reason: string }>;
  counts: { ok: number; missing: number; mismatch: number; unreadable: number };
  /** Stopped by the signal before every object was read. */
  interrupted: boolean;
}

/** Runs a verification. */
export async function runVerify(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const now = (deps.now ?? Date.now)();
  const clusters =
    options.filter.cluster !== undefined
      ? [options.filter.cluster]
      : [...new Set((await deps.ledger.instances()).map((meta) => meta.cluster))].sort();
  const from = hourStart(options.from ?? 0);
  const to = hourStart((options.to ?? now + 1) - 1);
  const records = (
    await Promise.all(clusters.map((cluster) => deps.ledger.clusterFiles(cluster, options.logType, from, to)))
  ).flat();
  const { targets, skipped } = verifyTargets(records, options.filter);
  const chosen =
    options.sample !== undefined
      ? sampleOf(
          targets,
          options.sample,
          options.seed !== undefined ? seededRandom(options.seed) : Math.random,
        )
      : targets;

  let done = 0;
  const results = await mapLimit(
    chosen,
    options.concurrency ?? 4,
    async (target) => {
      const finding = await verifyOne(deps, target, options.signal);
      done += 1;
      options.onProgress?.(done, chosen.length);
      return finding;
    },
    options.signal,
  );
  const findings: VerifyFinding[] = [];
  for (const finding of results) {
    if (finding === undefined) continue;
    if ('skipped' in finding) skipped.push(finding.skipped);
    else findings.push(finding);
  }
  const counts = { ok: 0, missing: 0, mismatch: 0, unreadable: 0 };
  for (const finding of findings) counts[finding.status] += 1;
  return {
    clusters,
    candidates: targets.length,
    checked: findings.length,
    findings,
    problems: findings.filter((finding) => finding.status !== 'ok'),
    skipped,
    counts,
    interrupted: options.signal?.aborted === true && results.some((r) => r === undefined),
  };
}

type Skip = { skipped: { instance: string; logFileName: string; reason: string } };

/**
 * Checks one object. A bad answer is checked once more against a fresh ledger read: the file may
 * have been re-archived (a new generation) while we read, which is not a problem.
 */
async function verifyOne(
  deps: VerifyDeps,
  target: VerifyTarget,
  signal?: AbortSignal,
): Promise<VerifyFinding | Skip> {
  const finding = checkObject(target, await readObject(deps, target.s3Key, signal));
  if (finding.status === 'ok') return finding;
  const fresh = await deps.ledger.getFile(target);
  if (!fresh || (fresh.archivedSha256 === target.sha256 && fresh.state !== 'archiving')) return finding;
  const again = verifyTargets([fresh], {}).targets[0];
  if (!again) {
    return {
      skipped: {
        instance: target.instance,
        logFileName: target.logFileName,
        reason: `being re-archived (generation ${fresh.generation} ${fresh.state})`,
      },
    };
  }
  return checkObject(again, await readObject(deps, again.s3Key, signal));
}

async function readObject(deps: VerifyDeps, key: string, signal?: AbortSignal): Promise<ObjectReading> {
  try {
    const object = await readArchivedObject(deps.s3, deps.bucket, key, {
      tags: deps.objectDigest === 'tags',
      ...(signal ? { signal } : {}),
    });
    return { kind: 'read', sha256: object.sha256, bytes: object.bytes, recorded: object.recorded };
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    if (signal?.aborted) throw error;
    return { kind: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    e?.Code === 'NoSuchKey' ||
    e?.$metadata?.httpStatusCode === 404
  );
}
