import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startCliSession, type CliSession } from '../support/cli-session.ts';

describe('automatic-backup policy through the CLI against a running service', () => {
  let redis: RedisServer;
  let session: CliSession;
  let instanceId: string;
  const cli = (...args: string[]) => session.cli(...args);

  before(async () => {
    redis = await startRedisServer();
    session = await startCliSession('dcs-policy-cli-', { DCS_MAX_SAVE_DAYS: '30' });
    instanceId = await session.attach(redis.port, 'src');
  });
  after(async () => {
    await session.close();
    await redis.stop();
  });

  it('shows no policy, sets one, shows it, turns it off keeping the plan', async () => {
    const none = await cli('policy', 'show', instanceId);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /no backup policy/);

    const set = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      '1,3,5',
      '--window',
      '02:00-03:00',
      '--save-days',
      '14',
      '--keep-last',
      '2',
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /automatic backups: on/);
    assert.match(set.stdout, /02:00-03:00 UTC on Mon, Wed, Fri/);
    assert.match(set.stdout, /14 days, at least the newest 2/);
    assert.match(set.stdout, /next backup: +\d{4}-\d{2}-\d{2} 02:00:00/);

    const json = JSON.parse((await cli('policy', 'show', instanceId, '--json')).stdout);
    assert.equal(json.policy.backup_type, 'auto');
    assert.deepEqual(json.policy.periodical_backup_plan.backup_at, [1, 3, 5]);
    assert.equal(json.policy.save_days, 14);

    const setJson = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      '2',
      '--window',
      '02:00-03:00',
      '--save-days',
      '14',
      '--json',
    );
    assert.equal(setJson.code, 0, setJson.stderr);
    assert.deepEqual(JSON.parse(setJson.stdout).policy.periodical_backup_plan.backup_at, [2]);
    const token = await cli('credentials', 'token', '--ttl', '600', '--json');
    assert.equal(token.code, 0, token.stderr);
    assert.deepEqual(Object.keys(JSON.parse(token.stdout)).sort(), ['access_key', 'expires_at', 'token']);

    const offJson = JSON.parse((await cli('policy', 'off', instanceId, '--json')).stdout);
    assert.equal(offJson.policy.backup_type, 'manual');
    const off = await cli('policy', 'off', instanceId);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /off \(manual; the plan is kept\)/);
    assert.match(off.stdout, /02:00-03:00 UTC on Tue/);
    assert.match(off.stdout, /next backup: +-/);
  });

  it("passes the service's DCS errors through, and refuses malformed options itself", async () => {
    const badWindow = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      '1',
      '--window',
      '02:00-04:00',
      '--save-days',
      '3',
    );
    assert.notEqual(badWindow.code, 0);
    assert.match(badWindow.stderr, /DCS\.4076/);
    const tooLong = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      '1',
      '--window',
      '02:00-03:00',
      '--save-days',
      '31',
    );
    assert.match(tooLong.stderr, /DCS\.4072 save_days must be an integer from 1 to 30/);
    const badDays = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      'mon',
      '--window',
      '02:00-03:00',
      '--save-days',
      '3',
    );
    assert.notEqual(badDays.code, 0);
    assert.match(badDays.stderr, /weekdays 1 \(Monday\) to 7/);
    const badDay = await cli(
      'policy',
      'set',
      instanceId,
      '--days',
      '8',
      '--window',
      '02:00-03:00',
      '--save-days',
      '3',
    );
    assert.match(badDay.stderr, /DCS\.4075/);
  });
});
