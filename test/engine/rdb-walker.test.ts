import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { inspectRdb, RdbStructureWalker } from '../../src/engine/rdb/rdb-inspector.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';

const available = fixturesAvailable();
const FIXTURES = available
  ? fs
      .readdirSync(fixturePath(''))
      .filter((name) => name.endsWith('.rdb'))
      .sort()
  : [];

/** Deterministic split points, so a failure names the same chunks every run. */
function splitAt(bytes: Buffer, seed: number): Buffer[] {
  const chunks: Buffer[] = [];
  let x = seed;
  for (let at = 0; at < bytes.length;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const size = 1 + (x % 97);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('the structure walk fed as bytes arrive', { skip: !available && 'no shared fixtures' }, () => {
  it('finds in every shared fixture, split anywhere, what a whole read of the file finds', async () => {
    assert.ok(FIXTURES.length > 20, `${FIXTURES.length} fixtures`);
    let problems = 0;
    for (const [n, name] of FIXTURES.entries()) {
      const bytes = fs.readFileSync(fixturePath(name));
      const whole = await inspectRdb([bytes], { sha256: false, captureLimit: 0 });
      const walker = new RdbStructureWalker();
      for (const chunk of splitAt(bytes, n + 1)) walker.push(chunk);
      const walked = walker.finish();
      const { sizeBytes: _size, sha256: _sha, checksum, ...structure } = whole;
      if (structure.problem === null) {
        assert.deepEqual(walked, structure, name);
      } else if (checksum === 'mismatch' && walked.problem === null) {
        // The checksum's verdict is the transfer's: the structure itself read cleanly.
        assert.match(structure.problem, /checksum/, name);
      } else {
        // What was read before the problem depends on where the chunks fell; the problem does not.
        assert.equal(walked.problem, structure.problem, name);
      }
      problems += structure.problem === null ? 0 : 1;
    }
    assert.ok(problems < FIXTURES.length / 2, `${problems} of ${FIXTURES.length} fixtures have a problem`);
  });

  it("finds the same through a backup's walk fed borrowed chunks: one buffer, overwritten after each push", async () => {
    let compared = 0;
    for (const [n, name] of FIXTURES.entries()) {
      const bytes = fs.readFileSync(fixturePath(name));
      const whole = await inspectRdb([bytes], { sha256: false, captureLimit: 0 });
      const { sizeBytes: _size, sha256: _sha, checksum: _checksum, ...structure } = whole;
      if (structure.problem !== null) continue;
      const expected = new ReaderInspector().walk();
      expected.push(bytes);
      const found = expected.finish();
      // As a socket reading into one reused buffer hands them over: small and large reads, split anywhere.
      const reused = Buffer.alloc(8192);
      for (const sizes of [97, 4093, 8192]) {
        const walk = new ReaderInspector().walk();
        let x = n + sizes;
        for (let at = 0; at < bytes.length;) {
          x = (x * 1103515245 + 12345) >>> 0;
          const size = Math.min(1 + (x % sizes), bytes.length - at);
          bytes.copy(reused, 0, at, at + size);
          walk.push(reused.subarray(0, size));
          reused.fill(0xa5);
          at += size;
        }
        assert.deepEqual(walk.finish(), found, `${name}, reads up to ${sizes} bytes`);
      }
      compared++;
    }
    assert.ok(compared > 10, `${compared} fixtures compared`);
  });

  it('reports a file cut short, as the inspector port gives it to a backup', () => {
    const bytes = fs.readFileSync(fixturePath('100_lists.rdb'));
    const walk = new ReaderInspector().walk();
    walk.push(bytes.subarray(0, bytes.length >> 1));
    const found = walk.finish();
    assert.match(found.problem ?? '', /truncated/);
    assert.equal(found.magic, 'REDIS');
  });
});
