/**
 * The RDS simulator: a local stand-in for the parts of Amazon RDS this project uses (the Query API
 * for clusters, instances and log files, and the SigV4-signed whole-file download), with a
 * deterministic, clock-driven log workload for a fleet of Aurora MySQL, RDS MySQL, MariaDB, RDS
 * PostgreSQL and Aurora PostgreSQL instances, and faults on demand.
 */

export { acceleratedClock, manualClock, realClock } from './clock.js';
export { ENGINES, isEngine } from './engines.js';
export { FaultSpecError, RdsSimError } from './errors.js';
export { parseFaultSpec } from './faults.js';
export { PORTION_MAX_BYTES, PORTION_MAX_LINES, TRUNCATION_NOTE } from './portion.js';
export { DEFAULT_SIM_CREDENTIALS, startRdsSimulator } from './server.js';
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
