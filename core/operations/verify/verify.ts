/**
 * The verify use case: picks archived files from the ledger (by-cluster-hour index), re-reads
 * their objects (gunzip + SHA-256, streamed), and compares them with the ledger and with the
 * digest stamped on the object. Bounded concurrency; a sample when asked.
 */

import { HeadBucketCommand, NoSuchBucket, NoSuchKey, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../../concurrency.js';
import { scopedId, whereOf } from '../../ledger/records.js';
import type { LedgerStore } from '../../ledger/store.js';
import { hourStart } from '../../time.js';
import type { RecordDigestMode } from '../../transfer/metadata.js';
import { readArchivedObject } from '../../transfer/read-archived.js';
import { OperationsError } from '../errors.js';
import { type FileFilter, matchesFilter } from '../filters.js';
import { knownInstances } from '../known-names.js';
import { type VerifyVerdict, verifyNextSteps, verifyVerdict } from './advice.js';
import {
  checkObject,
  type ObjectReading,
  type SkippedFile,
  type VerifyFinding,
  type VerifyTarget,
  verifyTargets,
} from './check.js';
import { sampleOf, seededRandom } from './sample.js';

/** The archive bucket does not exist (or is not in this region): nothing in it can be checked. */
export class BucketNotFoundError extends OperationsError {
  override name = 'BucketNotFoundError';
}

export interface VerifyDeps {
  ledger: LedgerStore;
  s3: S3Client;
  bucket: string;
  /** Where the archiver put the source digest; tags are only read when they are used. */
  objectDigest?: RecordDigestMode;
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
  skipped: SkippedFile[];
  counts: { ok: number; missing: number; mismatch: number; unreadable: number };
  /** Stopped by the signal before every object was read. */
  interrupted: boolean;
  verdict: VerifyVerdict;
  /** What an operator can do about the problems (empty when there are none). */
  nextSteps: string[];
}

/**
 * Runs a verification.
 * @throws UnknownNameError when the filter names a cluster or instance the ledger has never listed.
 * @throws BucketNotFoundError when the bucket does not exist (checked once, before any object).
 */
export async function runVerify(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const now = (deps.now ?? Date.now)();
  const instances = await knownInstances(deps.ledger, options.filter);
  await assertBucketExists(deps.s3, deps.bucket, options.signal);
  // One read per cluster and place: two accounts may hold the same cluster id.
  const clusters = [
    ...new Map(
      instances
        .filter((meta) => matchesFilter(meta, options.filter))
        .map((meta) => [scopedId(meta, meta.cluster), { cluster: meta.cluster, where: whereOf(meta) }]),
    ).entries(),
  ]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, group]) => group);
  const from = hourStart(options.from ?? 0);
  const to = hourStart((options.to ?? now + 1) - 1);
  const records = (
    await Promise.all(
      clusters.map(({ cluster, where }) =>
        deps.ledger.clusterFiles(cluster, options.logType, from, to, where),
      ),
    )
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
  const problems = findings.filter((finding) => finding.status !== 'ok');
  const interrupted = options.signal?.aborted === true && results.some((r) => r === undefined);
  return {
    // Outside home, a cluster is named with its place (`<account>/<region>/<cluster>`).
    clusters: clusters.map(({ cluster, where }) => scopedId(where, cluster)),
    candidates: targets.length,
    checked: findings.length,
    findings,
    problems,
    skipped,
    counts,
    interrupted,
    verdict: verifyVerdict({ checked: findings.length, problems: problems.length, interrupted }),
    nextSteps: verifyNextSteps(problems, deps.bucket),
  };
}

/**
 * One HeadBucket before any object is read: with a wrong bucket name every GetObject answers
 * 404 like a missing object, and the report would blame every file instead of the setting.
 * HeadBucket answers 404 only when the bucket does not exist, 403 when it exists but the caller
 * may not list it (then verification goes on: GetObject may still be allowed), and 301 when it
 * lives in another region.
 */
export async function assertBucketExists(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }), signal ? { abortSignal: signal } : {});
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (status === 404 || error instanceof NotFound || error instanceof NoSuchBucket) {
      throw new BucketNotFoundError(
        `bucket '${bucket}' does not exist: check ARCHIVER_BUCKET (and AWS_ENDPOINT_URL_S3 / AWS_REGION)`,
      );
    }
    if (status === 301) {
      throw new BucketNotFoundError(
        `bucket '${bucket}' is not in region ${await s3.config.region()}: check AWS_REGION and ARCHIVER_BUCKET`,
      );
    }
    // 403 and anything else: the bucket exists or we cannot tell; reading the objects will say more.
  }
}

type Skip = { skipped: SkippedFile };

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
        ...(target.contentId !== undefined ? { contentId: target.contentId } : {}),
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
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;
}
