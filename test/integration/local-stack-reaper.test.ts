import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, spawnCollecting } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';

// A parent that starts DynamoDB Local, prints Java's pid and then idles until killed.
const PARENT = `
import { startDynamoDbLocal } from './local/dynamodb-local.ts';
const db = await startDynamoDbLocal();
console.log(JSON.stringify({ pid: db.pid, endpoint: db.endpoint }));
setInterval(() => {}, 1000);
`;

describe('DynamoDB Local reaper', () => {
  let parent: ChildProcess | undefined;
  let javaPid: number | undefined;

  afterEach(() => {
    // If an assertion failed, do not leave anything behind.
    if (parent?.exitCode === null) parent.kill('SIGKILL');
    if (javaPid !== undefined && alive(javaPid)) process.kill(javaPid, 'SIGKILL');
  });

  it('kills Java when the process that started it is killed with SIGKILL', async () => {
    const run = spawnCollecting(['--import', 'tsx', '--input-type=module', '-e', PARENT]);
    parent = run.child;
    await waitUntil(
      "the parent to print Java's pid",
      () => run.stdout().includes('\n') || run.child.exitCode !== null,
    );
    expect(run.child.exitCode, run.stderr()).toBeNull();
    const info = JSON.parse(run.stdout().split('\n')[0] ?? '') as { pid: number; endpoint: string };
    javaPid = info.pid;
    expect(alive(javaPid)).toBe(true);
    const answer = await fetch(info.endpoint, { method: 'POST' });
    expect(answer.status).toBe(400); // DynamoDB Local answers the unsigned probe: it is really up

    run.child.kill('SIGKILL');
    await run.exited;

    await waitUntil('the reaper to kill Java', () => !alive(info.pid));
  });
});
