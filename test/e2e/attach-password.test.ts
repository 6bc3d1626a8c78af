import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { BIN, type CliResult } from '../support/service-process.ts';

describe('attaching a password-protected Redis without the password in the URL', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let redis: RedisServer;
  let session: CliSession;
  /** Everything printed, by the CLI and the service, and every argument list given: none holds the password. */
  const printed: string[] = [];
  const argv: string[][] = [];

  before(async () => {
    redis = await startRedisServer(['--requirepass', password]);
    session = await startCliSession('dcs-attach-pw-', { DCS_JOB_POLL_MS: '100' });
  });

  after(async () => {
    printed.push(session.service.output());
    await session.close();
    await redis.stop();
    for (const text of printed) assert.ok(!text.includes(password), 'the password was printed');
    for (const args of argv) assert.ok(!args.some((a) => a.includes(password)));
  });

  const url = () => `redis://127.0.0.1:${redis.port}`;
  const attachArgs = (name: string, ...extra: string[]) => [
    '--endpoint',
    session.service.url,
    'instance',
    'attach',
    url(),
    '--project',
    'p1',
    '--name',
    name,
    ...extra,
  ];

  /** The CLI binary with the given environment and stdin, as a shell would run it. */
  function cli(
    args: string[],
    options: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
  ): Promise<CliResult> {
    argv.push(args);
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: { ...process.env, DCS_DATA_DIR: session.dataDir, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(options.stdin ?? '');
      child.on('close', (code) => {
        printed.push(stdout, stderr);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  it('is refused without any password: the server really asks for one', async () => {
    const result = await cli(attachArgs('none'), { env: { DCS_REDIS_PASSWORD: '' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DCS\.4901/);
  });

  it('takes it from DCS_REDIS_PASSWORD, and backups of the instance then work', async () => {
    const result = await cli(attachArgs('from-env'), { env: { DCS_REDIS_PASSWORD: password } });
    assert.equal(result.code, 0, result.stderr);
    const backup = await cli([
      '--endpoint',
      session.service.url,
      'backup',
      'create',
      result.stdout.trim(),
      '--wait',
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, / succeed, /);
  });

  it('takes it from the first line of --password-file', async () => {
    const file = path.join(session.dataDir, 'redis-password');
    fs.writeFileSync(file, `${password}\nsecond line ignored\n`, { mode: 0o600 });
    const result = await cli(attachArgs('from-file', '--password-file', file));
    assert.equal(result.code, 0, result.stderr);
  });

  it('takes it from one line of stdin with --password-stdin, over DCS_REDIS_PASSWORD', async () => {
    const result = await cli(attachArgs('from-stdin', '--password-stdin'), {
      stdin: `${password}\n`,
      env: { DCS_REDIS_PASSWORD: 'wrong' },
    });
    assert.equal(result.code, 0, result.stderr);
    const wrong = await cli(attachArgs('wrong-stdin', '--password-stdin'), { stdin: 'wrong\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /DCS\.4901/);
  });

  it('refuses a password given both in the URL and apart from it', async () => {
    const args = attachArgs('both', '--password-stdin');
    args[4] = `redis://:other@127.0.0.1:${redis.port}`;
    const result = await cli(args, { stdin: `${password}\n` });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /already holds a password/);
  });

  it('lists the instances without any password', async () => {
    const list = await cli(['--endpoint', session.service.url, 'instance', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { instances: { name: string }[] }).instances.map((i) => i.name);
    assert.deepEqual(names.sort(), ['from-env', 'from-file', 'from-stdin']);
  });
});
