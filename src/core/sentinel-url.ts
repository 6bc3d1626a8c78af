import { invalidParameter } from './errors.ts';
import type { RedisEndpoint, SentinelSet } from './instance.ts';

export const SENTINEL_DEFAULT_PORT = 26379;
const GRAMMAR =
  'redis-sentinel://[user:password@]host:port[,host:port...]/MASTER_NAME[/db][?sentinel_password=...]';

/** Whether a URL names Sentinels rather than a Redis server. */
export function isSentinelUrl(text: string): boolean {
  return /^rediss?-sentinel:\/\//i.test(text);
}

/**
 * Parses redis-sentinel://[user:password@]host:port[,host:port...]/MASTER_NAME[/db] (rediss-sentinel:// for
 * TLS to the Sentinels and the data nodes). The user and password are the data nodes'; the Sentinels use them
 * too unless `sentinel_password` (and `sentinel_username`) are given in the query. The endpoint returned has
 * the first Sentinel's address as a placeholder until the master is found. Errors never echo the URL.
 */
export function parseSentinelUrl(
  text: string,
  forceTls = false,
): { endpoint: RedisEndpoint; sentinel: SentinelSet } {
  const match = /^(rediss?)-sentinel:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(text);
  if (!match) throw bad(`expected ${GRAMMAR}`);
  const [, scheme, authority = '', path = '', query = ''] = match;
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? '' : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  const colon = userInfo.indexOf(':');
  const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon));
  const password = colon === -1 ? '' : decode(userInfo.slice(colon + 1));
  const nodes = hostList.split(',').map(parseNode);

  const segments = path.replace(/^\//, '').split('/');
  const masterName = decode(segments[0] ?? '');
  if (masterName === '') throw bad(`the master name is missing: ${GRAMMAR}`);
  if (segments.length > 2) throw bad(`expected ${GRAMMAR}`);
  const dbText = segments[1] ?? '';
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) throw bad('the database must be a number.');

  const params = new URLSearchParams(query.replace(/^\?/, ''));
  for (const name of params.keys()) {
    if (name !== 'sentinel_password' && name !== 'sentinel_username') {
      throw bad(
        `unknown parameter ${JSON.stringify(name.slice(0, 40))}: only sentinel_password and sentinel_username.`,
      );
    }
  }
  const sentinelPassword = params.get('sentinel_password') || null;
  const sentinelUsername = params.get('sentinel_username') || null;
  if (sentinelUsername !== null && sentinelPassword === null) {
    throw bad('sentinel_username needs sentinel_password.');
  }
  const first = nodes[0]!;
  return {
    endpoint: {
      host: first.host,
      port: first.port,
      db: dbText === '' ? 0 : Number(dbText),
      username: username === '' ? null : username,
      password: password === '' ? null : password,
      tls: forceTls || scheme!.toLowerCase() === 'rediss',
    },
    sentinel: { nodes, masterName, username: sentinelUsername, password: sentinelPassword },
  };
}

function parseNode(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (!match) throw bad(`each Sentinel must be host:port: ${GRAMMAR}`);
  const port = match[3] === undefined ? SENTINEL_DEFAULT_PORT : Number(match[3]);
  if (port < 1 || port > 65535) throw bad('a Sentinel port is out of range.');
  return { host: (match[1] ?? match[2])!, port };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad('a part of it is not valid percent-encoding.');
  }
}

function bad(detail: string) {
  return invalidParameter('url', `Invalid url in the request: ${detail}`);
}
