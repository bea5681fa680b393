/**
 * A hub deployment reading an organisation on the local stack: three accounts in two regions on
 * the simulator (the hub, two members reached by STS AssumeRole with their external ids), with
 * the real clients, DynamoDB Local and fauxqs.
 */

import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { runEventSource } from '../../cli/sqs-event-source.js';
import type { PlaceRun } from '../../core/fleet/discover-fleet.js';
import { createDiscoveryBatch } from '../../core/fleet/discovery-batch.js';
import { formatDiscoveryTask, parseDiscoveryTask } from '../../core/fleet/discovery-tasks.js';
import { enqueueDiscovery } from '../../core/fleet/enqueue-discovery.js';
import { formatSourceAccounts, type SourceAccount } from '../../core/fleet/source-accounts.js';
import type { FileRecord } from '../../core/ledger/records.js';
import { liveFileNames } from '../../core/log-files.js';
import { runCompleteness } from '../../core/operations/completeness/completeness.js';
import { runStatus } from '../../core/operations/status/status.js';
import { runVerify } from '../../core/operations/verify/verify.js';
import {
  accountId,
  HUB_ACCOUNT_ID,
  memberExternalId,
  memberRoleArn,
  type RdsSimulator,
} from '../../local/rds-sim/index.js';
import { type PipelineHarness, startPipelineHarness, T0 } from '../support/pipeline.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const MEMBER = accountId(1);
const THIRD = accountId(2);

let harness: PipelineHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

/**
 * The source accounts as a platform team would write them; `wrongId` spoils one external id,
 * `memberInstance` also selects a standalone instance of the member by name.
 */
function sourceAccounts(sim: RdsSimulator, wrongId?: string, memberInstance?: string): SourceAccount[] {
  const clustersIn = (account: string, region: string) =>
    sim.fleet
      .site(account, region)
      ?.world.clusters()
      .map((c) => c.id) ?? [];
  return [
    // The hub's own account in its second region: its own credentials, no role.
    {
      account: HUB_ACCOUNT_ID,
      regions: ['eu-west-1'],
      clusters: clustersIn(HUB_ACCOUNT_ID, 'eu-west-1'),
      instances: [],
    },
    ...[MEMBER, THIRD].map((account) => ({
      account,
      roleArn: memberRoleArn(account),
      externalId: account === wrongId ? 'not-the-external-id' : memberExternalId(account),
      regions: REGIONS,
      // One selection for every region of an account: by tag, as an organisation's rollout would.
      clusters: [],
      clusterTag: { key: 'archive', value: 'yes' },
      instances: account === MEMBER && memberInstance ? [memberInstance] : [],
    })),
  ];
}

async function start(
  name: string,
  wrongId?: string,
  credentialsNow?: () => number,
  memberInstance?: string,
): Promise<PipelineHarness> {
  return await startPipelineHarness(name, {
    ...(credentialsNow ? { credentialsNow } : {}),
    sim: { accounts: 3, regions: REGIONS },
    // Six places: one small instance each keeps the whole organisation quick to archive.
    workload: { clusters: 1, instancesPerCluster: 1, historyHours: 1 },
    envFromSim: (sim) => ({
      AWS_ENDPOINT_URL_STS: sim.url,
      ARCHIVER_SOURCE_ACCOUNTS: formatSourceAccounts(sourceAccounts(sim, wrongId, memberInstance)),
    }),
  });
}

/** The rotated (final) audit files of one account and region, as the simulator holds them. */
function rotatedFiles(h: PipelineHarness, account: string, region: string) {
  const world = h.sim.fleet.site(account, region)?.world;
  if (!world) throw new Error(`no site ${account}/${region}`);
  return world.clusters().flatMap((cluster) =>
    cluster.instances.flatMap((instance) => {
      const listed = world.listFiles(instance).filter((f) => f.name.startsWith('audit/'));
      const live = liveFileNames(listed.map((f) => f.name));
      return listed.filter((f) => !live.has(f.name)).map((f) => ({ ...f, world }));
    }),
  );
}

/** Home is the hub in the first region: its records carry no place, as a one-account ledger's. */
function whereOf(account: string, region: string) {
  return account === HUB_ACCOUNT_ID && region === REGIONS[0] ? {} : { account, region };
}

