/** Base of the operations area's errors (status, completeness, failures, redrive, verify). */
export class OperationsError extends Error {
  override name = 'OperationsError';
}

/** A setting an operation needs is missing (e.g. the DLQ URL for a redrive). */
export class MissingSettingError extends OperationsError {
  override name = 'MissingSettingError';
  constructor(
    readonly variable: string,
    what: string,
  ) {
    super(`${variable} is not set: ${what}`);
  }
}

/** The SQS endpoint does not implement an action (e.g. StartMessageMoveTask on a local emulator). */
export class UnsupportedByEndpointError extends OperationsError {
  override name = 'UnsupportedByEndpointError';
}
