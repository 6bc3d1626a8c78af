import fs from 'node:fs';
import path from 'node:path';

/** A directory of the service's that other local users can enter or read: worth a warning at start. */
export interface OpenDirectory {
  dir: string;
  /** Its permission bits, in octal (e.g. "755"). */
  mode: string;
}

/** Where backup files live under the data directory. */
export const backupsDir = (dataDir: string) => path.join(dataDir, 'backups');

/**
 * Every file under the data directory holds customer data or secrets: the directory is created 0700 (and the
 * files in it 0600 by whoever writes them). An existing data or backups directory is left as the operator set
 * it, but returned when group or others have any access, so the start-up log can say so.
 */
export function prepareDataDir(dataDir: string): OpenDirectory[] {
  const open: OpenDirectory[] = [];
  for (const dir of [dataDir, backupsDir(dataDir)]) {
    try {
      const mode = fs.statSync(dir).mode & 0o777;
      if ((mode & 0o077) !== 0) open.push({ dir, mode: mode.toString(8) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return open;
}
