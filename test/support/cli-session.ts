import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startServiceProcess, type CliResult, type ServiceProcess } from './service-process.ts';

export interface CliSession {
  service: ServiceProcess;
  dataDir: string;
  /** Runs the CLI against the service, with its credentials file. */
  cli(...args: string[]): Promise<CliResult>;
  /** Attaches a Redis server on this machine to project p1 and returns the instance id. */
  attach(port: number, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real service binary in a fresh data directory, and the CLI pointed at it. With `serviceCreatesDataDir`
 * the directory does not exist yet (the service makes it, with its own mode), inside a fresh parent.
 */
export async function startCliSession(
  prefix: string,
  env: NodeJS.ProcessEnv = {},
  options: { serviceCreatesDataDir?: boolean } = {},
): Promise<CliSession> {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataDir = options.serviceCreatesDataDir ? path.join(parent, 'data') : parent;
  const service = await startServiceProcess(['--data-dir', dataDir], env);
  const cli = (...args: string[]) => runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: dataDir });
  return {
    service,
    dataDir,
    cli,
    attach: (port, name) => attachLocalRedis(cli, port, name),
    async close() {
      await service.stop();
      fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Attaches the redis-server on this machine at `port` through the CLI, asserting it worked; its instance id. */
export async function attachLocalRedis(
  cli: (...args: string[]) => Promise<CliResult>,
  port: number,
  name: string,
  project = 'p1',
): Promise<string> {
  const attached = await cli(
    'instance',
    'attach',
    `redis://127.0.0.1:${port}`,
    '--project',
    project,
    '--name',
    name,
  );
  assert.equal(attached.code, 0, attached.stderr);
  return attached.stdout.trim();
}
