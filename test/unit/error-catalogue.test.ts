import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/api/error-catalogue.ts';
import { DOMAIN_ERROR_CODES } from '../../src/core/errors.ts';

const docs = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documentedRows = docs
  .split('\n')
  .map((line) => line.split('|').map((cell) => cell.trim()))
  .filter((cells) => /^\d{3}$/.test(cells[1] ?? '') && /^DCS\.\d{4}$/.test(cells[2] ?? ''))
  .map((cells) => ({
    status: Number(cells[1]),
    dcsCode: cells[2]!,
    domainCode: cells[3]!.replace(/`/g, ''),
  }));

describe('the error catalogue', () => {
  it('maps every domain error code', () => {
    assert.deepEqual(Object.keys(ERROR_CATALOGUE).sort(), [...DOMAIN_ERROR_CODES].sort());
  });

  it('uses DCS codes of at most nine characters, each once', () => {
    const codes = Object.values(ERROR_CATALOGUE).map((e) => e.dcsCode);
    assert.ok(codes.every((c) => c.length <= 9 && /^DCS\.\d{4}$/.test(c)));
    assert.equal(new Set(codes).size, codes.length);
  });

  it('is documented row for row in docs/errors.md', () => {
    const fromCode = Object.entries(ERROR_CATALOGUE)
      .map(([domainCode, e]) => ({ status: e.status, dcsCode: e.dcsCode, domainCode }))
      .sort((a, b) => a.domainCode.localeCompare(b.domainCode));
    assert.deepEqual(
      [...documentedRows].sort((a, b) => a.domainCode.localeCompare(b.domainCode)),
      fromCode,
    );
  });
});
