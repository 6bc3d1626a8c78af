import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { asAdmin, ManualClock, testDeps } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

// Monday 23 November 2026, 00:30 UTC.
const NOW = Date.UTC(2026, 10, 23, 0, 30);
const PROJECT = 'project-a';

const autoPolicy = (overrides: Record<string, unknown> = {}, plan: Record<string, unknown> = {}) => ({
  backup_type: 'auto',
  save_days: 3,
  periodical_backup_plan: { backup_at: [1, 3, 5], period_type: 'weekly', begin_at: '02:00-03:00', ...plan },
  ...overrides,
});

for (const kind of STORE_KINDS) {
  describe(`instance_backup_policy on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;
    let clock: ManualClock;
    let instanceId: string;
    const path = () => `/v2/${PROJECT}/instances/${instanceId}`;
    const put = (body: unknown) =>
      app.inject({
        method: 'PUT',
        url: path(),
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const shown = async () =>
      (await app.inject({ method: 'GET', url: path() })).json().instance_backup_policy;

    before(async () => {
      opened = await kind.open();
      clock = new ManualClock(NOW);
      const deps = testDeps(opened.store, clock);
      app = await asAdmin(await buildApp(deps), deps);
      const instance = makeInstance({ projectId: PROJECT });
      await opened.store.instances.insert(instance);
      instanceId = instance.id;
    });
    after(async () => {
      await app.close();
      await opened.dispose();
    });

    it('shows null until a policy is set, then the DCS InstanceBackupPolicy', async () => {
      assert.equal(await shown(), null);
      const response = await put({ instance_backup_policy: autoPolicy() });
      assert.equal(response.statusCode, 204, response.body);
      const policy = await shown();
      assert.match(policy.backup_policy_id, /^[0-9a-f-]{36}$/);
      assert.equal(policy.tenant_id, PROJECT);
      assert.equal(policy.created_at, new Date(NOW).toISOString());
      assert.deepEqual(policy.policy, {
        backup_type: 'auto',
        save_days: 3,
        periodical_backup_plan: {
          backup_at: [1, 3, 5],
          period_type: 'weekly',
          begin_at: '02:00-03:00',
          timezone_offset: null,
        },
        keep_last: null,
        max_backups: null,
      });
      // Monday 00:30: the first window is today's 02:00.
      assert.equal(policy.next_backup_at, '2026-11-23T02:00:00.000Z');
      const listed = (await app.inject(`/v2/${PROJECT}/instances`)).json();
      assert.deepEqual(listed.instances[0].instance_backup_policy, policy);
    });

    it('"manual" stops automatic backups and keeps the plan; "auto" again resumes it', async () => {
      clock.current = NOW + 60_000;
      const before = await shown();
      assert.equal((await put({ instance_backup_policy: { backup_type: 'manual' } })).statusCode, 204);
      const manual = await shown();
      assert.equal(manual.backup_policy_id, before.backup_policy_id);
      assert.equal(manual.created_at, before.created_at);
      assert.equal(manual.updated_at, new Date(NOW + 60_000).toISOString());
      assert.equal(manual.policy.backup_type, 'manual');
      assert.deepEqual(manual.policy.periodical_backup_plan, before.policy.periodical_backup_plan);
      assert.equal(manual.policy.save_days, 3);
      assert.equal(manual.next_backup_at, null);
      assert.equal(
        (await put({ instance_backup_policy: autoPolicy({}, { backup_at: [2] }) })).statusCode,
        204,
      );
      assert.equal((await shown()).next_backup_at, '2026-11-24T02:00:00.000Z');
    });

    it('answers each invalid field with its DCS code', async () => {
      const cases: [unknown, string][] = [
        [autoPolicy({ save_days: 0 }), 'DCS.4072'],
        [autoPolicy({ save_days: 8 }), 'DCS.4072'],
        [autoPolicy({ save_days: '3' }), 'DCS.4072'],
        [autoPolicy({ save_days: 2.5 }), 'DCS.4072'],
        [autoPolicy({ save_days: undefined }), 'DCS.4072'],
        [autoPolicy({ backup_type: 'daily' }), 'DCS.4073'],
        [autoPolicy({ backup_type: undefined }), 'DCS.4073'],
        [autoPolicy({ backup_type: 1 }), 'DCS.4073'],
        [autoPolicy({}, { period_type: 'monthly' }), 'DCS.4074'],
        [autoPolicy({}, { period_type: undefined }), 'DCS.4074'],
        [autoPolicy({}, { backup_at: [] }), 'DCS.4075'],
        [autoPolicy({}, { backup_at: [0] }), 'DCS.4075'],
        [autoPolicy({}, { backup_at: [8] }), 'DCS.4075'],
        [autoPolicy({}, { backup_at: ['1'] }), 'DCS.4075'],
        [autoPolicy({}, { backup_at: [1, 1] }), 'DCS.4075'],
        [autoPolicy({}, { backup_at: 1 }), 'DCS.4075'],
        [autoPolicy({}, { begin_at: '02:00-04:00' }), 'DCS.4076'],
        [autoPolicy({}, { begin_at: '02:30-03:30' }), 'DCS.4076'],
        [autoPolicy({}, { begin_at: 2 }), 'DCS.4076'],
        [autoPolicy({}, { begin_at: undefined }), 'DCS.4076'],
        [autoPolicy({ periodical_backup_plan: undefined }), 'DCS.4800'],
        [autoPolicy({ periodical_backup_plan: 'weekly' }), 'DCS.4800'],
        [autoPolicy({ retention: 3 }), 'DCS.4800'],
        [autoPolicy({}, { hour: 2 }), 'DCS.4800'],
        [autoPolicy({}, { timezone_offset: 5 }), 'DCS.4800'],
        [autoPolicy({ keep_last: 0 }), 'DCS.4800'],
        [autoPolicy({ keep_last: 5, max_backups: 3 }), 'DCS.4800'],
        ['not an object', 'DCS.4800'],
      ];
      const before = await shown();
      for (const [policy, code] of cases) {
        const response = await put({ instance_backup_policy: policy });
        assert.equal(response.statusCode, 400, `${JSON.stringify(policy)}: ${response.body}`);
        assert.equal(response.json().error_code, code, JSON.stringify(policy));
        assert.ok(response.json().error_msg.length > 0);
      }
      const other = await put({ colour: 'blue' });
      assert.equal(other.json().error_code, 'DCS.4800');
      assert.match(other.json().error_msg, /colour/);
      const empty = await app.inject({ method: 'PUT', url: path() });
      assert.equal(empty.json().error_code, 'DCS.4004');
      // None of the refused requests changed anything.
      assert.deepEqual(await shown(), before);
    });

    it('accepts the Terraform provider\'s bodies: its instance fields, no policy for "manual", the legacy fields', async () => {
      const current = (await app.inject(path())).json();
      const before = await shown();
      const manualFromTerraform = await put({
        name: current.name,
        description: 'cache',
        maintain_begin: '02:00:00',
      });
      assert.equal(manualFromTerraform.statusCode, 204);
      assert.deepEqual(await shown(), before);
      const renamed = await put({ name: 'another-name' });
      assert.equal(renamed.statusCode, 400);
      assert.equal(renamed.json().error_code, 'DCS.4902');
      const legacy = await put({
        backup_type: 'auto',
        save_days: 2,
        begin_at: '05:00-06:00',
        backup_at: [6, 7],
      });
      assert.equal(legacy.statusCode, 204, legacy.body);
      const mapped = await shown();
      assert.equal(mapped.policy.save_days, 2);
      assert.deepEqual(mapped.policy.periodical_backup_plan.backup_at, [6, 7]);
      assert.equal(mapped.policy.periodical_backup_plan.begin_at, '05:00-06:00');
      const legacyBad = await put({
        backup_type: 'auto',
        save_days: 2,
        begin_at: '05:00-07:00',
        backup_at: [6],
      });
      assert.equal(legacyBad.json().error_code, 'DCS.4076');
    });

    it('refuses save_days beyond 7 unless the service allows more; keep_last and max_backups are shown', async () => {
      const wide = testDeps(opened.store, clock);
      wide.maxSaveDays = 3650;
      const wideApp = await asAdmin(await buildApp(wide), wide);
      try {
        const refused = await put({ instance_backup_policy: autoPolicy({ save_days: 30 }) });
        assert.equal(refused.json().error_code, 'DCS.4072');
        assert.match(refused.json().error_msg, /1 to 7/);
        const allowed = await wideApp.inject({
          method: 'PUT',
          url: path(),
          payload: { instance_backup_policy: autoPolicy({ save_days: 3650, keep_last: 2, max_backups: 30 }) },
        });
        assert.equal(allowed.statusCode, 204, allowed.body);
        const policy = (await shown()).policy;
        assert.equal(policy.save_days, 3650);
        assert.equal(policy.keep_last, 2);
        assert.equal(policy.max_backups, 30);
        const tooMany = await wideApp.inject({
          method: 'PUT',
          url: path(),
          payload: { instance_backup_policy: autoPolicy({ save_days: 3651 }) },
        });
        assert.equal(tooMany.json().error_code, 'DCS.4072');
      } finally {
        await wideApp.close();
      }
    });

    it('re-dates existing automatic backups when save_days changes; manual backups never expire', async () => {
      const auto = makeBackup(instanceId, NOW - 86_400_000, { type: 'auto', period: '02:00-03:00' });
      const manual = makeBackup(instanceId, NOW - 86_400_000);
      await opened.store.backups.insertMany([auto, manual]);
      await put({ instance_backup_policy: autoPolicy({ save_days: 2 }) });
      const detail = (id: string) => app.inject(`${path()}/backups/${id}`).then((r) => r.json());
      assert.equal((await detail(auto.id)).expires_at, new Date(NOW + 86_400_000).toISOString());
      assert.equal((await detail(manual.id)).expires_at, null);
      await put({ instance_backup_policy: autoPolicy({ save_days: 5 }) });
      assert.equal((await detail(auto.id)).expires_at, new Date(NOW + 4 * 86_400_000).toISOString());
    });

    it('refuses a timezone_offset in the plan that is not a UTC offset, as at the policy level', async () => {
      const before = await shown();
      for (const offset of [
        'not-a-tz',
        '+25:00',
        '+08:61',
        '+08:20',
        '-13:00',
        'GMT+8',
        '',
        'Asia/Shanghai',
      ]) {
        const response = await put({ instance_backup_policy: autoPolicy({}, { timezone_offset: offset }) });
        assert.equal(response.statusCode, 400, offset);
        assert.equal(response.json().error_code, 'DCS.4800', offset);
        assert.match(response.json().error_msg, /periodical_backup_plan\.timezone_offset/);
      }
      const policyLevel = await put({ instance_backup_policy: autoPolicy({ timezone_offset: '+08:00' }) });
      assert.equal(policyLevel.json().error_code, 'DCS.4800');
      assert.deepEqual(await shown(), before);
      for (const offset of ['+08:00', 'GMT+08:00', 'GMT -12:00', 'UTC+05:45', '-03:30', '+14:00', '+0100']) {
        const response = await put({ instance_backup_policy: autoPolicy({}, { timezone_offset: offset }) });
        assert.equal(response.statusCode, 204, `${offset}: ${response.body}`);
        assert.equal((await shown()).policy.periodical_backup_plan.timezone_offset, offset);
      }
    });

    it('shows next_backup_at as the next backup that will run, never a time already past', async () => {
      const saved = clock.current;
      try {
        // Monday 02:30, inside Monday's 02:00-03:00 window: that window still runs, from now.
        clock.current = Date.UTC(2026, 10, 23, 2, 30);
        await put({ instance_backup_policy: autoPolicy({}, { backup_at: [1] }) });
        assert.equal((await shown()).next_backup_at, new Date(clock.current).toISOString());
        // Nine days on with no scheduler tick (the service was down): the missed windows will not run; the
        // next one that will is Monday 7 December's.
        clock.current = Date.UTC(2026, 11, 2, 12, 0);
        assert.equal((await shown()).next_backup_at, '2026-12-07T02:00:00.000Z');
        const listed = (await app.inject(`/v2/${PROJECT}/instances`)).json();
        assert.equal(listed.instances[0].instance_backup_policy.next_backup_at, '2026-12-07T02:00:00.000Z');
      } finally {
        clock.current = saved;
      }
    });

    it('answers DCS.3022 for an instance of another project', async () => {
      const response = await app.inject({
        method: 'PUT',
        url: `/v2/other-project/instances/${instanceId}`,
        payload: { instance_backup_policy: autoPolicy() },
      });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error_code, 'DCS.3022');
    });
  });
}
