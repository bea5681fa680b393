/** Base class for failures of the local stack (emulators, resources, state files). */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}

/** An emulator did not start or did not answer in time. */
export class EmulatorStartError extends LocalStackError {
  override name = 'EmulatorStartError';
}

/** How to install what DynamoDB Local needs, for messages. */
export const JAVA_INSTALL_HINT =
  'install Java 17 or newer (Debian/Ubuntu: apt-get install -y default-jre-headless; macOS: brew install openjdk)';

/** No Java to run DynamoDB Local with: retrying cannot help, installing Java does. */
export class JavaNotFoundError extends EmulatorStartError {
  override name = 'JavaNotFoundError';
  constructor(
    readonly java: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Java was not found (${java === 'java' ? "no 'java' on PATH" : `not at ${java}`}); DynamoDB Local needs it: ${JAVA_INSTALL_HINT}, then try again.`,
      options,
    );
  }
}
