import fs from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '../config.ts';

/**
 * Reads the HTTPS certificate and key, and checks they make a usable pair, so a wrong path or a mismatched
 * key stops the start with a message that says which, rather than a failure on the first connection.
 */
export function readTlsFiles(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const cert = readPem(files.certFile, 'certificate (--tls-cert, DCS_TLS_CERT)');
  const key = readPem(files.keyFile, 'key (--tls-key, DCS_TLS_KEY)');
  try {
    tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(
      `cannot serve HTTPS with ${files.certFile} and ${files.keyFile}: ${(error as Error).message}`,
    );
  }
  return { cert, key };
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new ConfigError(`cannot read the HTTPS ${what} ${file}: ${reason}`);
  }
}
