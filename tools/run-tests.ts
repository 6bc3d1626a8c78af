/**
 * `npm test`: finds out once whether the servers the suites need are here, then runs every test file with
 * node's test runner. Without PostgreSQL the PostgreSQL suites are skipped (SQLite ones still run), and
 * without redis-server the files that start one are left out; both are said once, at the end, with how to
 * enable them. With CI=true nothing is skipped: a missing server fails the run at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const POSTGRES_URL = process.env.DCS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CI = process.env.CI === 'true' || process.env.CI === '1';

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `no PostgreSQL at ${new URL(POSTGRES_URL).host} (${(error as Error).message || (error as { code?: string }).code})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisProblem(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error ? 'no redis-server on the PATH' : null;
}

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Whether a test file reaches `target` (a support module) through its relative imports. */
function reaches(file: string, target: string, seen = new Set<string>()): boolean {
  if (file === target) return true;
  if (seen.has(file) || !fs.existsSync(file)) return false;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
    if (reaches(path.resolve(path.dirname(file), match[1]!), target, seen)) return true;
  }
  return false;
}

// Test files named on the command line run instead of all of them; other arguments go to node's runner.
const args = process.argv.slice(2);
const named = args.filter((arg) => arg.endsWith('.test.ts'));
const files = named.length > 0 ? named : testFiles('test');
const env = { ...process.env };
const notes: string[] = [];
const pgProblem = await postgresProblem();
const redis = redisProblem();
if (CI && (pgProblem || redis)) {
  console.error(
    `CI=true: the tests need PostgreSQL and Redis, and ${[pgProblem, redis].filter(Boolean).join('; ')}.`,
  );
  process.exit(1);
}
if (pgProblem) {
  env.DCS_TEST_SKIP_POSTGRES = pgProblem;
  notes.push(
    `PostgreSQL suites SKIPPED: ${pgProblem}. They run against a PostgreSQL that accepts the user postgres ` +
      'without a password on 127.0.0.1:5432, or the one named by DCS_TEST_POSTGRES_URL.',
  );
}
let selected = files;
if (redis) {
  const target = path.resolve('test/support/redis-server.ts');
  const needRedis = files.filter((file) => reaches(path.resolve(file), target));
  selected = files.filter((file) => !needRedis.includes(file));
  notes.push(
    `Redis suites SKIPPED (${needRedis.length} files: ${needRedis.join(', ')}): ${redis}. ` +
      'Install redis-server (and redis-tools) to run them.',
  );
}

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    // Files run side by side: most of their time is spent waiting on the servers they start, not on a core.
    `--test-concurrency=${process.env.DCS_TEST_CONCURRENCY ?? 3}`,
    // A file that hangs (a server that never answers, a handle left open) fails, named, after this long instead
    // of holding the whole run until CI gives up on it without saying which file it was waiting for. The limit
    // applies to each file as a whole and to each test in it; the slowest file (the benchmarks) takes about
    // two minutes.
    `--test-timeout=${process.env.DCS_TEST_TIMEOUT_MS ?? 600_000}`,
    // A file whose tests have all ended exits even if something it started still holds the event loop.
    '--test-force-exit',
    ...args.filter((a) => !named.includes(a)),
    ...selected,
  ],
  { stdio: 'inherit', env },
);
child.on('exit', (code, signal) => {
  for (const note of notes) console.log(`\n${note}`);
  process.exit(code ?? (signal ? 1 : 0));
});
