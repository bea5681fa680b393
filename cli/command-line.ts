/** The tool's name as operators type it. */
export const TOOL_NAME = 'rds-log-archiver';

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A command line as a POSIX shell would read it back: words with nothing special stay as they
 * are, others are single-quoted (`'` written as `'\''`). So a report can show the exact command
 * that produced it, ready to paste.
 */
export function formatCommandLine(words: readonly string[]): string {
  return words.map((word) => (PLAIN.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)).join(' ');
}
