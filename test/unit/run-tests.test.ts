import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Nothing listens on port 1: this is a machine without PostgreSQL, as the runner sees it.
const NO_POSTGRES = 'postgres://postgres@127.0.0.1:1/postgres';

function runner(
  env: NodeJS.ProcessEnv,
  files = ['test/e2e/readiness-postgres.test.ts'],
): Promise<{ code: number; output: string }> {
  // Run as npm test runs it, not as a test inside this one (node's runner would refuse to nest).
  const outer = { ...process.env };
  delete outer.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/run-tests.ts', ...files],
      // Without its own limit the runner would hold this test as long as the file it waits for.
      { cwd: ROOT, env: { ...outer, DCS_TEST_SKIP_POSTGRES: '', ...env }, timeout: 60_000 },
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

describe('npm test with a file that never ends', () => {
  it('fails that file by name after the time limit, runs the others, and exits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-run-tests-'));
    try {
      // A setup that waits forever on a listening server: neither the hook nor the process would ever end.
      const hanging = path.join(dir, 'hangs-in-setup.test.ts');
      fs.writeFileSync(
        hanging,
        "import net from 'node:net';\nimport { before, describe, it } from 'node:test';\n" +
          "describe('a setup that never ends', () => {\n" +
          '  before(() => new Promise(() => { net.createServer().listen(0); }));\n' +
          "  it('is never reached', () => {});\n});\n",
      );
      const fine = path.join(dir, 'fine.test.ts');
      fs.writeFileSync(fine, "import { it } from 'node:test';\nit('ends at once', () => {});\n");
      const { code, output } = await runner(
        { CI: '', DCS_TEST_POSTGRES_URL: NO_POSTGRES, DCS_TEST_TIMEOUT_MS: '2000' },
        [hanging, fine],
      );
      assert.equal(code, 1, output);
      // Node 20 fails the file as a whole, Node 22 and later the hook's suite; both name the file.
      assert.match(output, /'test timed out after 2000ms'/, output);
      assert.match(output, /✖ .*hangs-in-setup\.test\.ts|test at .*hangs-in-setup\.test\.ts/, output);
      assert.match(output, /✔ ends at once/, output);
      assert.match(output, /ℹ pass 1\n/, output);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
