import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { asAdmin, ManualClock, testDeps } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { createCluster } from 'redis';
import { startRedisCluster, totalKeys, type RedisCluster } from '../support/redis-cluster.ts';
import { redisCli } from '../support/redis-data.ts';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PASSWORD = 'pw-Keyspace-77-never-shown';
const NOW = Date.UTC(2026, 10, 20, 3, 0, 0);

interface KeyspaceWire {
  instance_id: string;
  key_count: number | null;
  databases: { db: number; keys: number }[] | null;
  masters_read: number;
  read_at: string;
  unavailable_reason: string | null;
}

/** DBSIZE of each database 0–15 that has keys, asked of the server by redis-cli: the test's own count. */
async function dbsizes(port: number, password?: string): Promise<{ db: number; keys: number }[]> {
  const sizes: { db: number; keys: number }[] = [];
  for (let db = 0; db < 16; db++) {
    const auth = password ? { password } : undefined;
    const keys = Number(await redisCli(port, ['-n', String(db), 'DBSIZE'], auth));
    if (keys > 0) sizes.push({ db, keys });
  }
  return sizes;
}

describe('ShowInstanceKeyspace: the keys an instance holds now, read live', () => {
  const [sqlite] = STORE_KINDS;
  let opened: OpenedStore;
  let app: FastifyInstance;
  let raw: FastifyInstance;
  let guarded: RedisServer;
  let silent: net.Server;
  let viewerToken: string;
  const deps = { current: undefined as ReturnType<typeof testDeps> | undefined };

  const attach = async (name: string, url: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: { project_id: 'proj-k', name, url, type: 'master_standby' },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().instance_id as string;
  };
  const keyspaceOf = async (instanceId: string, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'GET',
      url: `/v2/proj-k/instances/${instanceId}/keyspace`,
      headers,
    });
    return { status: response.statusCode, body: response.body, wire: response.json() as KeyspaceWire };
  };

  before(async () => {
    guarded = await startRedisServer(['--requirepass', PASSWORD]);
    // Accepts connections and never answers: a server hung, or a firewall that lets the handshake through.
    silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    opened = await sqlite!.open();
    deps.current = testDeps(opened.store, new ManualClock(NOW));
    raw = await buildApp(deps.current);
    app = await asAdmin(raw, deps.current);
    const viewer = await createCredential(deps.current, {
      role: 'viewer',
      projectId: 'proj-k',
      description: '',
    });
    viewerToken = deps.current.tokens.issue(viewer.accessKey, NOW + 3_600_000);
  });

  after(async () => {
    await app.close();
    await opened.dispose();
    await guarded.stop();
    silent.close();
  });

  it('counts the keys of every database as DBSIZE does, with AUTH, for a viewer too', async () => {
    const id = await attach('guarded', `redis://:${PASSWORD}@127.0.0.1:${guarded.port}/2`);
    for (let i = 0; i < 5; i++) await redisCli(guarded.port, ['SET', `a:${i}`, 'x'], { password: PASSWORD });
    for (let i = 0; i < 3; i++) {
      await redisCli(guarded.port, ['-n', '4', 'SET', `b:${i}`, 'x'], { password: PASSWORD });
    }
    await redisCli(guarded.port, ['-n', '2', 'SET', 'c', 'x'], { password: PASSWORD });
    const expected = await dbsizes(guarded.port, PASSWORD);
    assert.deepEqual(expected, [
      { db: 0, keys: 5 },
      { db: 2, keys: 1 },
      { db: 4, keys: 3 },
    ]);

    const { status, wire, body } = await keyspaceOf(id, { 'x-auth-token': viewerToken });
    assert.equal(status, 200, body);
    assert.deepEqual(wire, {
      instance_id: id,
      key_count: 9,
      databases: expected,
      masters_read: 1,
      read_at: '2026-11-20T03:00:00.000Z',
      unavailable_reason: null,
    });
    assert.doesNotMatch(body, new RegExp(PASSWORD));

    // Live: a key written now is in the next answer.
    await redisCli(guarded.port, ['SET', 'a:new', 'x'], { password: PASSWORD });
    assert.equal((await keyspaceOf(id)).wire.key_count, 10);
  });

  it('answers 200 with a null count and the reason when the server refuses the connection, never the password', async () => {
    const port = await freePort();
    const instance = makeInstance({
      projectId: 'proj-k',
      name: 'gone',
      endpoint: { host: '127.0.0.1', port, db: 0, username: null, password: PASSWORD, tls: false },
    });
    await opened.store.instances.insert(instance);
    const { status, wire, body } = await keyspaceOf(instance.id);
    assert.equal(status, 200, body);
    assert.equal(wire.key_count, null);
    assert.equal(wire.databases, null);
    assert.equal(wire.masters_read, 0);
    assert.match(wire.unavailable_reason!, new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`));
    assert.doesNotMatch(body, new RegExp(PASSWORD));
  });

  it('gives up on a server that accepts and never answers, with the reason', async () => {
    const { port } = silent.address() as net.AddressInfo;
    const instance = makeInstance({
      projectId: 'proj-k',
      name: 'hung',
      type: 'single',
      endpoint: { host: '127.0.0.1', port, db: 0, username: null, password: PASSWORD, tls: false },
    });
    await opened.store.instances.insert(instance);
    const { status, wire, body } = await keyspaceOf(instance.id);
    assert.equal(status, 200, body);
    assert.equal(wire.key_count, null);
    assert.match(wire.unavailable_reason!, /timed out|no answer within/);
    assert.doesNotMatch(body, new RegExp(PASSWORD));
  });

  it('answers an unknown, foreign or malformed instance as ShowInstance does, and refuses without credentials', async () => {
    const unknown = await keyspaceOf('0b5b3f7e-1d1e-4c43-9d0a-6f5a1b2c3d4e');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.wire as unknown as { error_code: string }).error_code, 'DCS.3022');
    const foreign = makeInstance({ projectId: 'proj-other', name: 'elsewhere' });
    await opened.store.instances.insert(foreign);
    const other = await keyspaceOf(foreign.id, { 'x-auth-token': viewerToken });
    assert.equal(other.status, 404, 'an instance of another project answers as a missing one');
    assert.equal((other.wire as unknown as { error_code: string }).error_code, 'DCS.3022');
    const malformed = await keyspaceOf('not-a-uuid');
    assert.equal(malformed.status, 400);
    assert.equal((malformed.wire as unknown as { error_code: string }).error_code, 'DCS.4061');
    const anonymous = await raw.inject({ method: 'GET', url: `/v2/proj-k/instances/${foreign.id}/keyspace` });
    assert.equal(anonymous.statusCode, 401, anonymous.body);
  });

  describe('a cluster', () => {
    let cluster: RedisCluster;

    before(async () => {
      // Masters only: fillCluster waits for replicas, and the replicas' keys must not be counted anyway.
      cluster = await startRedisCluster(3, 0);
      const client = createCluster({
        rootNodes: [{ socket: { host: '127.0.0.1', port: cluster.nodes[0]!.port } }],
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await Promise.all(Array.from({ length: 300 }, (_, i) => client.set(`key:${i}`, String(i))));
      } finally {
        client.destroy();
      }
    });
    after(async () => {
      await cluster?.stop();
    });

    it('sums the keys over its masters, each of which holds only its own slots', async () => {
      const masters = await cluster.masterPorts();
      const perMaster = await Promise.all(masters.map((port) => totalKeys([port])));
      assert.ok(
        perMaster.every((keys) => keys > 0),
        'every master holds some of the keys',
      );
      const id = await attach('sharded', `redis://127.0.0.1:${cluster.nodes[0]!.port}`);
      const { wire, body } = await keyspaceOf(id);
      assert.equal(wire.unavailable_reason, null, body);
      assert.equal(wire.masters_read, 3);
      assert.equal(wire.key_count, 300);
      assert.equal(wire.key_count, await totalKeys(masters));
      assert.ok(wire.key_count! > perMaster[0]!, 'more than the node attached holds');
      assert.deepEqual(wire.databases, [{ db: 0, keys: wire.key_count }]);
    });
  });
});
