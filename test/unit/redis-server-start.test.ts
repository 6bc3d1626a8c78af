import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PortTakenError, serverOf, startRedisServer } from '../support/redis-server.ts';
import { redisCli } from '../support/redis-data.ts';

describe('starting a test redis-server', () => {
  it('does not take another process listening on its port for the server it started', async () => {
    // Another listener got the port first: a connection to it succeeds while the new server fails to bind.
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await assert.rejects(serverOf(child, port, dir), PortTakenError);
      assert.ok(child.killed || child.exitCode !== null, 'the server that lost the port is stopped');
    } finally {
      child.kill('SIGKILL');
      squatter.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns a server that answers as itself on its port', async () => {
    const server = await startRedisServer(['--maxmemory', '12345678']);
    try {
      assert.match(await redisCli(server.port, ['CONFIG', 'GET', 'maxmemory']), /12345678/);
    } finally {
      await server.stop();
    }
  });
});
