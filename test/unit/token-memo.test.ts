import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { TokenIssuer } from '../../src/core/auth/tokens.ts';

describe('TokenIssuer remembering verified tokens', () => {
  it('still refuses a token that differs from a verified one in any character', () => {
    const issuer = new TokenIssuer(randomBytes(32));
    const token = issuer.issue('AKTEST', Date.UTC(2030, 0, 1));
    assert.deepEqual(issuer.read(token), { accessKey: 'AKTEST', expiresAtMs: Date.UTC(2030, 0, 1) });
    for (let i = 0; i < token.length; i++) {
      const altered = token.slice(0, i) + (token[i] === '0' ? '1' : '0') + token.slice(i + 1);
      assert.equal(issuer.read(altered), undefined, `altered at ${i}`);
    }
    // And the verified one reads the same again, each time a fresh object (callers may not share it).
    const again = issuer.read(token)!;
    again.accessKey = 'changed';
    assert.equal(issuer.read(token)?.accessKey, 'AKTEST');
  });

  it("never accepts another issuer's token, whatever this one has verified", () => {
    const ours = new TokenIssuer(randomBytes(32));
    const theirs = new TokenIssuer(randomBytes(32));
    const expires = Date.UTC(2030, 0, 1);
    assert.ok(ours.read(ours.issue('AKTEST', expires)));
    assert.equal(ours.read(theirs.issue('AKTEST', expires)), undefined);
  });

  it('keeps verifying correctly past the number of tokens it remembers', () => {
    const issuer = new TokenIssuer(randomBytes(32));
    const first = issuer.issue('AKFIRST', Date.UTC(2030, 0, 1));
    assert.ok(issuer.read(first));
    for (let i = 0; i < 10_001; i++) assert.ok(issuer.read(issuer.issue(`AK${i}`, Date.UTC(2030, 0, 1))));
    assert.equal(issuer.read(first)?.accessKey, 'AKFIRST');
  });
});
