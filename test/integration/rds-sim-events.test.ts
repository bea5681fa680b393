import {
  DescribeDBLogFilesCommand,
  DescribeEventsCommand,
  type DescribeEventsCommandInput,
  type Event,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, type RdsSimulator, startRdsSimulator } from '../../local/rds-sim/index.js';
import { drainBody, signedDownload, simRdsClient } from '../support/sim-client.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const AURORA = ['aurora-audit-1-instance-1', 'aurora-audit-1-instance-2'];
const [FIRST, SECOND] = AURORA as [string, string];
const MYSQL = 'mysql-1';

/** Every event of a request, following Marker; the number of pages it took. */
async function allEvents(rds: RDSClient, input: DescribeEventsCommandInput) {
  const events: Event[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const out = await rds.send(
      new DescribeEventsCommand({ ...input, ...(marker ? { Marker: marker } : {}) }),
    );
    events.push(...(out.Events ?? []));
    marker = out.Marker;
    pages += 1;
  } while (marker);
  return { events, pages };
}

const fileOf = (e: Event) => /^Log file (\S+) was deleted/.exec(e.Message ?? '')?.[1];

describe('RDS simulator: DescribeEvents and the log-deletion events 0610 / 0611', () => {
  let sim: RdsSimulator;
  let rds: RDSClient;
  /** Audit files of FIRST as listed at T0 (their names and final LastWritten for the rotated ones). */
  let atStart: Array<{ name: string; lastWritten: number; size: number }>;
  /** Every audit file name either Aurora instance ever listed, with its last listed state. */
  const listed = new Map<string, { instance: string; name: string; lastWritten: number; size: number }>();

  const list = async () => {
    for (const instance of [...AURORA, MYSQL]) {
      const out = await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: instance }));
      for (const f of out.DescribeDBLogFiles ?? []) {
        if (!f.LogFileName?.startsWith('audit/')) continue;
        listed.set(`${instance} ${f.LogFileName}`, {
          instance,
          name: f.LogFileName,
          lastWritten: f.LastWritten ?? 0,
          size: f.Size ?? 0,
        });
      }
    }
  };
  const download = async (instance: string, name: string) =>
    drainBody(await signedDownload(sim, instance, name));

  beforeAll(async () => {
    sim = await startRdsSimulator({
      clock: manualClock(T0),
      budget: false,
      workload: {
        engines: ['aurora-mysql', 'mysql'],
        clusters: 1,
        instancesPerCluster: 2,
        standaloneInstances: 1,
        historyHours: 2,
        retentionHours: 1,
        writerBytesPerSecond: 16,
        auditRotateBytes: 20_000,
        logKinds: ['audit'],
      },
    });
    rds = simRdsClient(sim);
    await list();
    atStart = [...listed.values()]
      .filter((f) => f.instance === FIRST)
      .map(({ name, lastWritten, size }) => ({ name, lastWritten, size }));
  });
  afterAll(async () => {
    rds?.destroy();
    await sim?.stop();
  });

  const rotatedAtStart = (writer: number) => {
    const f = atStart.find((x) => x.name.startsWith(`audit/audit.log.${writer}.2026-03-01-11-00`));
    if (!f) throw new Error(`no 11:00 file of writer ${writer}`);
    return f;
  };

  it('reports, with RDS-EVENT-0610, every file retention removed that was never completely downloaded', async () => {
    // Writer 0's rotated file: downloaded completely, so published. Writer 1's: only a cut download.
    const published = rotatedAtStart(0);
    expect((await download(FIRST, published.name)).bytes).toBe(published.size);
    const cut = rotatedAtStart(1);
    sim.faults.add({ kind: 'truncate', afterBytes: 100, file: cut.name, times: 1 });
    expect((await download(FIRST, cut.name)).bytes).toBe(100);
    // Writer 3's live file, downloaded whole at 12:10, grows afterwards: not published in full.
    sim.clock.advance(10 * 60_000);
    await list();
    const live = [...listed.values()].find(
      (f) => f.instance === FIRST && f.name.startsWith('audit/audit.log.3.2026-03-01-12-00'),
    );
    expect(live?.size).toBeGreaterThan(0);
    expect((await download(FIRST, live?.name ?? '')).bytes).toBe(live?.size);

    // The archiver lists now and then; the events are only asked for at the end.
    for (const step of [80, 60, 30]) {
      sim.clock.advance(step * 60_000);
      await list();
    }
    expect(sim.clock.now()).toBe(T0 + 3 * HOUR);

    const { events } = await allEvents(rds, {
      SourceType: 'db-instance',
      StartTime: new Date(T0),
      EndTime: new Date(sim.clock.now()),
    });
    const deletions = events.filter((e) => fileOf(e) !== undefined);
    // Expected from what the listings showed: every Aurora audit file whose last write plus the
    // one-hour retention has passed, except the one completely downloaded.
    const expected = [...listed.values()]
      .filter((f) => AURORA.includes(f.instance))
      .filter((f) => f.lastWritten + HOUR <= sim.clock.now())
      .filter((f) => !(f.instance === FIRST && f.name === published.name))
      .map((f) => `${f.instance} ${f.name}`)
      .sort();
    expect(deletions.map((e) => `${e.SourceIdentifier} ${fileOf(e)}`).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(20);
    for (const e of deletions) {
      expect(e.SourceType).toBe('db-instance');
      expect(e.SourceArn).toBe(`arn:aws:rds:us-east-1:123456789012:db:${e.SourceIdentifier}`);
      expect(e.EventCategories).toEqual(['notification']);
      expect(e.Message).toContain('retention period');
    }
    // Dated when the file was deleted: its last write plus the retention.
    for (const writer of [1, 2]) {
      const f = rotatedAtStart(writer);
      const event = deletions.find((e) => e.SourceIdentifier === FIRST && fileOf(e) === f.name);
      expect(event?.Date?.getTime()).toBe(f.lastWritten + HOUR);
    }
    expect(deletions.some((e) => fileOf(e) === live?.name)).toBe(true);
    // The MariaDB audit plugin's files on RDS MySQL went too, without a word: only Aurora reports.
    expect(events.some((e) => e.SourceIdentifier === MYSQL)).toBe(false);
  });

  it('answers the last hour by default, and a Duration, StartTime or EndTime window', async () => {
    const now = sim.clock.now();
    const { events: all } = await allEvents(rds, { StartTime: new Date(T0), EndTime: new Date(now) });
    const lastHour = all.filter((e) => (e.Date?.getTime() ?? 0) >= now - HOUR);
    expect(lastHour.length).toBeGreaterThan(0);
    expect(lastHour.length).toBeLessThan(all.length);
    expect((await allEvents(rds, {})).events).toEqual(lastHour);
    expect((await allEvents(rds, { Duration: 180 })).events).toEqual(all);
    expect((await allEvents(rds, { StartTime: new Date(now - HOUR) })).events).toEqual(lastHour);
    expect((await allEvents(rds, { EndTime: new Date(now - HOUR), Duration: 120 })).events).toEqual(
      all.filter((e) => (e.Date?.getTime() ?? 0) <= now - HOUR),
    );
  });

  it('pages with MaxRecords (20 to 100) and Marker, oldest first, nothing repeated or skipped', async () => {
    const input = { StartTime: new Date(T0), EndTime: new Date(sim.clock.now()) };
    const whole = await rds.send(new DescribeEventsCommand(input));
    expect(whole.Marker).toBeUndefined();
    const total = whole.Events?.length ?? 0;
    expect(total).toBeGreaterThan(20);
    const paged = await allEvents(rds, { ...input, MaxRecords: 20 });
    expect(paged.pages).toBe(Math.ceil(total / 20));
    expect(paged.events).toEqual(whole.Events);
    const dates = paged.events.map((e) => e.Date?.getTime() ?? 0);
    expect([...dates].sort((a, b) => a - b)).toEqual(dates);
    for (const MaxRecords of [19, 101]) {
      await expect(rds.send(new DescribeEventsCommand({ ...input, MaxRecords }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('reports, with RDS-EVENT-0611, files that storage pressure removed unpublished, and not later again', async () => {
    const files = (await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: SECOND })))
      .DescribeDBLogFiles;
    const oldest = [...(files ?? [])].sort((a, b) => (a.LastWritten ?? 0) - (b.LastWritten ?? 0));
    const [kept, lost] = [oldest[0], oldest[1]];
    expect((await download(SECOND, kept?.LogFileName ?? '')).bytes).toBe(kept?.Size);
    const answer = await fetch(`${sim.url}/_sim/storage-pressure`, {
      method: 'POST',
      body: JSON.stringify({ instance: SECOND, files: 2 }),
    }).then(
      (r) => r.json() as Promise<{ deleted: Array<{ file: string; reported: boolean; reason: string }> }>,
    );
    expect(answer.deleted).toEqual([
      expect.objectContaining({ file: kept?.LogFileName, reported: false, reason: 'storage' }),
      expect.objectContaining({ file: lost?.LogFileName, reported: true, reason: 'storage' }),
    ]);
    const after = (
      await rds.send(new DescribeDBLogFilesCommand({ DBInstanceIdentifier: SECOND }))
    ).DescribeDBLogFiles?.map((f) => f.LogFileName);
    expect(after).not.toContain(kept?.LogFileName);
    expect(after).not.toContain(lost?.LogFileName);

    const now = sim.clock.now();
    const recent = await allEvents(rds, { SourceType: 'db-instance', SourceIdentifier: SECOND, Duration: 1 });
    const storage = recent.events.filter((e) => e.Message?.includes('storage'));
    expect(storage.map((e) => [fileOf(e), e.Date?.getTime()])).toEqual([[lost?.LogFileName, now]]);

    // Their retention passes later: no second report for files already gone.
    sim.clock.advance(2 * HOUR);
    const later = await allEvents(rds, {
      SourceType: 'db-instance',
      SourceIdentifier: SECOND,
      Duration: 121,
    });
    const names = later.events.map(fileOf);
    expect(names).not.toContain(kept?.LogFileName);
    expect(names.filter((n) => n === lost?.LogFileName)).toHaveLength(1);
  });

  it('mixes in events about other things, which EventCategories and SourceIdentifier tell apart', async () => {
    const backup = await fetch(`${sim.url}/_sim/events/backup`, {
      method: 'POST',
      body: JSON.stringify({ instance: FIRST }),
    });
    expect(backup.status).toBe(200);
    const window = { StartTime: new Date(T0), EndTime: new Date(sim.clock.now()) };
    const backups = await allEvents(rds, { ...window, EventCategories: ['backup'] });
    expect(backups.events.map((e) => [e.SourceIdentifier, e.Message, e.EventCategories])).toEqual([
      [FIRST, 'Backing up DB instance', ['backup']],
      [FIRST, 'Finished DB Instance backup', ['backup']],
    ]);
    const notifications = await allEvents(rds, { ...window, EventCategories: ['notification'] });
    expect(notifications.events.every((e) => fileOf(e) !== undefined)).toBe(true);
    const ofFirst = await allEvents(rds, { ...window, SourceType: 'db-instance', SourceIdentifier: FIRST });
    expect(ofFirst.events.every((e) => e.SourceIdentifier === FIRST)).toBe(true);
    expect(ofFirst.events.some((e) => e.Message === 'Backing up DB instance')).toBe(true);
    expect((await allEvents(rds, { ...window, SourceType: 'db-cluster' })).events).toEqual([]);
  });

  it('refuses what AWS refuses', async () => {
    await expect(rds.send(new DescribeEventsCommand({ SourceIdentifier: FIRST }))).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      rds.send(new DescribeEventsCommand({ Filters: [{ Name: 'x', Values: ['y'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', Duration: -1 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('RDS simulator: how long events are kept', () => {
  it('keeps events for 14 days and no longer', async () => {
    // RDS MySQL reports no log deletions: this world's events are the backups recorded here.
    const sim = await startRdsSimulator({
      clock: manualClock(T0),
      workload: { engines: ['mysql'], standaloneInstances: 1, historyHours: 1, logKinds: ['audit'] },
    });
    const rds = simRdsClient(sim);
    try {
      const backup = () =>
        fetch(`${sim.url}/_sim/events/backup`, { method: 'POST', body: JSON.stringify({ instance: MYSQL }) });
      expect((await backup()).status).toBe(200);
      sim.clock.advance(HOUR);
      expect((await backup()).status).toBe(200);
      const everything = { StartTime: new Date(T0 - HOUR), EndTime: new Date(T0 + 30 * 24 * HOUR) };
      expect((await allEvents(rds, everything)).events).toHaveLength(4);
      sim.clock.advance(14 * 24 * HOUR - HOUR);
      // Exactly 14 days after the first backup: still there.
      expect((await allEvents(rds, everything)).events).toHaveLength(4);
      sim.clock.advance(1);
      const left = (await allEvents(rds, everything)).events;
      expect(left.map((e) => e.Date?.getTime())).toEqual([T0 + HOUR, T0 + HOUR]);
    } finally {
      rds.destroy();
      await sim.stop();
    }
  });
});
