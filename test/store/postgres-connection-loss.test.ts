import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { openDatabase } from '../../src/store/open-database.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { proxyPostgres, type TcpProxy } from '../support/tcp-proxy.ts';

/**
 * A connection that drops while a query runs on it (PostgreSQL restarted, a network blip): the query fails,
 * the process goes on. pg emits 'error' on a client the pool has lent out, where the pool's own listener is
 * not attached; unheard, that event ended the whole service.
 */
describe('PostgreSQL connection lost in the middle of a query', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let db: Kysely<Database>;
  /** Straight to the server, not through the proxy: watches pg_stat_activity. */
  let direct: Kysely<Database>;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  before(async () => {
    database = await createTestDatabase();
    const proxied = await proxyPostgres(database.url);
    proxy = proxied.proxy;
    db = await openDatabase({ kind: 'postgres', url: proxied.url });
    direct = await openDatabase({ kind: 'postgres', url: database.url });
    process.on('uncaughtException', onUncaught);
  });

  after(async () => {
    process.off('uncaughtException', onUncaught);
    proxy.resume();
    await db.destroy();
    await direct.destroy();
    await proxy.close();
    await database.drop();
  });

  it('fails the running query and leaves the process and the pool usable', async () => {
    const running = sql`select pg_sleep(5)`.execute(db);
    // The query is on the wire once the server shows it running.
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(5)%'`.execute(
        direct,
      );
      return rows[0]!.n > 0;
    });
    proxy.cut();
    await assert.rejects(running, /Connection terminated|ECONNRESET|terminat/i);
    // The client's 'error' event comes after the query's rejection: give it its turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(uncaught, []);
    proxy.resume();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.equal(rows[0]!.one, 1);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the condition never held');
}
