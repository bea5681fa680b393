/** Where the emulators listen. Every URL is `http://127.0.0.1:PORT`. */
export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  s3: string;
}

/** Static credentials; the emulators accept any, the RDS simulator only its own. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Credentials used against the emulators when nothing else is given. */
export const EMULATOR_CREDENTIALS: LocalCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const DEFAULT_LOCAL_REGION = 'us-east-1';

/**
 * SDK client settings for one emulator endpoint. Always explicit region and credentials, so no
 * client ever walks the default provider chain (profiles, IMDS) on a developer machine.
 */
export function emulatorClientConfig(
  endpoint: string,
  region: string = DEFAULT_LOCAL_REGION,
  credentials: LocalCredentials = EMULATOR_CREDENTIALS,
) {
  return { endpoint, region, credentials, maxAttempts: 3 };
}
