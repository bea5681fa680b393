/**
 * One PostgreSQL csvlog record as a row. Pure.
 *
 * PostgreSQL's csvlog (log_destination = 'csvlog', on RDS the `.csv` file beside each
 * `postgresql.log.*`) writes one CSV record per message: fields that may hold text are quoted,
 * a quote inside is doubled, and newlines stay inside the quotes (PostgreSQL documentation,
 * "Using CSV-Format Log Output"). The columns are PostgreSQL 14's and later's, in order;
 * PostgreSQL 13 writes the first 24 and 12 the first 23 (the missing ones are null). An empty
 * unquoted field is null, as PostgreSQL's own `COPY ... WITH csv` into its documented
 * `postgres_log` table reads it. Fields beyond the known columns are kept in `extra_fields`.
 */

export const CSVLOG_COLUMNS = [
  'log_time',
  'user_name',
  'database_name',
  'process_id',
  'connection_from',
  'session_id',
  'session_line_num',
  'command_tag',
  'session_start_time',
  'virtual_transaction_id',
  'transaction_id',
  'error_severity',
  'sql_state_code',
  'message',
  'detail',
  'hint',
  'internal_query',
  'internal_query_pos',
  'context',
  'query',
  'query_pos',
  'location',
  'application_name',
  'backend_type',
  'leader_pid',
  'query_id',
] as const;

export type CsvlogRow = Record<(typeof CSVLOG_COLUMNS)[number], string | null> & {
  extra_fields: string[] | null;
};

/** Parses the text of one record (as split by `EntrySplitter` with the `csv` rule). */
export function csvlogRow(text: string): CsvlogRow {
  const fields = csvFields(text.replace(/\r?\n$/, ''));
  const row = {} as CsvlogRow;
  CSVLOG_COLUMNS.forEach((name, index) => {
    row[name] = fields[index] ?? null;
  });
  row.extra_fields =
    fields.length > CSVLOG_COLUMNS.length ? fields.slice(CSVLOG_COLUMNS.length).map((f) => f ?? '') : null;
  return row;
}

/** The fields of one CSV record: quoted fields unquoted (`""` is `"`), an empty unquoted one null. */
export function csvFields(record: string): Array<string | null> {
  const fields: Array<string | null> = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const quote = record.indexOf('"', i);
        if (quote < 0) {
          // Unterminated (a cut record): the rest is the field.
          value += record.slice(i);
          i = record.length;
          break;
        }
        value += record.slice(i, quote);
        if (record[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      // Anything between the closing quote and the next comma is kept, not dropped.
      const comma = record.indexOf(',', i);
      const tail = comma < 0 ? record.slice(i) : record.slice(i, comma);
      if (tail !== '') fields[fields.length - 1] = value + tail;
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = record.indexOf(',', i);
      const value = comma < 0 ? record.slice(i) : record.slice(i, comma);
      fields.push(value === '' ? null : value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}