async function expectArchived(h: PipelineHarness, account: string, region: string): Promise<FileRecord[]> {
  const files = rotatedFiles(h, account, region);
  expect(files.length, `${account}/${region} has rotated files`).toBeGreaterThan(0);
  const records: FileRecord[] = [];
  for (const file of files) {
    const where = whereOf(account, region);
    const record = await h.pipeline.clients.ledger.getFile({
      ...where,
      instance: file.instance,
      logFileName: file.name,
    });
    expect(record?.state, `${account}/${region} ${file.name}`).toBe('archived');
    const object = await h.readObject(record!.s3Key);
    // The bytes are that account's: the same instance id holds other content elsewhere.
    expect(object.sha256).toBe(await file.world.sha256(file.instance, file.name, record!.archivedBytes));
    const prefix = where.account === undefined ? '' : `${account}/${region}/`;
    expect(record!.s3Key.startsWith(`${prefix}aurora-audit`), record!.s3Key).toBe(true);
    records.push(record!);
  }
  return records;
}

/**
 * Drains the queue; nothing may end failed. (A redelivery bouncing off a lease under load is
 * a retry, not a failure: the ledger's final states are what count.)
 */
async function drainAll(h: PipelineHarness): Promise<void> {
  await h.drain();
  const failed = await h.pipeline.clients.ledger.filesInState('failed');
  expect(failed.map((r) => `${r.account ?? 'home'} ${r.instance} ${r.logFileName}: ${r.lastError}`)).toEqual(
    [],
  );
  expect(await h.pipeline.clients.ledger.filesInState('queued')).toEqual([]);
}

