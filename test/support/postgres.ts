import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL, reached as a superuser; each test suite gets a database of its own. */
const ADMIN_URL = process.env.DCS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Set by the test runner (tools/run-tests.ts) when no PostgreSQL answered and CI is not set: the reason the
 * PostgreSQL suites are skipped, for `describe(…, { skip: POSTGRES_SKIP })`; false when they run.
 */
export const POSTGRES_SKIP: string | false = process.env.DCS_TEST_SKIP_POSTGRES || false;

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (POSTGRES_SKIP) throw new Error(`PostgreSQL suites are skipped: ${POSTGRES_SKIP}`);
  const name = `dcs_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(async (client) => {
        // pg-pool's end() resolves before its sockets have closed; terminating them (FORCE) would make those
        // clients emit errors in the test process. Let them go first, and force only as a last resort.
        for (let attempt = 0; attempt < 100; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== '55006') throw error; // object in use
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
