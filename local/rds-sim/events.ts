import { AwsErrorAnswer } from './errors.js';
import { page, readInteger, readMaxRecords } from './query-params.js';
import { el, wrap } from './xml.js';

/**
 * RDS events: what RDS records about its resources and serves with `DescribeEvents`.
 *
 * Sources:
 * - [DESCRIBE-EVENTS] RDS API Reference, DescribeEvents, and its model in @aws-sdk/client-rds
 *   (dist-types/commands/DescribeEventsCommand.d.ts, models_0.d.ts DescribeEventsMessage, Event):
 *   events "for the past 14 days"; "By default, RDS returns events that were generated in the
 *   past hour"; Duration in minutes, default 60; MaxRecords default 100, minimum 20, maximum 100;
 *   Marker paging; "If SourceIdentifier is supplied, SourceType must also be provided"; Filters
 *   "isn't currently supported". An Event has SourceIdentifier, SourceType, Message,
 *   EventCategories (members `EventCategory`), Date and SourceArn, and NO event id: a
 *   DescribeEvents client can tell events apart only by their message (EventBridge and SNS
 *   notifications carry the `RDS-EVENT-nnnn` id; DescribeEvents does not).
 * - [LOG-STORAGE] Aurora User Guide, "Planning storage for Aurora database log files"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_LogAccess.Aurora.LogStorage.html):
 *   "Aurora MySQL and Aurora PostgreSQL ... Aurora deletes log files when they reach the end of
 *   their retention period or when they use more storage than the DB instance allows, and it might
 *   delete files that it hasn't published to CloudWatch Logs yet. When it does, you receive
 *   RDS-EVENT-0610 for a file past its retention period, or RDS-EVENT-0611 for a file deleted
 *   because of storage."
 * - [EVENT-CATALOGUE] "Amazon RDS event categories and event messages" (awsdocs/amazon-aurora-user-guide
 *   doc_source/USER_Events.Messages.md): RDS-EVENT-0001 / 0002, category backup; the DescribeEvents
 *   example in the SDK shows their messages as the API returns them: "Backing up DB instance",
 *   "Finished DB Instance backup".
 *
 * NOT VERIFIED: the wording, and the category, of RDS-EVENT-0610 and RDS-EVENT-0611. The copies of
 * the event catalogue available here predate those events, and the current page could not be read
 * past its first table. The texts below follow [LOG-STORAGE]'s wording and name the file; an
 * archiver must not trust them to the letter (match the file name, and treat an unknown message
 * about a log file as a possible gap).
 */

/** Source types DescribeEvents accepts ([DESCRIBE-EVENTS]). */
export const SOURCE_TYPES = [
  'db-instance',
  'db-parameter-group',
  'db-security-group',
  'db-snapshot',
  'db-cluster',
  'db-cluster-snapshot',
  'custom-engine-version',
  'db-proxy',
  'blue-green-deployment',
  'db-shard-group',
  'zero-etl',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** One entry of the event catalogue: the id (for us: DescribeEvents never shows it), categories, text. */
export interface EventKind {
  id: string;
  categories: string[];
  message(detail: { file?: string }): string;
}

/** The events the simulator emits, in one place ([EVENT-CATALOGUE], [LOG-STORAGE]; see the warning above). */
export const EVENT_KINDS = {
  backupStarted: {
    id: 'RDS-EVENT-0001',
    categories: ['backup'],
    message: () => 'Backing up DB instance',
  },
  backupFinished: {
    id: 'RDS-EVENT-0002',
    categories: ['backup'],
    message: () => 'Finished DB Instance backup',
  },
  logDeletedRetention: {
    id: 'RDS-EVENT-0610',
    categories: ['notification'],
    message: ({ file }) =>
      `Log file ${file ?? ''} was deleted because it reached the end of its retention period before it was published.`,
  },
  logDeletedStorage: {
    id: 'RDS-EVENT-0611',
    categories: ['notification'],
    message: ({ file }) =>
      `Log file ${file ?? ''} was deleted because log files used more storage than the DB instance allows, before it was published.`,
  },
} as const satisfies Record<string, EventKind>;

/** An event as RDS keeps it. */
export interface SimEvent {
  /** The catalogue id (`RDS-EVENT-0610`); not part of the DescribeEvents answer. */
  eventId: string;
  sourceType: SourceType;
  sourceIdentifier: string;
  sourceArn: string;
  message: string;
  categories: string[];
  /** When it happened (epoch ms, simulator clock). */
  date: number;
  /** The log file an event is about, when it is about one (for tests; not on the wire). */
  file?: string;
}

/** How long RDS keeps events ([DESCRIBE-EVENTS]: "for the past 14 days"). */
export const EVENT_RETENTION_MS = 14 * 24 * 3_600_000;

/** An event with its place in the log (the order it was recorded in). */
export type LoggedEvent = SimEvent & { seq: number };

/** The events of one account and Region, in the order they happened. */
export interface EventLog {
  add(event: SimEvent): void;
  /** Every event kept at `now` (the last 14 days), oldest first. */
  list(now: number): LoggedEvent[];
}

/** An empty event log. */
export function createEventLog(): EventLog {
  let events: LoggedEvent[] = [];
  let seq = 0;
  return {
    add(event) {
      events.push({ ...event, categories: [...event.categories], seq: seq++ });
    },
    list(now) {
      events = events.filter((e) => e.date >= now - EVENT_RETENTION_MS);
      return [...events]
        .sort((a, b) => a.date - b.date || a.seq - b.seq)
        .map((e) => ({ ...e, categories: [...e.categories] }));
    },
  };
}

const DESCRIBE_EVENTS_BOUNDS = { min: 20, max: 100, dflt: 100 };
const MINUTE = 60_000;

function readTime(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) {
    throw new AwsErrorAnswer(400, 'InvalidParameterValue', `Invalid value '${raw}' for parameter ${name}.`);
  }
  return ms;
}

