// Replaced by the local-stack global setup (DynamoDB Local + fauxqs) as soon as it lands.
export default async function setup(): Promise<void> {}
