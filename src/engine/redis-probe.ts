import { createClient } from 'redis';
import { DomainError } from '../core/errors.ts';
import type { RedisEndpoint } from '../core/instance.ts';
import type { RedisProbe, RedisServerInfo } from '../core/ports.ts';

const CONNECT_TIMEOUT_MS = 5_000;

/** Probes a Redis server with node-redis: connect (and AUTH), PING, INFO server. Never retries. */
export class NodeRedisProbe implements RedisProbe {
  async probe(endpoint: RedisEndpoint): Promise<RedisServerInfo> {
    const where = `${endpoint.host}:${endpoint.port}`;
    const socket = {
      host: endpoint.host,
      port: endpoint.port,
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: false as const,
    };
    const client = createClient({
      socket: endpoint.tls ? { ...socket, tls: true as const, servername: endpoint.host } : socket,
      username: endpoint.username ?? undefined,
      password: endpoint.password ?? undefined,
      database: endpoint.db,
    });
    // Without a listener a failed connection would surface as an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const pong = await client.ping();
      if (pong !== 'PONG') throw new Error(`unexpected reply to PING: ${String(pong)}`);
      const info = await client.info();
      const usedMemory = /^used_memory:(\d+)/m.exec(info)?.[1];
      return {
        engineVersion: parseServerVersion(info),
        usedMemoryBytes: usedMemory ? Number(usedMemory) : null,
      };
    } catch (error) {
      throw new DomainError(
        'redis_unreachable',
        `Cannot use the Redis server at ${where}: ${explain(error)}`,
      );
    } finally {
      client.destroy();
    }
  }
}

/** The server's version from INFO server; Valkey reports its own version beside the Redis-compatible one. */
export function parseServerVersion(info: string): string {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
  return field('valkey_version') ?? field('redis_version') ?? 'unknown';
}

function explain(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/WRONGPASS|invalid (username|password)/i.test(text))
    return 'authentication failed (wrong user or password).';
  if (/NOAUTH/i.test(text)) return 'the server requires a password.';
  if (/ECONNREFUSED/.test(text)) return 'connection refused.';
  if (/timeout/i.test(text)) return 'connection timed out.';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the host name does not resolve.';
  if (/DB index is out of range/i.test(text)) return 'the database number is out of range.';
  // Replies from the server and socket errors never carry the password, so they can be shown as they are.
  return text.replace(/\s+/g, ' ').slice(0, 200);
}
