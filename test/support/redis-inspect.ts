import { authenticate } from '../../src/engine/resp/authenticate.ts';
import { RespConnection } from '../../src/engine/resp/resp-connection.ts';

export interface KeyDump {
  /** The DUMP payload: equal payloads mean equal type, encoding and content. */
  dump: Buffer;
  /** PTTL in ms; -1 without expiry. */
  pttl: number;
}

async function connect(port: number): Promise<RespConnection> {
  const endpoint = { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false };
  const connection = await RespConnection.open(endpoint, 10_000);
  await authenticate(connection, endpoint);
  return connection;
}

/** Every key of every database with its DUMP and PTTL, read over the wire. */
export async function dumpEveryKey(port: number, databases = 16): Promise<Map<string, KeyDump>> {
  const connection = await connect(port);
  const keys = new Map<string, KeyDump>();
  try {
    for (let db = 0; db < databases; db++) {
      await connection.call('SELECT', String(db));
      const names = await connection.call('KEYS', '*');
      if (names.type !== 'array') throw new Error('KEYS failed');
      for (const name of names.value) {
        if (name.type !== 'bulk') continue;
        const dump = await connection.call('DUMP', name.value);
        const pttl = await connection.call('PTTL', name.value);
        if (dump.type !== 'bulk' || pttl.type !== 'integer') throw new Error(`cannot read ${name.value}`);
        keys.set(`${db}/${name.value}`, { dump: Buffer.from(dump.raw), pttl: pttl.value });
      }
    }
  } finally {
    connection.close();
  }
  return keys;
}

/** FUNCTION DUMP of the server (its libraries in one payload), or null when it has none. */
export async function functionDump(port: number): Promise<Buffer | null> {
  const connection = await connect(port);
  try {
    const reply = await connection.call('FUNCTION', 'DUMP');
    return reply.type === 'bulk' ? Buffer.from(reply.raw) : null;
  } finally {
    connection.close();
  }
}

/** Runs one command and returns its reply (tests that set up or poke at a server). */
export async function command(port: number, ...args: string[]) {
  const connection = await connect(port);
  try {
    return await connection.call(...args);
  } finally {
    connection.close();
  }
}