/**
 * The time window of a DescribeEvents request, both ends included. AWS documents the default (the
 * last hour) and Duration; how they combine with one of StartTime / EndTime is not documented, so
 * this is the reading that returns no surprise: StartTime..EndTime when both are given; StartTime
 * plus Duration (or up to now without one); EndTime minus Duration; else the last Duration minutes.
 * Nothing older than 14 days is kept anyway.
 */
export function eventWindow(params: URLSearchParams, now: number): { from: number; to: number } {
  const start = readTime(params, 'StartTime');
  const end = readTime(params, 'EndTime');
  const durationMin = readInteger(params, 'Duration');
  if (durationMin !== undefined && durationMin < 0) {
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterValue',
      `Invalid value ${durationMin} for parameter Duration.`,
    );
  }
  const duration = (durationMin ?? 60) * MINUTE;
  if (start !== undefined && end !== undefined) return { from: start, to: end };
  if (start !== undefined) return { from: start, to: durationMin === undefined ? now : start + duration };
  if (end !== undefined) return { from: end - duration, to: end };
  return { from: now - duration, to: now };
}

/** Reads `EventCategories.EventCategory.N` (the Query serialisation of the list). */
function readCategories(params: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [key, value] of params) if (/^EventCategories\.EventCategory\.\d+$/.test(key)) out.push(value);
  return out;
}

/** Answers DescribeEvents ([DESCRIBE-EVENTS]) over the events of one account and Region. */
export function describeEvents(
  params: URLSearchParams,
  eventsOf: (instance?: string) => LoggedEvent[],
  now: number,
): string {
  const maxRecords = readMaxRecords(params, DESCRIBE_EVENTS_BOUNDS);
  const sourceType = params.get('SourceType');
  const sourceId = params.get('SourceIdentifier');
  if (sourceType !== null && !(SOURCE_TYPES as readonly string[]).includes(sourceType)) {
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterValue',
      `Invalid value '${sourceType}' for parameter SourceType.`,
    );
  }
  if (sourceId !== null && sourceId !== '' && (sourceType === null || sourceType === '')) {
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterCombination',
      'If SourceIdentifier is supplied, SourceType must also be provided.',
    );
  }
  if ([...params.keys()].some((k) => k.startsWith('Filters.'))) {
    // "This parameter isn't currently supported": refused here, so no client comes to rely on it.
    throw new AwsErrorAnswer(
      400,
      'InvalidParameterValue',
      'The parameter Filters is not currently supported.',
    );
  }
  const categories = readCategories(params);
  const { from, to } = eventWindow(params, now);
  // Only the instance asked about needs its deletions found first.
  const events = eventsOf(sourceType === 'db-instance' && sourceId ? sourceId : undefined);
  const matching = events.filter(
    (e) =>
      e.date >= from &&
      e.date <= to &&
      (sourceType === null || sourceType === '' || e.sourceType === sourceType) &&
      (sourceId === null || sourceId === '' || e.sourceIdentifier === sourceId) &&
      (categories.length === 0 || e.categories.some((c) => categories.includes(c))),
  );
  // Oldest first; the marker is the (date, seq) of the last event of the page. Every event is
  // recorded before an answer covering its date (the deletion sweep runs first), so later events
  // always sort after a marker handed out earlier: paging neither skips nor repeats.
  const keyed = matching.map((e) => ({
    e,
    key: `${String(e.date).padStart(15, '0')}.${String(e.seq).padStart(12, '0')}`,
  }));
  const p = page(keyed, (k) => k.key, params.get('Marker'), maxRecords);
  const xml = p.items
    .map(({ e }) =>
      wrap(
        'Event',
        el('SourceIdentifier', e.sourceIdentifier) +
          el('SourceType', e.sourceType) +
          el('Message', e.message) +
          wrap('EventCategories', e.categories.map((c) => el('EventCategory', c)).join('')) +
          el('Date', new Date(e.date).toISOString()) +
          el('SourceArn', e.sourceArn),
      ),
    )
    .join('');
  return wrap('Events', xml) + (p.marker ? el('Marker', p.marker) : '');
}
