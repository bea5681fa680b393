import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on 127.0.0.1 and releases it again.
 *
 * For servers that cannot bind port 0 themselves (DynamoDB Local). Another process may grab the
 * port between this call and the bind, so callers retry on a bind failure.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
