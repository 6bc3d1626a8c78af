import { authenticate } from '../../src/engine/resp/authenticate.ts';
import { RespConnection, type RespReply } from '../../src/engine/resp/resp-connection.ts';

/** One key as a client sees it, whatever the encoding or RDB version behind it. */
export interface KeyContent {
  type: string;
  value: unknown;
  /** PEXPIRETIME: the absolute expiry in unix ms; -1 without. */
  pttl: number;
  /** Per hash field: its HPEXPIRETIME (-1 without), when the server has field expiry. */
  fieldTtls?: Record<string, number>;
}

export interface ServerContent {
  /** "db/key" → content. */
  keys: Map<string, KeyContent>;
  functions: string[];
}

export interface Session {
  call(...args: string[]): Promise<RespReply>;
  close(): void;
}

/** A connection whose calls throw on an error reply, for filling and reading test servers. */
export async function openSession(port: number): Promise<Session> {
  const endpoint = { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false };
  const connection = await RespConnection.open(endpoint, 10_000);
  await authenticate(connection, endpoint);
  return {
    async call(...args: string[]) {
      const reply = await connection.call(...args);
      if (reply.type === 'error') throw new Error(`${args.slice(0, 3).join(' ')}: ${reply.value}`);
      return reply;
    },
    close: () => connection.close(),
  };
}

/** A reply as plain data: bulk strings as text, arrays as arrays. */
export function plain(reply: RespReply): unknown {
  if (reply.type === 'array') return reply.value.map(plain);
  return reply.value;
}

/** A flat [name, value, name, value…] reply (XINFO) as an object. */
function record(reply: RespReply): Record<string, unknown> {
  const items = plain(reply) as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < items.length; i += 2) out[String(items[i])] = items[i + 1];
  return out;
}

async function streamContent(session: Session, key: string): Promise<unknown> {
  const info = record(await session.call('XINFO', 'STREAM', key));
  const groups = [];
  for (const group of (await session.call('XINFO', 'GROUPS', key)).value as RespReply[]) {
    const g = record(group);
    const name = String(g.name);
    const consumers = ((await session.call('XINFO', 'CONSUMERS', key, name)).value as RespReply[])
      .map(record)
      .map((c) => ({ name: c.name, pending: c.pending }));
    const pending = (plain(await session.call('XPENDING', key, name, '-', '+', '1000')) as unknown[][]).map(
      ([id, consumer, , count]) => ({ id, consumer, count }),
    );
    groups.push({
      name,
      lastDeliveredId: g['last-delivered-id'],
      entriesRead: g['entries-read'] ?? null,
      consumers,
      pending,
    });
  }
  return {
    entries: plain(await session.call('XRANGE', key, '-', '+')),
    length: info.length,
    lastGeneratedId: info['last-generated-id'],
    groups,
  };
}

function scoreOf(text: string): number {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

async function valueOf(session: Session, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return plain(await session.call('GET', key));
    case 'list':
      return plain(await session.call('LRANGE', key, '0', '-1'));
    case 'set':
      return (plain(await session.call('SMEMBERS', key)) as string[]).sort();
    case 'zset': {
      // Scores as numbers: versions print the same double differently ("0.2857142857142857" or "…570").
      const flat = plain(await session.call('ZRANGE', key, '0', '-1', 'WITHSCORES')) as string[];
      const entries: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, scoreOf(flat[i + 1]!)]);
      return entries;
    }
    case 'hash': {
      const flat = plain(await session.call('HGETALL', key)) as string[];
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    case 'stream':
      return streamContent(session, key);
    default:
      throw new Error(`key ${key} has type ${type}, which this reader does not compare`);
  }
}

/** One key of the selected database as content: type, value and absolute expiry. */
export async function keyContent(session: Session, name: string): Promise<KeyContent> {
  const type = String(plain(await session.call('TYPE', name)));
  return {
    type,
    value: await valueOf(session, name, type),
    pttl: Number(plain(await session.call('PEXPIRETIME', name))),
  };
}

/**
 * Every key of every database as content (type, value, TTL, and field TTLs where the server has them), and the
 * function libraries: what must be equal after a restore, across versions and encodings.
 */
export async function contentOf(port: number, options: { fieldExpiry: boolean }): Promise<ServerContent> {
  const session = await openSession(port);
  const keys = new Map<string, KeyContent>();
  try {
    for (let db = 0; db < 16; db++) {
      await session.call('SELECT', String(db));
      for (const name of plain(await session.call('KEYS', '*')) as string[]) {
        const content = await keyContent(session, name);
        const { type } = content;
        if (type === 'hash' && options.fieldExpiry) {
          const fields = Object.keys(content.value as object);
          const ttls = plain(
            await session.call('HPEXPIRETIME', name, 'FIELDS', String(fields.length), ...fields),
          ) as number[];
          content.fieldTtls = Object.fromEntries(fields.map((f, i) => [f, Number(ttls[i])]));
        }
        keys.set(`${db}/${name}`, content);
      }
    }
    const libraries = plain(await session.call('FUNCTION', 'LIST')) as unknown[][];
    const functions = libraries.map((lib) => String(lib[lib.indexOf('library_name') + 1])).sort();
    return { keys, functions };
  } finally {
    session.close();
  }
}
