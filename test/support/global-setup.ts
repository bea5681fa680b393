import type { TestProject } from 'vitest/node';
import type { EmulatorEndpoints } from '../../local/aws-config.js';
import { startEmulators } from '../../local/emulators.js';

/** What global setup hands every test file through `inject('localStack')`. */
export interface ProvidedLocalStack {
  endpoints: EmulatorEndpoints;
  region: string;
  /** pid of the shared DynamoDB Local Java process (for tests about process cleanup). */
  dynamodbPid: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: ProvidedLocalStack;
  }
}

/**
 * Starts one DynamoDB Local and one fauxqs for the whole test run and provides their endpoints.
 * Each test file then creates its own uniquely named resources (test/support/stack.ts). The
 * returned teardown stops both; if the run dies hard, the reaper kills Java.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const region = 'us-east-1';
  const emulators = await startEmulators({ region });
  project.provide('localStack', {
    endpoints: emulators.endpoints,
    region,
    dynamodbPid: emulators.dynamodbPid,
  });
  return () => emulators.stop();
}
