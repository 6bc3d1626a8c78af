import { spawn } from 'node:child_process';
import fs from 'node:fs';

/** Loads a file of RESP commands with `redis-cli --pipe`, as a user would; resolves with what it printed. */
export async function pipeFile(port: number, file: string, cli = 'redis-cli'): Promise<string> {
  const child = spawn(cli, ['-h', '127.0.0.1', '-p', String(port), '--pipe'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  fs.createReadStream(file).pipe(child.stdin);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !/errors: 0,/.test(output))
    throw new Error(`redis-cli --pipe failed (${code}):\n${output}`);
  return output;
}
