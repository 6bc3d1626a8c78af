import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared RDB fixtures, read in place (never copied into the repository). */
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/rdb/', import.meta.url));

export function fixturesAvailable(): boolean {
  const present = fs.existsSync(FIXTURES);
  if (!present) console.log(`# shared RDB fixtures not found at ${FIXTURES}: fixture tests skipped`);
  return present;
}

export function fixturePath(name: string): string {
  return FIXTURES + name;
}
