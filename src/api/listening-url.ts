import type { Server } from 'node:http';

/**
 * The URL of the address a server listens on, e.g. https://127.0.0.1:8443: the configured host when given
 * (a wildcard address says nothing to a client), the bound one otherwise. Before listen(): localhost.
 */
export function listeningUrl(server: Server, tls: boolean, host?: string): string {
  const scheme = tls ? 'https' : 'http';
  const address = server.address();
  if (address === null || typeof address === 'string') return `${scheme}://localhost`;
  const name = host ?? address.address;
  return `${scheme}://${name.includes(':') ? `[${name}]` : name}:${address.port}`;
}