describe('A hub reading three accounts in two regions', () => {
  it('archives every account and region under its own keys, with the member roles assumed once each', async () => {
    harness = await start('fleet-all');
    const summary = await harness.discover();
    expect(summary.errors).toEqual([]);
    expect(summary.places.map((p) => p.place).sort()).toEqual(
      [
        'home',
        `${HUB_ACCOUNT_ID}/eu-west-1`,
        `${MEMBER}/us-east-1`,
        `${MEMBER}/eu-west-1`,
        `${THIRD}/us-east-1`,
        `${THIRD}/eu-west-1`,
      ].sort(),
    );
    await drainAll(harness);
    const keys = new Set<string>();
    let total = 0;
    for (const account of [HUB_ACCOUNT_ID, MEMBER, THIRD]) {
      for (const region of REGIONS) {
        for (const record of await expectArchived(harness, account, region)) keys.add(record.s3Key);
        total += rotatedFiles(harness, account, region).length;
      }
    }
    // The member reuses the hub's ids: only the account/region level keeps their objects apart.
    expect(keys.size).toBe(total);
    expect((await harness.objectKeys()).length).toBe(total);
    // Credentials are cached per account: one AssumeRole per member, shared by its two regions.
    expect(harness.sim.stats()['sts.AssumeRole']).toBe(2);

    // The operator commands tell the places apart: status per account and region counts each
    // place's files only, and verify reads every place's objects (the same ids in two accounts).
    const ledger = harness.pipeline.clients.ledger;
    const member = await runStatus(
      { ledger },
      { filter: { account: MEMBER, region: 'eu-west-1', homeRegion: REGIONS[0] } },
    );
    expect(member.totals.archived).toBe(rotatedFiles(harness, MEMBER, 'eu-west-1').length);
    const home = await runStatus({ ledger }, { filter: { account: 'home' } });
    expect(home.totals.archived).toBe(rotatedFiles(harness, HUB_ACCOUNT_ID, REGIONS[0]!).length);
    const verified = await runVerify(
      { ledger, s3: harness.pipeline.clients.s3, bucket: harness.res.bucket },
      { filter: {}, logType: 'audit' },
    );
    expect(verified.checked).toBe(total);
    expect(verified.problems).toEqual([]);
    // Six places archived end to end and verified: room for a machine shared with other test runs.
  }, 240_000);

  it('names the account whose external id is wrong, and archives every other account', async () => {
    harness = await start('fleet-wrong-id', THIRD);
    const summary = await harness.discover();
    const third = summary.places.filter((p) => p.account === THIRD);
    expect(third).toHaveLength(2);
    for (const place of third) {
      expect(place.error).toContain(`account ${THIRD}`);
      expect(place.error).toContain('external id');
    }
    expect(summary.errors.filter((e) => e.includes(THIRD))).toHaveLength(2);
    expect(summary.places.filter((p) => p.error === undefined)).toHaveLength(4);
    await drainAll(harness);
    for (const region of REGIONS) {
      await expectArchived(harness, HUB_ACCOUNT_ID, region);
      await expectArchived(harness, MEMBER, region);
    }
  });

  it('goes on with the other accounts when a member role is missing, and reads it again once restored', async () => {
    harness = await start('fleet-no-role');
    harness.sim.sts.removeRole(memberRoleArn(MEMBER));
    const summary = await harness.discover();
    const failed = summary.places.filter((p) => p.error !== undefined);
    expect(failed.map((p) => p.place).sort()).toEqual([`${MEMBER}/eu-west-1`, `${MEMBER}/us-east-1`]);
    expect(failed[0]?.error).toMatch(new RegExp(`account ${MEMBER}: cannot assume .*AccessDenied`));
    // status names the places that could not be read, though they have no heartbeat to go stale.
    const ledger = harness.pipeline.clients.ledger;
    const refused = await runStatus({ ledger }, { filter: {} });
    expect(refused.attention.filter((line) => line.startsWith('discovery of'))).toEqual(
      [`${MEMBER}/eu-west-1`, `${MEMBER}/us-east-1`].map((place) =>
        expect.stringMatching(
          new RegExp(`^discovery of ${place} failed \\(never read\\): account ${MEMBER}: cannot assume`),
        ),
      ),
    );
    expect(refused.places).toHaveLength(6);
    await drainAll(harness);
    await expectArchived(harness, THIRD, 'eu-west-1');
    await expectArchived(harness, HUB_ACCOUNT_ID, 'us-east-1');

    harness.sim.sts.restoreRole(memberRoleArn(MEMBER));
    const again = await harness.discover();
    expect(again.errors).toEqual([]);
    await drainAll(harness);
    for (const region of REGIONS) await expectArchived(harness, MEMBER, region);
    const restored = await runStatus({ ledger }, { filter: {} });
    expect(restored.attention.filter((line) => line.startsWith('discovery of'))).toEqual([]);
  });

  it('assumes a role again when its credentials expire mid-run (ExpiredToken before our own expiry)', async () => {
    // The credentials cache's clock stands still while the simulator's moves on (as a simulator
    // with --speed runs ahead of the wall clock): only RDS's ExpiredToken says they are stale.
    harness = await start('fleet-expiry', undefined, () => T0);
    harness.sim.sts.setMaxCredentialLifetimeMs(15 * 60_000);
    const first = await harness.discover();
    expect(first.errors).toEqual([]);
    const assumed = harness.sim.stats()['sts.AssumeRole'] ?? 0;
    harness.clock.advance(20 * 60_000);
    await drainAll(harness);
    const second = await harness.discover();
    expect(second.errors).toEqual([]);
    await drainAll(harness);
    // Each member assumed again once (not once per request), after RDS said ExpiredToken.
    expect(harness.sim.stats()['sts.AssumeRole'] ?? 0).toBe(assumed + 2);
    // RDS refused the stale sessions (ExpiredToken is counted with the other refusals).
    expect(harness.sim.stats().AuthFailure ?? 0).toBeGreaterThan(0);
    for (const account of [MEMBER, THIRD])
      for (const region of REGIONS) await expectArchived(harness, account, region);
  });

  it("keeps a member's rotating contents and its RDS deletion events under its account and region", async () => {
    const MYSQL = 'mysql-member-1';
    harness = await start('fleet-identity', undefined, undefined, MYSQL);
    const region = REGIONS[0]!;
    const where = { account: MEMBER, region };
    const site = harness.sim.fleet.site(MEMBER, region)!;
    // The member's standalone RDS MySQL: its audit plugin renames files on rotation (content items).
    site.world.addInstance?.(MYSQL, 'mysql');
    expect(site.world.hasInstance(MYSQL)).toBe(true);
    // A rotation now: the content written so far moves to a rotated name, final, to be archived.
    expect(site.world.rotate(MYSQL)).toHaveLength(1);
    harness.clock.advance(60_000);
    // The member reuses the hub's ids: storage pressure on its instance, with RDS's event.
    const cluster = site.world.clusters()[0]!;
    const deleted = site.deletions.storagePressure(cluster.instances[0]!, 1);
    expect(deleted).toEqual([expect.objectContaining({ reported: true })]);
    const summary = await harness.discover();
    // One selection serves every region of the account: the instance is named where it is not.
    expect(summary.errors).toEqual([`${MEMBER}/eu-west-1 instance ${MYSQL} not found`]);
    await drainAll(harness);

    const ledger = harness.pipeline.clients.ledger;
    const { files } = await ledger.instanceState(MYSQL, where);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(file.contentId, file.logFileName).toBeDefined();
      expect(file).toMatchObject({ account: MEMBER, region, pk: `I#${MEMBER}/${region}/${MYSQL}` });
      expect(file.sk.startsWith('C#'), file.sk).toBe(true);
      expect(file.s3Key.startsWith(`${MEMBER}/${region}/${MYSQL}/`), file.s3Key).toBe(true);
    }
    const archived = files.filter((file) => file.state === 'archived');
    expect(archived.length).toBeGreaterThan(0);
    // The home place has no such instance: nothing of the member's leaks into its partitions.
    expect((await ledger.instanceState(MYSQL)).files).toEqual([]);

    // DescribeEvents was read in the member's account and region, and recorded as its own.
    const window = { from: T0 - 2 * 60 * 60_000, to: T0 + 60 * 60_000 };
    const events = await ledger.clusterDeletionEvents(cluster.id, window.from, window.to, where);
    expect(events).toEqual([
      expect.objectContaining({ account: MEMBER, region, instance: cluster.instances[0] }),
    ]);
    expect(await ledger.clusterDeletionEvents(cluster.id, window.from, window.to)).toEqual([]);
    // The oldest file pressure removed may be of another log type than audit: ask for its type.
    const logType = events[0]?.logType ?? 'audit';
    const completeness = (w?: typeof where) =>
      runCompleteness(
        { ledger, now: () => harness!.clock.now() },
        { cluster: cluster.id, ...window, logType, ...(w ? { where: w } : {}) },
      );
    const member = await completeness(where);
    expect(member.holes.filter((hole) => hole.kind === 'rds-deleted')).toHaveLength(1);
    const home = await completeness();
    expect(home.holes.filter((hole) => hole.kind === 'rds-deleted')).toEqual([]);
  });
});

