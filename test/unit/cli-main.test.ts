import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../cli/args.js';
import { type Command, commandGroup } from '../../cli/command.js';
import { bufferIo } from '../../cli/io.js';
import { main, version } from '../../cli/main.js';
import { createProgress } from '../../cli/progress.js';
import { formatTable } from '../../cli/table.js';

const echo: Command = {
  name: 'echo',
  summary: 'prints its argument',
  usage: 'Usage: rds-log-archiver echo WORD [--loud]',
  exits: { ok: 'printed' },
  run: async (argv, io) => {
    const { values, positionals } = parseCommandArgs(
      argv,
      { loud: { type: 'boolean', default: false } },
      { positionals: 1 },
    );
    io.stdout.write(`${values.loud ? positionals[0]?.toUpperCase() : positionals[0]}\n`);
    return 0;
  },
};
const commands = [echo, commandGroup('grp', 'a group', [echo])];

describe('cli main', () => {
  it('runs a registered command', async () => {
    const { io, out } = bufferIo();
    expect(await main(['echo', 'hi', '--loud'], io, commands)).toBe(0);
    expect(out()).toBe('HI\n');
  });

  it('lists every command in --help and prints a command usage for <command> --help', async () => {
    const help = bufferIo();
    expect(await main(['--help'], help.io, commands)).toBe(0);
    expect(help.out()).toMatch(/echo\s+prints its argument/);
    const sub = bufferIo();
    expect(await main(['grp', 'echo', '--help'], sub.io, commands)).toBe(0);
    expect(sub.out()).toContain('Usage: rds-log-archiver echo WORD');
  });

  it('exits 2 with a clear message on an unknown command, subcommand or option', async () => {
    for (const argv of [['nope'], ['echo', 'x', '--nope'], ['grp', 'nope'], ['echo', 'a', 'b'], []]) {
      const { io, err } = bufferIo();
      expect(await main(argv, io, commands), argv.join(' ')).toBe(2);
      expect(err()).toMatch(/rds-log-archiver|Usage/);
    }
  });

  it('prints the package version', async () => {
    const { io, out } = bufferIo();
    expect(await main(['--version'], io, commands)).toBe(0);
    expect(out().trim()).toBe(version());
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('formatTable', () => {
  it('pads columns and right-aligns numbers', () => {
    const text = formatTable(
      [
        { name: 'a', size: 5 },
        { name: 'long-name', size: 12345 },
      ],
      [
        { header: 'NAME', value: (r) => r.name },
        { header: 'SIZE', value: (r) => r.size },
      ],
    );
    expect(text).toBe(['NAME        SIZE', 'a              5', 'long-name  12345'].join('\n'));
  });
});

describe('createProgress', () => {
  it('prints only the final line when not on a TTY', () => {
    const { io, err } = bufferIo();
    const progress = createProgress(io.stderr, { label: 'files', total: 4 });
    progress.update(1);
    progress.update(4);
    progress.done();
    expect(err()).toBe(`files [${'#'.repeat(24)}] 4/4 100%\n`);
  });
});
