import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { RECORD_CODES, RECORD_ERROR_CODES } from '../../src/core/record-codes.ts';

const root = new URL('../../', import.meta.url);
const docs = fs.readFileSync(new URL('docs/errors.md', root), 'utf8');
/** The record-code table of docs/errors.md: code, DCS meaning, when this service uses it. */
const documented = docs
  .split('\n')
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .filter((cells) => /^`dcs\.08\.\d{4}`$/.test(cells[1] ?? ''))
  .map((cells) => ({ code: cells[1]!.replace(/`/g, ''), meaning: cells[2]!, use: cells[3]! }));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the record-code catalogue', () => {
  it('holds the eight codes DCS documents, each once', () => {
    assert.deepEqual(
      RECORD_ERROR_CODES,
      Array.from({ length: 8 }, (_, i) => `dcs.08.000${i + 1}`),
    );
  });

  it('is documented row for row in docs/errors.md, with the DCS meaning', () => {
    assert.deepEqual(documented.map((row) => row.code).sort(), [...RECORD_ERROR_CODES]);
    for (const entry of Object.values(RECORD_CODES)) {
      const row = documented.find((r) => r.code === entry.code)!;
      assert.equal(row.meaning.toLowerCase(), entry.meaning.toLowerCase(), entry.code);
      // What the service never sets says so; what it sets says when.
      assert.equal(row.use.startsWith('not used'), !entry.used, `${entry.code}: ${row.use}`);
    }
  });

  it('is where every record code in the source comes from (no literal elsewhere)', () => {
    const src = fileURLToPath(new URL('src/', root));
    const literal = /dcs\.08\.\d{4}/;
    const offenders = sourceFiles(src)
      .filter((file) => !file.endsWith(path.join('core', 'record-codes.ts')))
      .filter((file) => literal.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(src, file));
    assert.deepEqual(offenders, []);
  });
});
