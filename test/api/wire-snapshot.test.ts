import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { command } from '../support/redis-inspect.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { openWireWorld, WORLD, type Caller, type WireWorld } from '../support/wire-world.ts';

/**
 * What every operation answers today, valid and invalid input alike, byte for byte: the official SDK and the
 * Terraform provider depend on it, so a refactor of the routes must not change a byte unless on purpose.
 * Generated values (ids, request ids, keys, tokens, link signatures, the test server's port and version) are
 * replaced by placeholders; everything else is compared as sent. To record a deliberate change run the file
 * with UPDATE_WIRE_SNAPSHOT=1 and review the diff of test/api/wire-snapshot.json.
 */
const SNAPSHOT = new URL('./wire-snapshot.json', import.meta.url);

interface Exchange {
  name: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const FIXED_IDS = new Set<string>(Object.values(WORLD).filter((v) => typeof v === 'string'));
// Headers every answer has whatever the code (or that carry a fresh value): left out or normalised.
const SKIPPED_HEADERS = new Set(['date', 'connection', 'keep-alive']);

class Normaliser {
  readonly #names = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  /** The same generated value gets the same placeholder everywhere, numbered by first appearance. */
  name(value: string, kind: string): string {
    let name = this.#names.get(value);
    if (name === undefined) {
      const n = (this.#counts.get(kind) ?? 0) + 1;
      this.#counts.set(kind, n);
      name = `<${kind}-${n}>`;
      this.#names.set(value, name);
    }
    return name;
  }

  text(text: string, extra: [string, string][]): string {
    let out = text;
    for (const [value, placeholder] of extra) out = out.split(value).join(placeholder);
    out = out.replace(/"(access_key|secret_key|token)":"([^"]+)"/g, (_m, field: string, value: string) => {
      return `"${field}":"${this.name(value, field.replace('_', '-'))}"`;
    });
    out = out.replace(/signature=[0-9a-f]{64}/g, 'signature=<signature>');
    return out.replace(UUID, (id) => (FIXED_IDS.has(id) ? id : this.name(id, 'id')));
  }
}

