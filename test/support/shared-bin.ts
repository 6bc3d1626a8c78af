import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Other Redis and Valkey builds beside the repository, run in place (see that folder's README). */
const SHARED_BIN = fileURLToPath(new URL('../../../shared/bin/', import.meta.url));

/** Whether the shared server builds are there; says so, once per caller, when they are not. */
export function sharedBinariesAvailable(): boolean {
  const present = fs.existsSync(SHARED_BIN);
  if (!present) console.log(`# shared server binaries not found at ${SHARED_BIN}: live matrix tests skipped`);
  return present;
}

/** The path of a shared server binary, e.g. "valkey-9.1.2/valkey-server". */
export function sharedBinary(relative: string): string {
  return SHARED_BIN + relative;
}
