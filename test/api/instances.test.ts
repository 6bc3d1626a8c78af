import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { asAdmin, ManualClock, testDeps } from '../support/app.ts';
import { makeBackup } from '../support/records.ts';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PASSWORD = 'pw-Zq81-never-shown';
const ACL_PASSWORD = 'acl-Kx55-never-shown';
const ATTACHED_AT = Date.UTC(2024, 5, 1, 9, 30, 0, 250);

describe('attached Redis servers', () => {
  let open: RedisServer;
  let protectedServer: RedisServer;

  before(async () => {
    open = await startRedisServer();
    protectedServer = await startRedisServer([
      '--requirepass',
      PASSWORD,
      '--user',
      'backup',
      'on',
      `>${ACL_PASSWORD}`,
      '~*',
      '+@all',
    ]);
  });

  after(async () => {
    await open.stop();
    await protectedServer.stop();
  });

  for (const kind of STORE_KINDS) {
    describe(`on ${kind.name}`, () => {
      let opened: OpenedStore;
      let app: FastifyInstance;
      const logLines: string[] = [];

      before(async () => {
        opened = await kind.open();
        const logger = pino(
          { level: 'trace' },
          new Writable({
            write(chunk, _encoding, done) {
              logLines.push(String(chunk));
              done();
            },
          }),
        );
        const deps = testDeps(opened.store, new ManualClock(ATTACHED_AT));
        app = await asAdmin(await buildApp(deps, { logger }), deps);
      });

      after(async () => {
        await app.close();
        await opened.dispose();
      });

      const attach = (body: unknown) =>
        app.inject({ method: 'POST', url: '/admin/v1/instances', payload: body as object });

      it('attaches a server without a password and shows it through the DCS instance API', async () => {
        const response = await attach({
          project_id: 'proj-1',
          name: 'plain',
          url: `redis://127.0.0.1:${open.port}`,
        });
        assert.equal(response.statusCode, 201);
        const created = response.json();
        assert.match(
          created.instance_id,
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        assert.match(created.engine_version, /^\d+\.\d+\.\d+$/);

        const shown = await app.inject({ method: 'GET', url: `/v2/proj-1/instances/${created.instance_id}` });
        assert.equal(shown.statusCode, 200);
        const wire = shown.json();
        assert.equal(wire.instance_id, created.instance_id);
        assert.equal(wire.name, 'plain');
        assert.equal(wire.engine, 'Redis');
        assert.equal(wire.engine_version, created.engine_version);
        assert.equal(wire.ip, '127.0.0.1');
        assert.equal(wire.port, open.port);
        assert.equal(wire.status, 'RUNNING');
        assert.equal(wire.instance_backup_policy, null);
        assert.equal(wire.created_at, '2024-06-01T09:30:00.250Z');
        assert.equal(wire.no_password_access, 'true');
      });

      it('attaches with a password and with an ACL user, and never shows either password', async () => {
        const withPassword = await attach({
          project_id: 'proj-1',
          name: 'guarded',
          url: `redis://:${PASSWORD}@127.0.0.1:${protectedServer.port}/2`,
          type: 'master_standby',
        });
        assert.equal(withPassword.statusCode, 201, withPassword.body);
        const withUser = await attach({
          project_id: 'proj-1',
          name: 'acl',
          url: `redis://backup:${ACL_PASSWORD}@127.0.0.1:${protectedServer.port}`,
        });
        assert.equal(withUser.statusCode, 201, withUser.body);
        assert.equal(withUser.json().access_user, 'backup');
        assert.equal(withUser.json().url, `redis://backup@127.0.0.1:${protectedServer.port}/0`);

        const everything = [
          withPassword.body,
          withUser.body,
          (await app.inject({ method: 'GET', url: '/v2/proj-1/instances' })).body,
          (await app.inject({ method: 'GET', url: '/admin/v1/instances' })).body,
          (
            await app.inject({
              method: 'GET',
              url: `/v2/proj-1/instances/${withPassword.json().instance_id}`,
            })
          ).body,
          (await app.inject({ method: 'GET', url: `/admin/v1/instances/${withUser.json().instance_id}` }))
            .body,
          logLines.join(''),
        ].join('\n');
        assert.ok(logLines.length > 0, 'the app logged nothing, so the log check proves nothing');
        assert.ok(!everything.includes(PASSWORD), 'the password leaked');
        assert.ok(!everything.includes(ACL_PASSWORD), 'the ACL password leaked');
        const list = JSON.parse((await app.inject({ method: 'GET', url: '/v2/proj-1/instances' })).body);
        assert.equal(list.instance_num, 3);
        assert.equal(
          list.instances.find((i: { name: string }) => i.name === 'guarded').no_password_access,
          'false',
        );
      });

      it('refuses a wrong password, a missing password and an unreachable server with a clear message', async () => {
        const cases: [string, RegExp][] = [
          [`redis://:wrong-Pp11@127.0.0.1:${protectedServer.port}`, /authentication failed/],
          [`redis://backup:wrong-Pp11@127.0.0.1:${protectedServer.port}`, /authentication failed/],
          [`redis://127.0.0.1:${protectedServer.port}`, /requires a password/],
          [`redis://127.0.0.1:${await freePort()}`, /connection refused/],
          [`redis://127.0.0.1:${open.port}/99`, /database number is out of range/],
        ];
        for (const [url, message] of cases) {
          const response = await attach({ project_id: 'proj-1', name: 'nope', url });
          assert.equal(response.statusCode, 400, url);
          assert.equal(response.json().error_code, 'DCS.4901');
          assert.match(response.json().error_msg, message);
          assert.ok(!response.body.includes('wrong-Pp11'));
        }
        assert.ok(!logLines.join('').includes('wrong-Pp11'));
      });

      it('refuses malformed attach requests with DCS-shaped 400s', async () => {
        const cases: [unknown, string, RegExp][] = [
          [{ project_id: 'proj-1', name: 'x', url: 'http://127.0.0.1:1' }, 'DCS.4800', /url/],
          [{ project_id: 'proj-1', name: 'x', url: 'not a url' }, 'DCS.4800', /url/],
          [{ project_id: 'proj 1', name: 'x', url: `redis://127.0.0.1:${open.port}` }, 'DCS.4002', /project/],
          [{ project_id: 'proj-1', name: '', url: `redis://127.0.0.1:${open.port}` }, 'DCS.4800', /name/],
          [{ project_id: 'proj-1', url: `redis://127.0.0.1:${open.port}` }, 'DCS.4800', /name/],
          [{ project_id: 'proj-1', name: 'x', url: 'redis://h:1', colour: 'red' }, 'DCS.4800', /colour/],
          [{ project_id: 'proj-1', name: 'x', url: 'redis://h:1', type: 'sharded' }, 'DCS.4800', /type/],
          [{ project_id: 'proj-1', name: 'x', url: 'redis://h:1', tls: 'yes' }, 'DCS.4800', /tls/],
        ];
        for (const [body, code, message] of cases) {
          const response = await attach(body);
          assert.equal(response.statusCode, 400, JSON.stringify(body));
          assert.equal(response.json().error_code, code, JSON.stringify(body));
          assert.match(response.json().error_msg, message);
        }
        const notJson = await app.inject({
          method: 'POST',
          url: '/admin/v1/instances',
          headers: { 'content-type': 'application/json' },
          payload: '{"project_id":',
        });
        assert.equal(notJson.statusCode, 400);
        assert.equal(notJson.json().error_code, 'DCS.4005');
        const empty = await app.inject({
          method: 'POST',
          url: '/admin/v1/instances',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(empty.statusCode, 400);
        assert.equal(empty.json().error_code, 'DCS.4004');
      });

      it('hides instances of other projects behind DCS.3022', async () => {
        const created = (
          await attach({ project_id: 'proj-2', name: 'theirs', url: `redis://127.0.0.1:${open.port}` })
        ).json();
        const foreign = await app.inject({
          method: 'GET',
          url: `/v2/proj-1/instances/${created.instance_id}`,
        });
        assert.equal(foreign.statusCode, 404);
        assert.equal(foreign.json().error_code, 'DCS.3022');
        const list = (await app.inject({ method: 'GET', url: '/v2/proj-1/instances' })).json();
        assert.ok(
          list.instances.every((i: { instance_id: string }) => i.instance_id !== created.instance_id),
        );
        const adminFiltered = (
          await app.inject({ method: 'GET', url: '/admin/v1/instances?project_id=proj-2' })
        ).json();
        assert.deepEqual(
          adminFiltered.instances.map((i: { instance_id: string }) => i.instance_id),
          [created.instance_id],
        );
      });

      it('answers DCS provisioning with a clear "not supported"', async () => {
        const response = await app.inject({
          method: 'POST',
          url: '/v2/proj-1/instances',
          payload: { name: 'x' },
        });
        assert.equal(response.statusCode, 400);
        assert.equal(response.json().error_code, 'DCS.4902');
        assert.match(response.json().error_msg, /not supported.*attach/s);
      });

      it('detaches only when no backup holds data, unless forced', async () => {
        const created = (
          await attach({ project_id: 'proj-1', name: 'leaving', url: `redis://127.0.0.1:${open.port}` })
        ).json();
        await opened.store.backups.insert(makeBackup(created.instance_id, ATTACHED_AT));
        const refused = await app.inject({
          method: 'DELETE',
          url: `/admin/v1/instances/${created.instance_id}`,
        });
        assert.equal(refused.statusCode, 400);
        assert.equal(refused.json().error_code, 'DCS.4903');
        const forced = await app.inject({
          method: 'DELETE',
          url: `/admin/v1/instances/${created.instance_id}?force=true`,
        });
        assert.equal(forced.statusCode, 204);
        const gone = await app.inject({
          method: 'GET',
          url: `/v2/proj-1/instances/${created.instance_id}/backups`,
        });
        assert.equal(gone.statusCode, 404);
        assert.equal(gone.json().error_code, 'DCS.3022');
        const again = await app.inject({
          method: 'DELETE',
          url: `/admin/v1/instances/${created.instance_id}`,
        });
        assert.equal(again.statusCode, 404);
      });
    });
  }
});
