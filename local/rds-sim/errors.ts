/** Base class of every error the simulator raises itself (not the AWS errors it answers with). */
export class RdsSimError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RdsSimError';
  }
}

/** A fault written in the CLI syntax could not be understood. */
export class FaultSpecError extends RdsSimError {
  constructor(
    message: string,
    readonly spec: string,
  ) {
    super(`${message} (in fault spec "${spec}")`);
    this.name = 'FaultSpecError';
  }
}

/** An AWS-shaped error answer: the HTTP status and the code/message put in the XML error body. */
export class AwsErrorAnswer extends RdsSimError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = 'AwsErrorAnswer';
  }
}

/** What an injected `server-error` fault answers: 503 ServiceUnavailable, otherwise InternalFailure. */
export function serverErrorAnswer(status = 500): AwsErrorAnswer {
  return new AwsErrorAnswer(
    status,
    status === 503 ? 'ServiceUnavailable' : 'InternalFailure',
    'An internal error has occurred.',
  );
}
