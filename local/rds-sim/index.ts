/**
 * The RDS simulator: a local stand-in for the parts of Amazon RDS this project uses (the Query API
 * for clusters, instances, log files and events, and the SigV4-signed whole-file download), with a
 * deterministic, clock-driven log workload for a fleet of Aurora MySQL, RDS MySQL, MariaDB, RDS
 * PostgreSQL and Aurora PostgreSQL instances in several accounts and Regions, the RDS API budget,
 * STS AssumeRole into member accounts, and faults on demand.
 */

export {
  accountId,
  HUB_ACCOUNT_ID,
  MEMBER_ROLE_NAME,
  memberExternalId,
  memberRoleArn,
  type Principal,
  type SimAccount,
  type SimRole,
} from './accounts.js';
export { type BudgetOptions, RDS_API_BUDGET } from './budget.js';
export { acceleratedClock, manualClock, realClock } from './clock.js';
export type { DeletionRecord } from './deletions.js';
export { ENGINES, isEngine } from './engines.js';
export { FaultSpecError, RdsSimError } from './errors.js';
export { EVENT_KINDS, type SimEvent } from './events.js';
export { parseFaultSpec } from './faults.js';
export { isRegionName, type SimFleet, type SimSite, siteNamespace } from './fleet.js';
export { PORTION_MAX_BYTES, PORTION_MAX_LINES, TRUNCATION_NOTE } from './portion.js';
export { DEFAULT_SIM_CREDENTIALS, startRdsSimulator } from './server.js';
export { ASSUME_ROLE_DURATION, type SimSts, type StsOptions } from './sts.js';
export type {
  Engine,
  Fault,
  FaultController,
  FaultSpec,
  RdsSimulator,
  RdsSimulatorOptions,
  SimClock,
  SimCluster,
  SimCredentials,
  SimInstance,
  SimLogFile,
  SimWorld,
  WorkloadOptions,
} from './types.js';
export { WorkloadOptionError } from './workload.js';
