/**
 * Verify's verdict and what an operator can do about the problems it found, without I/O. The
 * advice says only what is possible today: restoring an earlier object version with the AWS CLI
 * (the bucket the stack creates is versioned), and that this tool cannot archive a file again once
 * the ledger records it archived.
 */

import type { VerifyFinding } from './check.js';

/**
 * - `verified`: every object checked matched, and at least one was checked;
 * - `problems`: an object is missing, differs, or is not gzip;
 * - `nothing-checked`: no archived object in scope (nothing was verified, which is not a pass);
 * - `interrupted`: stopped before every object was read.
 */
export type VerifyVerdict = 'verified' | 'problems' | 'nothing-checked' | 'interrupted';

/** The verdict of a run. Problems outrank an interruption: what was found stays found. */
export function verifyVerdict(report: {
  checked: number;
  problems: number;
  interrupted: boolean;
}): VerifyVerdict {
  if (report.problems > 0) return 'problems';
  if (report.interrupted) return 'interrupted';
  return report.checked === 0 ? 'nothing-checked' : 'verified';
}

/** `copy-source` is `bucket/key` URL-encoded (keys hold `%XX` escapes, see core/s3-keys.ts); `/` stays. */
function copySource(bucket: string, key: string, versionId: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}?versionId=${versionId}`;
}

/** A shell word: single-quoted unless it is plainly safe. */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * What to do about the problems found, as lines of text, with the commands written out for the
 * first problem (the JSON report has every key). Empty when there is no problem.
 */
export function verifyNextSteps(problems: readonly VerifyFinding[], bucket: string): string[] {
  const first = problems[0];
  if (first === undefined) return [];
  const key = sh(first.s3Key);
  const b = sh(bucket);
  const example =
    problems.length > 1 ? ` (written out for the first one, ${first.instance} ${first.logFileName})` : '';
  return [
    `What to do next${example}:`,
    `  1. Restore the last good version. The bucket the stack creates is versioned and keeps earlier`,
    `     versions for noncurrentVersionExpiryDays (at least auditRetentionDays, 400 by default). The`,
    `     good version is the one whose source-sha256 (metadata; tags with ARCHIVER_OBJECT_DIGEST=tags)`,
    `     is the ledger's sha256, ${first.sha256} ('verify --json' lists every key and sha256):`,
    `       aws s3api list-object-versions --bucket ${b} --prefix ${key}`,
    `       aws s3api head-object --bucket ${b} --key ${key} --version-id VERSION_ID`,
    `       aws s3api copy-object --bucket ${b} --key ${key} --copy-source ${sh(copySource(bucket, first.s3Key, 'VERSION_ID'))}`,
    `     copy-object makes that version current again. If the newest version is a delete marker`,
    `     (the object was deleted), removing the marker is enough:`,
    `       aws s3api delete-object --bucket ${b} --key ${key} --version-id DELETE_MARKER_ID`,
    `     Then check again: rds-log-archiver verify --instance ${sh(first.instance)}`,
    `  2. No good version left: rds-log-archiver has no command that archives a file again once the`,
    `     ledger records it archived (a message for it is acknowledged as a duplicate). A file RDS is`,
    `     still writing is archived again, to the same key, when it next grows. Otherwise copy the`,
    `     file out by hand while RDS still holds it (README: "When verify finds problems"), or record`,
    `     the gap: 'failures' and 'completeness' do not show it, as the ledger says archived.`,
  ];
}
