/**
 * The digest chain's status over a window, for the completeness report (its `digestChain`): the
 * digests and their links only (`verify --digests --chain-only`), not the objects' bytes.
 */

import type { DigestChainStatus } from '../operations/completeness/report.js';
import { type DigestVerifyDeps, type DigestVerifyReport, verifyDigests } from './verify-digests.js';

/** The report's status from a chain-only verification. Pure. */
export function chainStatusOf(report: DigestVerifyReport): DigestChainStatus {
  const checked = report.hours.filter((h) => h.state === 'intact' || h.state === 'problem').length;
  const problems = report.problems.map((p) => ({
    hour: p.hour,
    detail: `${p.kind}: ${p.digest ?? p.object ?? ''} ${p.detail}`,
  }));
  const base = { checkedAt: report.checkedAt, hoursChecked: checked, problems };
  if (report.verdict === 'nothing-verified') {
    return { ...base, status: report.pending.length === report.hours.length ? 'incomplete' : 'absent' };
  }
  if (report.problems.some((p) => p.kind !== 'before-chain-start')) return { ...base, status: 'broken' };
  if (report.problems.length > 0 || report.pending.length > 0) return { ...base, status: 'incomplete' };
  return { ...base, status: 'intact' };
}

/** Checks the chain over [from, to) with S3 reads (no object is read). */
export async function digestChainStatus(
  deps: DigestVerifyDeps,
  window: { from: number; to: number; signal?: AbortSignal },
): Promise<DigestChainStatus> {
  const report = await verifyDigests(deps, {
    from: window.from,
    to: window.to,
    objects: false,
    ...(window.signal ? { signal: window.signal } : {}),
  });
  return chainStatusOf(report);
}
