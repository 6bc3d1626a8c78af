import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import {
  dataCommand,
  MASTER_NAME,
  startSentinelTopology,
  type SentinelTopology,
} from '../support/redis-sentinel.ts';
import { BIN, type CliResult } from '../support/service-process.ts';

describe('the CLI with a password-protected master/standby pair found through Sentinel', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let topology: SentinelTopology;
  let session: CliSession;
  /** Everything printed, by the CLI and the service, and every argument list given: none holds the password. */
  const printed: string[] = [];
  const argv: string[][] = [];

  before(async () => {
    topology = await startSentinelTopology({ password });
    await dataCommand(topology.master.port, password, 'SET', 'greeting', 'hello');
    session = await startCliSession('dcs-sentinel-cli-', { DCS_JOB_POLL_MS: '100' });
  });
  after(async () => {
    printed.push(session?.service.output() ?? '');
    await session?.close();
    await topology?.stop();
    for (const text of printed) assert.ok(!text.includes(password), 'the password was printed');
    for (const args of argv) assert.ok(!args.some((a) => a.includes(password)));
  });

  function cli(args: string[], stdin = ''): Promise<CliResult> {
    const all = ['--endpoint', session.service.url, ...args];
    argv.push(all);
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...all], {
        env: { ...process.env, DCS_DATA_DIR: session.dataDir, DCS_REDIS_PASSWORD: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(stdin);
      child.on('close', (code) => {
        printed.push(stdout, stderr);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  }

  it('attaches by the Sentinel URL with --password-stdin and backs up from the replica', async () => {
    const url = `redis-sentinel://${topology.sentinelList}/${MASTER_NAME}`;
    const attached = await cli(
      ['instance', 'attach', url, '--project', 'p1', '--name', 'orders', '--password-stdin'],
      `${password}\n`,
    );
    assert.equal(attached.code, 0, attached.stderr);
    const id = attached.stdout.trim();

    const listed = await cli(['instance', 'list', '--json']);
    const shown = JSON.parse(listed.stdout).instances[0];
    assert.equal(shown.type, 'master_standby');
    assert.equal(shown.url, `${url}/0`);

    const backup = await cli(['backup', 'create', id, '--wait']);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, / succeed, /);
    assert.match(
      backup.stdout,
      new RegExp(`^read from the replica 127\\.0\\.0\\.1:${topology.replica.port}: a healthy replica`, 'm'),
    );
  });
});
