import { invalidParameter } from './errors.ts';
import type { RedisEndpoint } from './instance.ts';

/**
 * Parses redis://[user:password@]host:port[/db] (rediss:// means TLS). The error never echoes the URL,
 * which may hold a password.
 */
export function parseRedisUrl(text: string, forceTls = false): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter(
      'url',
      'Invalid url in the request: expected redis://[user:password@]host:port[/db].',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw invalidParameter('url', 'Invalid url in the request: the scheme must be redis:// or rediss://.');
  }
  if (!url.hostname) throw invalidParameter('url', 'Invalid url in the request: the host is missing.');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) {
    throw invalidParameter('url', 'Invalid url in the request: the database must be a number.');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
    username: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
    tls: forceTls || url.protocol === 'rediss:',
  };
}
