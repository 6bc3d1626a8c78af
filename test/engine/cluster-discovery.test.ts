import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readClusterShards } from '../../src/engine/cluster-discovery.ts';
import type { RespConnection, RespReply } from '../../src/engine/resp/resp-connection.ts';

const bulk = (value: string): RespReply => ({ type: 'bulk', value, raw: Buffer.from(value) });
const int = (value: number): RespReply => ({ type: 'integer', value });
const arr = (...value: RespReply[]): RespReply => ({ type: 'array', value });
const reached = { host: '10.0.0.9', port: 7000, db: 0, username: null, password: null, tls: false };

/** Answers CLUSTER subcommands as scripted: the parsing of real servers' replies is what is under test. */
function answering(replies: Record<string, RespReply>): RespConnection {
  return {
    call: async (...parts: string[]) => replies[parts.slice(0, 2).join(' ').toUpperCase()]!,
  } as unknown as RespConnection;
}

describe('reading a cluster topology', () => {
  it('falls back to CLUSTER SLOTS (Redis 6), grouping ranges by master and filling empty addresses', async () => {
    const connection = answering({
      'CLUSTER SHARDS': { type: 'error', value: "ERR unknown subcommand 'SHARDS'." },
      'CLUSTER SLOTS': arr(
        arr(
          int(10923),
          int(16383),
          arr(bulk('10.0.0.3'), int(7002), bulk('c')),
          arr(bulk('10.0.0.6'), int(7005), bulk('f')),
        ),
        arr(int(0), int(5460), arr(bulk(''), int(7000), bulk('a'))),
        arr(int(5461), int(10922), arr(bulk('10.0.0.2'), int(7001), bulk('b'))),
        arr(int(5460), int(5460), arr(bulk(''), int(7000), bulk('a'))),
      ),
    });
    const shards = await readClusterShards(connection, reached);
    assert.deepEqual(
      shards.map((s) => [s.master.id, s.master.host, s.slots, s.replicas.map((r) => r.port)]),
      [
        [
          'a',
          '10.0.0.9',
          [
            [0, 5460],
            [5460, 5460],
          ],
          [],
        ],
        ['b', '10.0.0.2', [[5461, 10922]], []],
        ['c', '10.0.0.3', [[10923, 16383]], [7005]],
      ],
    );
  });

  it('reads CLUSTER SHARDS: slot pairs, roles, health, and TLS ports', async () => {
    const node = (id: string, role: string, health: string, port: [string, number]) =>
      arr(
        bulk('id'),
        bulk(id),
        bulk(port[0]),
        int(port[1]),
        bulk('ip'),
        bulk('10.0.0.1'),
        bulk('role'),
        bulk(role),
        bulk('health'),
        bulk(health),
      );
    const connection = answering({
      'CLUSTER SHARDS': arr(
        arr(
          bulk('slots'),
          arr(int(8000), int(16383)),
          bulk('nodes'),
          arr(node('m2', 'master', 'online', ['port', 7001])),
        ),
        arr(
          bulk('slots'),
          arr(int(0), int(99), int(100), int(7999)),
          bulk('nodes'),
          arr(
            node('r1', 'replica', 'failed', ['tls-port', 7104]),
            node('m1', 'master', 'online', ['tls-port', 7100]),
          ),
        ),
        // A shard that lost its master serves nothing.
        arr(bulk('slots'), arr(), bulk('nodes'), arr(node('r9', 'replica', 'online', ['port', 7009]))),
      ),
    });
    const shards = await readClusterShards(connection, reached);
    assert.equal(shards.length, 2);
    assert.deepEqual(shards[0]!.slots, [
      [0, 99],
      [100, 7999],
    ]);
    assert.deepEqual(shards[0]!.master, { id: 'm1', host: '10.0.0.1', port: 7100, healthy: true });
    assert.deepEqual(shards[0]!.replicas, [{ id: 'r1', host: '10.0.0.1', port: 7104, healthy: false }]);
    assert.equal(shards[1]!.master.id, 'm2');
  });
});
