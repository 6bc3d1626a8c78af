import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Nothing listens on port 1: this is a machine without PostgreSQL, as the runner sees it.
const NO_POSTGRES = 'postgres://postgres@127.0.0.1:1/postgres';

function runner(env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  // Run as npm test runs it, not as a test inside this one (node's runner would refuse to nest).
  const outer = { ...process.env };
  delete outer.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/run-tests.ts', 'test/e2e/readiness-postgres.test.ts'],
      { cwd: ROOT, env: { ...outer, DCS_TEST_SKIP_POSTGRES: '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('npm test without PostgreSQL', () => {
  it('skips the PostgreSQL suites and says so once, with how to enable them', async () => {
    const { code, output } = await runner({ CI: '', DCS_TEST_POSTGRES_URL: NO_POSTGRES });
    assert.equal(code, 0, output);
    assert.match(output, /GET \/readyz follows PostgreSQL.* # no PostgreSQL at/);
    assert.equal(
      output.match(/PostgreSQL suites SKIPPED: no PostgreSQL at 127\.0\.0\.1:1/g)?.length,
      1,
      output,
    );
    assert.match(output, /DCS_TEST_POSTGRES_URL/);
  });

  it('fails instead of skipping under CI=true', async () => {
    const { code, output } = await runner({ CI: 'true', DCS_TEST_POSTGRES_URL: NO_POSTGRES });
    assert.equal(code, 1);
    assert.match(output, /CI=true: the tests need PostgreSQL and Redis, and no PostgreSQL at 127\.0\.0\.1:1/);
    assert.doesNotMatch(output, /# tests/, 'no test ran');
  });
});
