import { AwsErrorAnswer } from './errors.js';
import { readInteger } from './query-params.js';
import type { SimWorldInternal } from './world.js';
import { el } from './xml.js';

/**
 * DownloadDBLogFilePortion, as the API reference describes it
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DownloadDBLogFilePortion.html):
 * "Downloads all or a portion of the specified log file, up to 1 MB in size."
 * - Marker "0": lines from the beginning; a Marker from a previous answer: lines after it.
 * - NumberOfLines without Marker: "the most recent lines from the end of the log file".
 * - Neither: "the entire log file is returned up to a maximum of 10000 lines, starting with the
 *   most recent log entries first" (the last 10,000 lines).
 * - "If the number of lines specified results in a file over 1 MB in size, the file is truncated
 *   at 1 MB in size"; AdditionalDataPending is true while more data follows the portion.
 * NumberOfLines above 10,000 is taken as 10,000 (the default "is also the maximum", per the
 * client-side fixes in fpietka/rds-pgbadger#10). A single line longer than 1 MB comes back cut at
 * 1 MB and marked ` [Your log message was truncated]`, the rest of the line is skipped (users
 * report that text in downloads of big files, aws/aws-sdk-js#1463). Real markers look like
 * `10:18499` (aws/aws-sdk-cpp#1427); here the number after the colon is the byte offset.
 */
export const PORTION_MAX_BYTES = 1024 * 1024;
export const PORTION_MAX_LINES = 10_000;
export const TRUNCATION_NOTE = ' [Your log message was truncated]\n';
const NEWLINE = 0x0a;

function markerOffset(marker: string): number {
  if (marker === '0') return 0;
  const m = /^\d+:(\d+)$/.exec(marker);
  if (!m) {
    throw new AwsErrorAnswer(400, 'InvalidParameterValue', `The parameter Marker is not valid: ${marker}`);
  }
  return Number(m[1]);
}

/** Offset where the line holding `from` ends (after its newline), scanning forward in chunks. */
function lineEnd(
  world: SimWorldInternal,
  instance: string,
  name: string,
  from: number,
  size: number,
): number {
  for (let at = from; at < size; at += PORTION_MAX_BYTES) {
    const chunk = world.bytes(instance, name, at, Math.min(size, at + PORTION_MAX_BYTES));
    const nl = chunk.indexOf(NEWLINE);
    if (nl >= 0) return at + nl + 1;
  }
  return size;
}

/** The Query answer body of DownloadDBLogFilePortion. */
export function downloadDBLogFilePortion(params: URLSearchParams, world: SimWorldInternal): string {
  const instance = params.get('DBInstanceIdentifier');
  const name = params.get('LogFileName');
  for (const [key, value] of [
    ['DBInstanceIdentifier', instance],
    ['LogFileName', name],
  ] as const) {
    if (!value)
      throw new AwsErrorAnswer(400, 'MissingParameter', `The request must contain the parameter ${key}`);
  }
  if (!instance || !name) throw new AwsErrorAnswer(400, 'MissingParameter', 'missing parameter');
  const requested = readInteger(params, 'NumberOfLines');
  if (requested !== undefined && requested < 1) {
    throw new AwsErrorAnswer(400, 'InvalidParameterValue', `Invalid value ${requested} for NumberOfLines.`);
  }
  if (!world.hasInstance(instance)) {
    throw new AwsErrorAnswer(404, 'DBInstanceNotFound', `DBInstance ${instance} not found.`);
  }
  const file = world.file(instance, name);
  if (!file) {
    throw new AwsErrorAnswer(
      404,
      'DBLogFileNotFoundFault',
      `DBLogFile ${name} not found for DBInstance ${instance}.`,
    );
  }
  const lines = Math.min(requested ?? PORTION_MAX_LINES, PORTION_MAX_LINES);
  const marker = params.get('Marker');
  const size = file.size;
  const answer = (data: string, next: number, pending: boolean) =>
    el('LogFileData', data) + el('AdditionalDataPending', pending) + el('Marker', `0:${next}`);

  if (marker === null || marker === '') {
    // The most recent lines: the last `lines` whole lines within the last 1 MB.
    const start = Math.max(0, size - PORTION_MAX_BYTES);
    const buf = world.bytes(instance, name, start, size);
    let from = buf.length;
    let count = 0;
    for (let i = buf.length - 2; i >= -1 && count < lines; i--) {
      if (i === -1 ? start === 0 : buf[i] === NEWLINE) {
        from = i + 1;
        count += 1;
      }
    }
    return answer(buf.subarray(from).toString('latin1'), size, false);
  }

  const offset = Math.min(markerOffset(marker), size);
  const buf = world.bytes(instance, name, offset, Math.min(size, offset + PORTION_MAX_BYTES));
  let end = 0;
  let count = 0;
  while (count < lines) {
    const nl = buf.indexOf(NEWLINE, end);
    if (nl < 0) break;
    end = nl + 1;
    count += 1;
  }
  if (count === 0 && buf.length > 0) {
    if (offset + buf.length >= size) {
      // The file ends without a newline: hand out what is there.
      return answer(buf.toString('latin1'), size, false);
    }
    // One line longer than 1 MB: cut, marked, and the rest of it skipped.
    const next = lineEnd(world, instance, name, offset + buf.length, size);
    return answer(buf.toString('latin1') + TRUNCATION_NOTE, next, next < size);
  }
  const next = offset + end;
  return answer(buf.subarray(0, end).toString('latin1'), next, next < size);
}
