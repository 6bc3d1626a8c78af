import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** npm's own variables of the `npm test` that runs this, which would point the inner npm at this checkout. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(prefix|global_prefix|local_prefix)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * What a user gets from the packed tarball: `npm pack`, then `npm install -g` into a fresh prefix, then the
 * installed `dcs-backup` serves and a CLI call works against it, from a directory that is not this checkout.
 * The install takes dependencies from npm's cache (the registry only for what is missing). better-sqlite3's
 * install step is given the binary this checkout already built, as a local prebuild (its documented
 * npm_config_<package>_local_prebuilds), instead of compiling it again for a minute.
 */
describe('the npm package', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let service: ChildProcess | undefined;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-pack-'));
    // The build is fresh (npm test builds first); packing must not rebuild it.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], {
      cwd: ROOT,
      env: cleanEnv(),
    });
    tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
    const prebuilds = path.join(work, 'prebuilds');
    fs.mkdirSync(prebuilds);
    const bs3 = path.join(ROOT, 'node_modules', 'better-sqlite3');
    const { version } = JSON.parse(fs.readFileSync(path.join(bs3, 'package.json'), 'utf8')) as {
      version: string;
    };
    const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await run('tar', ['-czf', path.join(prebuilds, name), '-C', bs3, 'build/Release/better_sqlite3.node']);
    prefix = path.join(work, 'prefix');
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: work, env: cleanEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }) },
    );
  });

  after(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service!.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs the built service and its command, and no sources, tests or secrets', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    for (const needed of ['package/package.json', 'package/README.md', 'package/bin/dcs-backup.js'])
      assert.ok(files.includes(needed), needed);
    assert.ok(files.includes('package/dist/cli/main.js'));
    assert.deepEqual(
      files.filter((file) => !/^package\/(dist\/|bin\/|package\.json$|README\.md$)/.test(file)),
      [],
    );
  });

  it('installs with npm install -g, and the installed dcs-backup serves and answers a CLI call', async () => {
    const bin = path.join(prefix, 'bin', 'dcs-backup');
    assert.ok(fs.existsSync(bin), 'npm linked the command into the prefix');
    const dataDir = path.join(work, 'data');
    service = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir], {
      cwd: work,
      env: cleanEnv({ DCS_LOG_FORMAT: 'json' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
        if (match) resolve(match[1]!);
      };
      service!.stdout!.on('data', onData);
      service!.stderr!.on('data', onData);
      service!.once('exit', (code) =>
        reject(new Error(`the installed service exited with ${code}:\n${output}`)),
      );
    });
    const listed = await run(bin, ['--endpoint', url, 'instance', 'list', '--json'], {
      cwd: work,
      env: cleanEnv({ DCS_DATA_DIR: dataDir }),
    });
    assert.deepEqual(JSON.parse(listed.stdout), { instance_num: 0, instances: [] });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    // The command's first line gives node the young-generation cap a backup's memory depends on: the process
    // the installed command became is node with that flag (env -S execs it in place, same pid).
    const argv = fs.readFileSync(`/proc/${service.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes('--max-semi-space-size=4'), `node's arguments: ${argv.join(' ')}`);
  });
});
