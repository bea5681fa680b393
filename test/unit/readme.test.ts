import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitCodesHelp } from '../../cli/errors.js';
import { COMMANDS } from '../../cli/registry.js';
import { CONFIG_VARIABLES } from '../../core/config.js';
import { renderTransitionTable } from '../../core/ledger/transition-table.js';
import { DEPLOYED_OBJECT_DIGEST } from '../../infra/function-environment.js';
import { MEMBER_SETTINGS_DOC } from '../../infra/member-settings.js';
import { renderPermissionsTable } from '../../infra/permissions.js';
import { SETTINGS_DOC } from '../../infra/settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Table rows as cells, whatever padding the formatter gave them. */
const rows = readme
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim()));

/** Each declared setting has its own README row: name, default, meaning as declared. */
function expectDocumented(declared: ReadonlyArray<readonly [string, string, string]>): void {
  for (const [name, fallback, meaning] of declared) {
    const named = rows.filter((cells) => cells[0] === `\`${name}\``);
    expect(named, name).toContainEqual([`\`${name}\``, fallback ? `\`${fallback}\`` : '', meaning]);
  }
}

describe('README', () => {
  it('documents every runtime configuration variable with its default and meaning', () => {
    expectDocumented(CONFIG_VARIABLES);
  });

  it('documents every deployment setting with its default and meaning', () => {
    expectDocumented(SETTINGS_DOC);
  });

  it('documents every member role setting with its default and meaning', () => {
    expectDocumented(MEMBER_SETTINGS_DOC);
  });

  it('shows the install, test and start commands that .ci/run and npm use', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    for (const command of ['npm ci', 'npm test']) {
      expect(readme).toContain(command);
      expect(ci).toMatch(new RegExp(`^${command}$`, 'm'));
    }
    expect(readme).toContain('npm start');
  });

  it('states the exit codes as the CLI declares them', () => {
    expect(readme).toContain(exitCodesHelp());
  });

  it("shows the ledger's state machine as core/ledger/transitions.ts declares it", () => {
    const copy = /<!-- transitions:begin -->\n([\s\S]*?)\n<!-- transitions:end -->/.exec(readme)?.[1];
    expect(copy, 'README: the table between the transitions markers').toBe(renderTransitionTable());
  });

  it('shows the permissions of each command as infra/permissions.ts declares them for the roles', () => {
    const copy = /<!-- permissions:begin -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme)?.[1];
    expect(copy, 'README: the table between the permissions markers').toBe(
      renderPermissionsTable(DEPLOYED_OBJECT_DIGEST),
    );
  });

  it('mentions every CLI command', () => {
    for (const command of COMMANDS)
      expect(readme, command.name).toContain(`rds-log-archiver ${command.name}`);
  });
});
