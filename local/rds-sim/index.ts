/**
 * The RDS simulator: a local stand-in for the parts of Amazon RDS this project uses (the Query API
 * for clusters, instances and log files, and the SigV4-signed whole-file download), with a
 * deterministic, clock-driven Aurora MySQL log workload and faults on demand.
 */
export { acceleratedClock, manualClock, realClock } from './clock.js';
export { FaultSpecError, RdsSimError } from './errors.js';
export { parseFaultSpec } from './faults.js';
export { DEFAULT_SIM_CREDENTIALS, startRdsSimulator } from './server.js';
export type {
  Fault,
  FaultController,
  FaultSpec,
  RdsSimulator,
  RdsSimulatorOptions,
  SimClock,
  SimCluster,
  SimCredentials,
  SimLogFile,
  SimWorld,
  WorkloadOptions,
} from './types.js';
