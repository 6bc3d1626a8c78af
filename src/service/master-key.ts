import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.ts';

/**
 * The master key seals secrets at rest and derives the token and download-link keys. It comes from
 * DCS_MASTER_KEY (64 hex characters) or from <data-dir>/master.key, generated on first start with mode 0600.
 * Processes sharing one database must share this key.
 */
export function loadMasterKey(
  fromEnvironment: string | undefined,
  dataDir: string,
): { key: Buffer; source: string } {
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnvironment))
      throw new ConfigError('DCS_MASTER_KEY must be 64 hex characters');
    return { key: Buffer.from(fromEnvironment, 'hex'), source: 'DCS_MASTER_KEY' };
  }
  const file = path.join(dataDir, 'master.key');
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new ConfigError(`${file} does not hold a 64-hex-character key`);
    return { key: Buffer.from(text, 'hex'), source: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: file };
}
