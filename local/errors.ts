/** Base class for failures of the local stack (emulators, resources, state files). */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}

/** An emulator did not start or did not answer in time. */
export class EmulatorStartError extends LocalStackError {
  override name = 'EmulatorStartError';
}