describe('Discovery fanned out over a discovery queue', () => {
  it("fails one account's tasks into the discovery DLQ, with the reason on record, and archives every other place", async () => {
    harness = await start('fleet-fanout', THIRD);
    const sqs = harness.pipeline.clients.sqs;
    // The discovery queue and its DLQ, as infra/stack.ts wires them (maxReceiveCount 3).
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${harness.res.table}-disc-dlq` })))
      .QueueUrl!;
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${harness.res.table}-disc`,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
        }),
      )
    ).QueueUrl!;
    const now = () => harness!.clock.now();
    const deps = harness.pipeline.discoverDeps(now);
    const sent = await enqueueDiscovery({ ...deps, queueUrl });
    expect(sent).toEqual({ planned: 6, sent: 6, unsent: [] });

    const batch = createDiscoveryBatch(deps);
    const runs: PlaceRun[] = [];
    const failedPerBatch: number[] = [];
    await runEventSource({
      sqs,
      queueUrl,
      concurrency: 1,
      batchSize: 4,
      handler: async (records, context) => {
        const response = await batch(records, context);
        runs.push(...response.runs);
        failedPerBatch.push(response.batchItemFailures.length);
        return response;
      },
      // A failed task comes back at once instead of after the visibility timeout (tests wait on
      // state, not on time); SQS counts the receive all the same.
      onBatch: async (result) => {
        for (const handle of result.failedReceiptHandles)
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: handle,
              VisibilityTimeout: 0,
            }),
          );
      },
    });
    // THIRD's two places failed on each of their three receives, then SQS moved them to the DLQ.
    const third = runs.filter((run) => run.place.account === THIRD);
    expect(third).toHaveLength(6);
    for (const run of third) expect(run.place.error).toContain(`account ${THIRD}`);
    const parked = await harness.takeMessages(dlqUrl);
    expect(parked.map((m) => parseDiscoveryTask(m.Body!).place).sort()).toEqual(
      REGIONS.map((region) => `${THIRD}/${region}`).sort(),
    );
    // Every other place was discovered once, in the batches beside the failing tasks.
    const others = runs.filter((run) => run.place.account !== THIRD);
    expect(others.map((run) => run.place.place).sort()).toEqual(
      ['home', `${HUB_ACCOUNT_ID}/eu-west-1`, ...REGIONS.map((region) => `${MEMBER}/${region}`)].sort(),
    );
    for (const run of others) expect(run.place.error).toBeUndefined();
    expect(failedPerBatch.some((failed) => failed > 0)).toBe(true);

    await drainAll(harness);
    for (const region of REGIONS) {
      await expectArchived(harness, HUB_ACCOUNT_ID, region);
      await expectArchived(harness, MEMBER, region);
    }
    // The reason is on record: status names both places of the refused account.
    const report = await runStatus({ ledger: harness.pipeline.clients.ledger }, { filter: {} });
    expect(report.attention.filter((line) => line.startsWith(`discovery of ${THIRD}/`))).toHaveLength(2);

    // A task delivered again after its place was read is acknowledged without reading it again.
    const homeRequests = () => harness!.sim.stats()[`requests.${HUB_ACCOUNT_ID}.${REGIONS[0]}`];
    const before = homeRequests();
    const again = await batch(
      [{ messageId: 'dup', body: formatDiscoveryTask({ v: 1, place: 'home', plannedAt: T0 - 1 }) }],
      { requestId: 'r', remainingMs: () => 60_000 },
    );
    expect(again).toEqual({ batchItemFailures: [], runs: [] });
    expect(homeRequests()).toBe(before);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
  });
});
