import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../support/processes.js';

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

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
    parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PARENT], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const started = await waitUntil(() => out.includes('\n') || parent?.exitCode !== null, 60_000);
    expect(started).toBe(true);
    const info = JSON.parse(out.split('\n')[0] ?? '') as { pid: number; endpoint: string };
    javaPid = info.pid;
    expect(alive(javaPid)).toBe(true);
    const answer = await fetch(info.endpoint, { method: 'POST' });
    expect(answer.status).toBe(400); // DynamoDB Local answers the unsigned probe: it is really up

    const exited = once(parent, 'exit');
    parent.kill('SIGKILL');
    await exited;

    const gone = await waitUntil(() => !alive(info.pid), 20_000);
    expect(gone).toBe(true);
  });
});
