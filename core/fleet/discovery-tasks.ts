/**
 * Discovery fanned out (issue 14): the scheduled run plans one task per place (the home place,
 * and each account and region of ARCHIVER_SOURCE_ACCOUNTS) and sends them to the discovery queue;
 * the discoverer consumes them in batches, one place per task, and reports a task whose place
 * failed as a batch item failure, so SQS gives it back later (and, after the queue's
 * maxReceiveCount, to the discovery DLQ) while every other place of the batch is done.
 *
 * Why one task per account and region, not per cluster: the RDS API budget is per account and
 * region ([RDS-THROTTLING], AWS-FACTS.md), so a place is the unit that must not be split across
 * Lambdas that would then compete for one budget without knowing of each other; one task per
 * place also costs one SQS message per place per schedule, and a place's discovery already lists
 * its instances a few at a time. A slow place delays only its own task.
 *
 * Pure: the plan, the message body and its validation (a task is checked on receipt like an
 * archive message: a body that is not a task is refused with the reason).
 */

import type { ArchiverConfig } from '../config.js';
import { MalformedMessageError } from '../messages.js';
import { regionProblem } from '../resource-names.js';
import { HOME_PLACE, type PlaceTarget, placeTargets } from './places.js';
import { placeLabel } from './source-accounts.js';

/**
 * Receives of a discovery task before SQS moves it to the discovery DLQ: a place that cannot be
 * read is tried three times (the deployed queue, infra/stack.ts, and the local one, local/resources.ts).
 */
export const DISCOVERY_MAX_RECEIVES = 3;

/** One place to discover, as the discovery queue carries it. */
export interface DiscoveryTask {
  v: 1;
  /** `home`, or `<account>/<region>` (with `account` and `region`). */
  place: string;
  account?: string;
  region?: string;
  /** When the scheduled run planned it (epoch ms): a task older than a schedule is stale. */
  plannedAt: number;
}

/** The tasks of one scheduled run: one per place, home first. */
export function planDiscoveryTasks(
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag' | 'sourceAccounts'>,
  plannedAt: number,
): DiscoveryTask[] {
  return placeTargets(config).map((target) =>
    target.source === undefined
      ? { v: 1, place: HOME_PLACE, plannedAt }
      : { v: 1, place: target.label, ...target.where, plannedAt },
  );
}

/** The message body of a task. */
export function formatDiscoveryTask(task: DiscoveryTask): string {
  const where = task.account === undefined ? {} : { account: task.account, region: task.region };
  return JSON.stringify({ v: 1, place: task.place, ...where, plannedAt: task.plannedAt });
}

/** Parses and checks a discovery task body. @throws MalformedMessageError with the reason. */
export function parseDiscoveryTask(body: string): DiscoveryTask {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('discovery task is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new MalformedMessageError('discovery task is not a JSON object');
  const m = data as Record<string, unknown>;
  if (m.v !== 1) throw new MalformedMessageError(`unsupported discovery task version ${JSON.stringify(m.v)}`);
  for (const key of Object.keys(m))
    if (!['v', 'place', 'account', 'region', 'plannedAt'].includes(key))
      throw new MalformedMessageError(`discovery task has an unknown field "${key}"`);
  if (typeof m.plannedAt !== 'number' || !Number.isSafeInteger(m.plannedAt) || m.plannedAt < 0)
    throw new MalformedMessageError('discovery task has no valid plannedAt');
  if (m.place === HOME_PLACE) {
    if (m.account !== undefined || m.region !== undefined)
      throw new MalformedMessageError('the home task names no account or region');
    return { v: 1, place: HOME_PLACE, plannedAt: m.plannedAt };
  }
  if (typeof m.account !== 'string' || !/^\d{12}$/.test(m.account))
    throw new MalformedMessageError('discovery task needs a 12-digit account (or place "home")');
  if (typeof m.region !== 'string' || regionProblem(m.region) !== undefined)
    throw new MalformedMessageError(`discovery task region ${JSON.stringify(m.region)} is not valid`);
  const place = placeLabel({ account: m.account, region: m.region });
  if (m.place !== place)
    throw new MalformedMessageError(`discovery task place ${JSON.stringify(m.place)} is not ${place}`);
  return { v: 1, place, account: m.account, region: m.region, plannedAt: m.plannedAt };
}

/**
 * The configured place a task names, or a reason it names none (the configuration changed since
 * the task was planned: the place is no longer read, or home selects nothing now).
 */
export function targetOfTask(
  config: Pick<ArchiverConfig, 'clusters' | 'clusterTag' | 'instances' | 'instanceTag' | 'sourceAccounts'>,
  task: DiscoveryTask,
): PlaceTarget | { notConfigured: string } {
  const target = placeTargets(config).find((t) => t.label === task.place);
  if (target) return target;
  return {
    notConfigured:
      task.place === HOME_PLACE
        ? 'the home place selects nothing now (ARCHIVER_CLUSTERS, ARCHIVER_INSTANCES, the tags)'
        : `${task.place} is no longer listed in ARCHIVER_SOURCE_ACCOUNTS`,
  };
}
