import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const sig = (n: number) => n.toString(16).padStart(64, '0');

for (const kind of STORE_KINDS) {
  describe(`seen signatures, on ${kind.name}`, () => {
    let opened: OpenedStore;

    before(async () => {
      opened = await kind.open();
    });

    after(async () => {
      await opened.dispose();
    });

    it('remembers a signature once: the second insert says it was there', async () => {
      const seen = opened.store.seenSignatures;
      assert.equal(await seen.remember(sig(1), 'AK', 1000), true);
      assert.equal(await seen.remember(sig(1), 'AK', 1000), false);
      assert.equal(await seen.remember(sig(2), 'AK', 1000), true);
    });

    it('gives true to exactly one of many concurrent inserts of the same signature', async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => opened.store.seenSignatures.remember(sig(3), 'AK', 1000)),
      );
      assert.equal(answers.filter(Boolean).length, 1);
    });

    it('purges only what expired before now', async () => {
      const seen = opened.store.seenSignatures;
      await seen.remember(sig(10), 'AK', 5000);
      await seen.remember(sig(11), 'AK', 6000);
      const purged = await seen.purgeExpired(5000);
      assert.equal(purged, 3, 'the three records expiring at 1000');
      assert.equal(await seen.remember(sig(10), 'AK', 5000), false, 'expiring at now: kept');
      assert.equal(await seen.purgeExpired(5001), 1);
      assert.equal(await seen.remember(sig(10), 'AK', 5000), true, 'purged');
      assert.equal(await seen.remember(sig(11), 'AK', 6000), false, 'not yet expired');
    });
  });
}