describe('the wire output of every operation', () => {
  let world: WireWorld;
  let redis: RedisServer;
  let redisVersion: string;
  const exchanges: Exchange[] = [];
  const normaliser = new Normaliser();
  const placeholders = (): [string, string][] => [
    [`"engine_version":"${redisVersion}"`, '"engine_version":"<redis-version>"'],
    [`:${redis.port}`, ':<redis-port>'],
  ];

  const record = async (
    name: string,
    caller: Caller,
    options: InjectOptions,
  ): Promise<LightMyRequestResponse> => {
    const response = await world.call(caller, options);
    const headers: Record<string, string> = {};
    for (const key of Object.keys(response.headers).sort()) {
      if (SKIPPED_HEADERS.has(key)) continue;
      const value = String(response.headers[key]);
      headers[key] = key === 'x-request-id' ? (UUID.test(value) ? '<request-id>' : value) : value;
      UUID.lastIndex = 0;
    }
    for (const key of Object.keys(headers)) headers[key] = normaliser.text(headers[key]!, placeholders());
    const binary = String(response.headers['content-type'] ?? '').startsWith('application/octet-stream');
    const body = binary ? `hex:${response.rawPayload.toString('hex')}` : response.body;
    exchanges.push({
      name,
      status: response.statusCode,
      headers,
      body: normaliser.text(body, placeholders()),
    });
    return response;
  };

  const json = (payload: unknown) => ({
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const v2 = `/v2/${WORLD.project}/instances`;
  const source = `${v2}/${WORLD.source}`;
  const target = `${v2}/${WORLD.target}`;
  const spare = `${v2}/${WORLD.spare}`;

  before(async () => {
    world = await openWireWorld();
    redis = await startRedisServer();
    const info = String((await command(redis.port, 'INFO', 'server')).value);
    redisVersion = /redis_version:(\S+)/.exec(info)![1]!;
  });
  after(async () => {
    await world.close();
    await redis.stop();
  });

  it('answers as recorded', async () => {
    // ListBackupRecords
    await record('ListBackupRecords', 'operator', { method: 'GET', url: `${source}/backups` });
    await record('ListBackupRecords as a viewer', 'viewer', { method: 'GET', url: `${source}/backups` });
    await record('ListBackupRecords with every filter', 'admin', {
      method: 'GET',
      url: `${source}/backups?begin_time=20261101000000&end_time=20261130000000&limit=2&offset=0&status=succeed,failed&backup_type=manual&backup_format=rdb`,
    });
    await record('ListBackupRecords legacy times', 'admin', {
      method: 'GET',
      url: `${source}/backups?beginTime=20261101000000&endTime=20261118020000`,
    });
    for (const query of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'offset=-1',
      'begin_time=2026',
      'begin_time=20261130000000&end_time=20261101000000',
      'limit=1&limit=2',
      'status=bogus',
      'begin_time=20261101000000&beginTime=20261102000000',
    ]) {
      await record(`ListBackupRecords ?${query}`, 'admin', {
        method: 'GET',
        url: `${source}/backups?${query}`,
      });
    }
    await record('ListBackupRecords bad project id', 'admin', {
      method: 'GET',
      url: `/v2/bad.project/instances/${WORLD.source}/backups`,
    });
    await record('ListBackupRecords bad instance id', 'admin', {
      method: 'GET',
      url: `${v2}/not-a-uuid/backups`,
    });
    await record('ListBackupRecords unknown instance', 'admin', {
      method: 'GET',
      url: `${v2}/${WORLD.unknown}/backups`,
    });
    await record('ListBackupRecords anonymous', 'anonymous', { method: 'GET', url: `${source}/backups` });
    await record('ListBackupRecords other project', 'stranger', { method: 'GET', url: `${source}/backups` });
    await record('ListBackupRecords bad token', 'anonymous', {
      method: 'GET',
      url: `${source}/backups`,
      headers: { 'x-auth-token': 'not-a-token' },
    });

    // CopyInstance
    await record('CopyInstance', 'operator', {
      method: 'POST',
      url: `${source}/backups`,
      ...json({ remark: 'wire' }),
    });
    await record('CopyInstance while one runs', 'admin', {
      method: 'POST',
      url: `${source}/backups`,
      ...json({}),
    });
    // AOF is a supported format: asked while a backup runs, it answers as busy and creates nothing.
    await record('CopyInstance aof', 'admin', {
      method: 'POST',
      url: `${source}/backups`,
      ...json({ backup_format: 'aof' }),
    });
    await record('CopyInstance unknown format', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json({ backup_format: 'zip' }),
    });
    await record('CopyInstance remark not text', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json({ remark: 5 }),
    });
    await record('CopyInstance unknown field', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json({ colour: 'red' }),
    });
    await record('CopyInstance remark too long', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json({ remark: 'x'.repeat(129) }),
    });
    await record('CopyInstance bad JSON', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json('{"remark":'),
    });
    await record('CopyInstance array body', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json('[]'),
    });
    await record('CopyInstance text body', 'admin', {
      method: 'POST',
      url: `${spare}/backups`,
      headers: { 'content-type': 'text/plain' },
      payload: 'remark',
    });
    await record('CopyInstance no body, unknown instance', 'admin', {
      method: 'POST',
      url: `${v2}/${WORLD.unknown}/backups`,
    });
    await record('CopyInstance as a viewer', 'viewer', {
      method: 'POST',
      url: `${spare}/backups`,
      ...json({}),
    });
    await record('CopyInstance bad project and bad body', 'admin', {
      method: 'POST',
      url: `/v2/bad.project/instances/${WORLD.spare}/backups`,
      ...json({ remark: 5 }),
    });

    // ShowBackup
    await record('ShowBackup', 'viewer', { method: 'GET', url: `${source}/backups/${WORLD.backup}` });
    await record('ShowBackup failed', 'admin', {
      method: 'GET',
      url: `${source}/backups/${WORLD.failedBackup}`,
    });
    await record('ShowBackup unknown', 'admin', { method: 'GET', url: `${source}/backups/${WORLD.unknown}` });
    await record('ShowBackup malformed id', 'admin', { method: 'GET', url: `${source}/backups/nope` });
    await record('ShowBackup of another instance', 'admin', {
      method: 'GET',
      url: `${target}/backups/${WORLD.backup}`,
    });

    // VerifyBackup
    await record('VerifyBackup', 'operator', {
      method: 'POST',
      url: `${source}/backups/${WORLD.backup}/verify`,
    });
    await record('VerifyBackup failed backup', 'admin', {
      method: 'POST',
      url: `${source}/backups/${WORLD.failedBackup}/verify`,
    });
    await record('VerifyBackup as a viewer', 'viewer', {
      method: 'POST',
      url: `${source}/backups/${WORLD.backup}/verify`,
    });
    await record('ShowBackup after verify', 'admin', {
      method: 'GET',
      url: `${source}/backups/${WORLD.backup}`,
    });

    // ListBackupFileLinks and DownloadBackupFile
    const links = `${source}/backups/${WORLD.backup}/links`;
    const linked = await record('ListBackupFileLinks', 'operator', {
      method: 'POST',
      url: links,
      ...json({ expiration: 600 }),
    });
    await record('ListBackupFileLinks as a viewer', 'viewer', {
      method: 'POST',
      url: links,
      ...json({ expiration: 300 }),
    });
    for (const [label, payload] of [
      ['too short', { expiration: 10 }],
      ['too long', { expiration: 86_401 }],
      ['as text', { expiration: '600' }],
      ['missing', {}],
      ['extra field', { expiration: 600, bucket: 'x' }],
    ] as const) {
      await record(`ListBackupFileLinks expiration ${label}`, 'admin', {
        method: 'POST',
        url: links,
        ...json(payload),
      });
    }
    await record('ListBackupFileLinks no body', 'admin', { method: 'POST', url: links });
    await record('ListBackupFileLinks failed backup', 'admin', {
      method: 'POST',
      url: `${source}/backups/${WORLD.failedBackup}/links`,
      ...json({ expiration: 600 }),
    });
    const link = new URL(linked.json().links[0].link as string);
    const download = `${link.pathname}${link.search}`;
    await record('DownloadBackupFile', 'anonymous', { method: 'GET', url: download });
    await record('DownloadBackupFile tampered', 'anonymous', {
      method: 'GET',
      // One hex digit changed, whatever it was (the signing key is random).
      url: download.replace(/signature=(.)/, (_m, c: string) => `signature=${c === '0' ? '1' : '0'}`),
    });
    await record('DownloadBackupFile expired', 'anonymous', {
      method: 'GET',
      url: download.replace(/expires=\d+/, 'expires=1000'),
    });
    await record('DownloadBackupFile unsigned', 'anonymous', { method: 'GET', url: link.pathname });
    await record('DownloadBackupFile unknown path', 'anonymous', { method: 'GET', url: '/downloads/x' });

    // RestoreInstance, ListRestoreRecords, ShowRestore
    const restored = await record('RestoreInstance', 'operator', {
      method: 'POST',
      url: `${target}/restores`,
      ...json({ backup_id: WORLD.backup, remark: 'wire restore' }),
    });
    const restoreId = restored.json().restore_id as string;
    await record('RestoreInstance while one runs', 'admin', {
      method: 'POST',
      url: `${target}/restores`,
      ...json({ backup_id: WORLD.backup }),
    });
    for (const [label, payload] of [
      ['malformed backup id', { backup_id: 'x' }],
      ['unknown backup', { backup_id: WORLD.unknown }],
      ['failed backup', { backup_id: WORLD.failedBackup }],
      ['missing backup id', { remark: 'r' }],
      ['backup id not text', { backup_id: 7 }],
      ['extra field', { backup_id: WORLD.backup, into_cluster: true }],
      ['remark too long', { backup_id: WORLD.backup, remark: 'y'.repeat(200) }],
    ] as const) {
      await record(`RestoreInstance ${label}`, 'admin', {
        method: 'POST',
        url: `${spare}/restores`,
        ...json(payload),
      });
    }
    await record('RestoreInstance no body', 'admin', { method: 'POST', url: `${spare}/restores` });
    await record('RestoreInstance as a viewer', 'viewer', {
      method: 'POST',
      url: `${spare}/restores`,
      ...json({ backup_id: WORLD.backup }),
    });
    await record('ListRestoreRecords', 'viewer', { method: 'GET', url: `${target}/restores` });
    await record('ListRestoreRecords window', 'admin', {
      method: 'GET',
      url: `${target}/restores?begin_time=20261120000000&end_time=20261121000000&limit=5&offset=0`,
    });
    await record('ListRestoreRecords bad limit', 'admin', {
      method: 'GET',
      url: `${target}/restores?limit=x`,
    });
    await record('ListRestoreRecords unknown instance', 'admin', {
      method: 'GET',
      url: `${v2}/${WORLD.unknown}/restores`,
    });
    await record('ShowRestore', 'viewer', { method: 'GET', url: `${target}/restores/${restoreId}` });
    await record('ShowRestore unknown', 'admin', {
      method: 'GET',
      url: `${target}/restores/${WORLD.unknown}`,
    });
    await record('ShowRestore malformed', 'admin', { method: 'GET', url: `${target}/restores/zzz` });

    // DeleteBackupFile
    await record('DeleteBackupFile as a viewer', 'viewer', {
      method: 'DELETE',
      url: `${source}/backups/${WORLD.doomedBackup}`,
    });
    await record('DeleteBackupFile', 'operator', {
      method: 'DELETE',
      url: `${source}/backups/${WORLD.doomedBackup}`,
    });
    await record('DeleteBackupFile again', 'admin', {
      method: 'DELETE',
      url: `${source}/backups/${WORLD.doomedBackup}`,
    });
    await record('DeleteBackupFile unknown', 'admin', {
      method: 'DELETE',
      url: `${source}/backups/${WORLD.unknown}`,
    });
    await record('DeleteBackupFile with a JSON content type and no body', 'admin', {
      method: 'DELETE',
      url: `${source}/backups/${WORLD.unknown}`,
      headers: { 'content-type': 'application/json' },
    });

    // UpdateInstance, ShowInstance, ListInstances, CreateInstance
    const policy = {
      backup_type: 'auto',
      save_days: 3,
      periodical_backup_plan: { backup_at: [1, 3, 5], period_type: 'weekly', begin_at: '02:00-03:00' },
    };
    await record('UpdateInstance policy', 'operator', {
      method: 'PUT',
      url: spare,
      ...json({ instance_backup_policy: policy, name: 'spare', description: 'kept' }),
    });
    await record('UpdateInstance legacy fields', 'admin', {
      method: 'PUT',
      url: target,
      ...json({ backup_type: 'auto', save_days: 2, begin_at: '03:00-04:00', backup_at: [2, 4] }),
    });
    await record('UpdateInstance manual', 'admin', {
      method: 'PUT',
      url: source,
      ...json({ instance_backup_policy: { backup_type: 'manual' } }),
    });
    for (const [label, body] of [
      ['save_days as text', { instance_backup_policy: { ...policy, save_days: '3' } }],
      ['save_days too many', { instance_backup_policy: { ...policy, save_days: 30 } }],
      ['backup_type', { instance_backup_policy: { ...policy, backup_type: 'hourly' } }],
      [
        'period_type',
        {
          instance_backup_policy: {
            ...policy,
            periodical_backup_plan: { ...policy.periodical_backup_plan, period_type: 'daily' },
          },
        },
      ],
      [
        'backup_at',
        {
          instance_backup_policy: {
            ...policy,
            periodical_backup_plan: { ...policy.periodical_backup_plan, backup_at: [0] },
          },
        },
      ],
      [
        'begin_at',
        {
          instance_backup_policy: {
            ...policy,
            periodical_backup_plan: { ...policy.periodical_backup_plan, begin_at: '2:00' },
          },
        },
      ],
      [
        'timezone_offset',
        {
          instance_backup_policy: {
            ...policy,
            periodical_backup_plan: { ...policy.periodical_backup_plan, timezone_offset: '+25:00' },
          },
        },
      ],
      ['keep_last', { instance_backup_policy: { ...policy, keep_last: 0 } }],
      ['unknown policy field', { instance_backup_policy: { ...policy, colour: 1 } }],
      ['unknown field', { colour: 1 }],
      ['rename', { name: 'renamed' }],
      ['name not text', { name: 3 }],
      ['policy not an object', { instance_backup_policy: 'auto' }],
    ] as const) {
      await record(`UpdateInstance ${label}`, 'admin', { method: 'PUT', url: spare, ...json(body) });
    }
    await record('UpdateInstance no body', 'admin', { method: 'PUT', url: spare });
    await record('UpdateInstance null body', 'admin', { method: 'PUT', url: spare, ...json('null') });
    await record('UpdateInstance unknown instance', 'admin', {
      method: 'PUT',
      url: `${v2}/${WORLD.unknown}`,
      ...json({ instance_backup_policy: policy }),
    });
    await record('UpdateInstance as a viewer', 'viewer', {
      method: 'PUT',
      url: spare,
      ...json({ instance_backup_policy: policy }),
    });
    await record('ShowInstance with a policy', 'viewer', { method: 'GET', url: spare });
    await record('ShowInstance', 'admin', { method: 'GET', url: target });
    await record('ShowInstance unknown', 'admin', { method: 'GET', url: `${v2}/${WORLD.unknown}` });
    await record('ShowInstance malformed', 'admin', { method: 'GET', url: `${v2}/bad` });
    // ShowInstanceKeyspace (its live answers, which depend on a Redis server, are in instance-keyspace.test.ts)
    await record('ShowInstanceKeyspace unknown', 'viewer', {
      method: 'GET',
      url: `${v2}/${WORLD.unknown}/keyspace`,
    });
    await record('ShowInstanceKeyspace malformed', 'admin', { method: 'GET', url: `${v2}/bad/keyspace` });
    await record('ListInstances', 'viewer', { method: 'GET', url: v2 });
    await record('ListInstances other project', 'admin', {
      method: 'GET',
      url: `/v2/${WORLD.otherProject}/instances`,
    });
    await record('ListInstances bad project', 'admin', { method: 'GET', url: `/v2/bad.project/instances` });
    await record('CreateInstance', 'admin', { method: 'POST', url: v2, ...json({ name: 'new' }) });
    await record('CreateInstance bad project', 'admin', { method: 'POST', url: '/v2/bad.project/instances' });
    await record('CreateInstance as a viewer', 'viewer', { method: 'POST', url: v2, ...json({}) });

    // The admin API
    const attachBody = {
      project_id: WORLD.project,
      name: 'wire-attached',
      url: `redis://127.0.0.1:${redis.port}`,
    };
    const attached = await record('AttachInstance', 'admin', {
      method: 'POST',
      url: '/admin/v1/instances',
      ...json(attachBody),
    });
    const attachedId = attached.json().instance_id as string;
    for (const [label, body] of [
      ['missing url', { project_id: WORLD.project, name: 'x' }],
      ['bad type', { ...attachBody, type: 'huge' }],
      ['tls not boolean', { ...attachBody, tls: 'yes' }],
      ['empty password', { ...attachBody, password: '' }],
      ['password twice', { ...attachBody, url: `redis://:pw@127.0.0.1:${redis.port}`, password: 'pw' }],
      ['bad url', { ...attachBody, url: 'http://example.test' }],
      ['bad project', { ...attachBody, project_id: 'bad.project' }],
    ] as const) {
      await record(`AttachInstance ${label}`, 'admin', {
        method: 'POST',
        url: '/admin/v1/instances',
        ...json(body),
      });
    }
    await record('AttachInstance no body', 'admin', { method: 'POST', url: '/admin/v1/instances' });
    await record('AttachInstance as an operator', 'operator', {
      method: 'POST',
      url: '/admin/v1/instances',
      ...json(attachBody),
    });
    await record('ListAllInstances', 'admin', { method: 'GET', url: '/admin/v1/instances' });
    await record('ListAllInstances of a project', 'admin', {
      method: 'GET',
      url: `/admin/v1/instances?project_id=${WORLD.otherProject}`,
    });
    await record('ListAllInstances bad project', 'admin', {
      method: 'GET',
      url: '/admin/v1/instances?project_id=a.b',
    });
    await record('ListAllInstances as a viewer', 'viewer', { method: 'GET', url: '/admin/v1/instances' });
    await record('ShowAdminInstance', 'admin', { method: 'GET', url: `/admin/v1/instances/${attachedId}` });
    await record('ShowAdminInstance unknown', 'admin', {
      method: 'GET',
      url: `/admin/v1/instances/${WORLD.unknown}`,
    });
    await record('ShowAdminInstance malformed', 'admin', { method: 'GET', url: '/admin/v1/instances/abc' });
    await record('DetachInstance force not boolean', 'admin', {
      method: 'DELETE',
      url: `/admin/v1/instances/${attachedId}?force=maybe`,
    });
    await record('DetachInstance with backups', 'admin', {
      method: 'DELETE',
      url: `/admin/v1/instances/${WORLD.source}`,
    });
    await record('DetachInstance', 'admin', { method: 'DELETE', url: `/admin/v1/instances/${attachedId}` });
    await record('DetachInstance unknown', 'admin', {
      method: 'DELETE',
      url: `/admin/v1/instances/${WORLD.unknown}`,
    });

    const made = await record('CreateCredential', 'admin', {
      method: 'POST',
      url: '/admin/v1/credentials',
      ...json({ role: 'viewer', project_id: WORLD.project, description: 'dashboards' }),
    });
    for (const [label, body] of [
      ['unknown role', { role: 'root' }],
      ['admin with a project', { role: 'admin', project_id: WORLD.project }],
      ['viewer without a project', { role: 'viewer' }],
      ['description too long', { role: 'viewer', project_id: WORLD.project, description: 'd'.repeat(256) }],
      ['missing role', {}],
    ] as const) {
      await record(`CreateCredential ${label}`, 'admin', {
        method: 'POST',
        url: '/admin/v1/credentials',
        ...json(body),
      });
    }
    await record('ListCredentials', 'admin', { method: 'GET', url: '/admin/v1/credentials' });
    await record('ListCredentials as an operator', 'operator', {
      method: 'GET',
      url: '/admin/v1/credentials',
    });
    await record('RevokeCredential', 'admin', {
      method: 'DELETE',
      url: `/admin/v1/credentials/${made.json().access_key as string}`,
    });
    await record('RevokeCredential again', 'admin', {
      method: 'DELETE',
      url: `/admin/v1/credentials/${made.json().access_key as string}`,
    });
    await record('ListNodes', 'admin', { method: 'GET', url: '/admin/v1/nodes' });
    await record('ListNodes as a viewer', 'viewer', { method: 'GET', url: '/admin/v1/nodes' });

    await record('CreateToken', 'signed-admin', {
      method: 'POST',
      url: '/auth/v1/tokens',
      ...json({ ttl_seconds: 600 }),
    });
    await record('CreateToken no body', 'signed-admin', { method: 'POST', url: '/auth/v1/tokens' });
    await record('CreateToken ttl too short', 'signed-admin', {
      method: 'POST',
      url: '/auth/v1/tokens',
      ...json({ ttl_seconds: 5 }),
    });
    await record('CreateToken with a token', 'viewer', {
      method: 'POST',
      url: '/auth/v1/tokens',
      ...json({}),
    });

    // Neither a route nor a method
    await record('unknown path', 'admin', { method: 'GET', url: '/v2/project-a/volumes' });
    await record('unknown path anonymous', 'anonymous', { method: 'GET', url: '/nothing' });
    await record('unknown method', 'admin', { method: 'PATCH', url: `${source}/backups` });
    await record('HEAD of a listing', 'admin', { method: 'HEAD', url: `${source}/backups` });

    if (process.env.UPDATE_WIRE_SNAPSHOT === '1') {
      fs.writeFileSync(SNAPSHOT, `${JSON.stringify(exchanges, null, 1)}\n`);
      return;
    }
    const expected = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')) as Exchange[];
    assert.deepEqual(
      exchanges.map((e) => e.name),
      expected.map((e) => e.name),
      'the same exchanges, in the same order',
    );
    // Every exchange that differs, named, then the first difference in full.
    const differing = exchanges.filter((exchange, i) => !isDeepStrictEqual(exchange, expected[i]));
    assert.deepEqual(
      differing.map((e) => e.name),
      [],
      'exchanges that changed (run with UPDATE_WIRE_SNAPSHOT=1 to record them on purpose)',
    );
  });
});
