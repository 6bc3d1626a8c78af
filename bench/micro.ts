/**
 * Micro-measurements behind the figures in the notes: CRC-64 and SHA-256 throughput on one core, the cost of
 * authenticating a signed versus a token request, a 10-row SQLite page as objects versus raw arrays, and a
 * listing-cache hit after many misses versus on a cache holding one body, and the listing's JSON writer
 * against JSON.stringify of the wire objects for a 10- and a 1,000-record page.
 *
 *   npm run bench:micro [-- --mib 256] [--auth-runs 50000] [--page-runs 20000] [--cache-churn 200000]
 *                       [--cache-runs 200000] [--json-runs 20000]
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { Authenticator } from '../src/api/auth/authenticator.ts';
import { DEFAULT_LISTING_CACHE_BYTES, ListingCache } from '../src/api/listing-cache.ts';
import { backupPageJson } from '../src/api/wire/backup-page-json.ts';
import { backupPageToWire } from '../src/api/wire/backup-record-wire.ts';
import { SecretBox } from '../src/core/auth/secret-box.ts';
import { signRequest } from '../src/core/auth/sdk-signature.ts';
import { TokenIssuer } from '../src/core/auth/tokens.ts';
import { Crc64 } from '../src/engine/rdb/crc64.ts';
import type { BackupPage } from '../src/core/ports.ts';
import { KyselyMetadataStore } from '../src/store/kysely-metadata-store.ts';
import { makeBackup, makeInstance } from '../test/support/records.ts';
import { comparePageWriters } from './page-json-compare.ts';

function perSecond(label: string, bytes: number, work: () => void): void {
  work();
  const started = performance.now();
  work();
  console.log(`${label}: ${((bytes / 1e6 / (performance.now() - started)) * 1000).toFixed(0)} MB/s`);
}

async function microseconds(label: string, n: number, work: () => unknown): Promise<void> {
  for (let i = 0; i < n / 10; i++) await work();
  const started = performance.now();
  for (let i = 0; i < n; i++) await work();
  console.log(`${label}: ${(((performance.now() - started) * 1000) / n).toFixed(1)} µs`);
}

const { values: args } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    'auth-runs': { type: 'string', default: '50000' },
    'page-runs': { type: 'string', default: '20000' },
    'cache-churn': { type: 'string', default: '200000' },
    'cache-runs': { type: 'string', default: '200000' },
    'json-runs': { type: 'string', default: '20000' },
  },
});
const AUTH_RUNS = Number(args['auth-runs']);
const PAGE_RUNS = Number(args['page-runs']);
const CACHE_CHURN = Number(args['cache-churn']);
const CACHE_RUNS = Number(args['cache-runs']);
const JSON_RUNS = Number(args['json-runs']);

// 256 MiB (by default) of distinct data in 64 KiB pieces: a stream's bytes are not in the CPU cache, and a measurement over
// one repeated 64 KiB buffer would say so (it reported twice the real rate of the earlier JavaScript CRC).
const data = randomBytes(Number(args.mib) * 1024 * 1024);
const chunk = data.subarray(0, 65_536);
const CHUNKS = data.length / chunk.length;
const pieces = Array.from({ length: CHUNKS }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536));
perSecond('CRC-64 (slicing by 8, WebAssembly)', data.length, () => {
  const crc = new Crc64();
  for (const piece of pieces) crc.update(piece);
});
perSecond('SHA-256', data.length, () => {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  hash.digest();
});

const credential = {
  accessKey: 'AKMICROBENCH00000000',
  secretKey: 'x'.repeat(40),
  projectId: null,
  role: 'admin' as const,
  description: null,
  createdAt: 0,
  revokedAt: null,
};
const tokens = new TokenIssuer(randomBytes(32));
const auth = new Authenticator({
  credentials: {
    find: async () => credential,
    insert: async () => {},
    list: async () => [],
    revoke: async () => true,
  },
  tokens,
  clock: { now: () => Date.now() },
});
const url = '/v2/bench/instances/00000000-0000-4000-8000-000000000001/backups?limit=10';
const headers = { host: '127.0.0.1:8080', 'content-type': 'application/json' };
const signedHeaders = signRequest(
  {
    method: 'GET',
    rawPath: url.split('?')[0]!,
    rawQuery: 'limit=10',
    headers,
    payloadSha256: createHash('sha256').update('').digest('hex'),
  },
  credential.accessKey,
  credential.secretKey,
  Date.now(),
);
await microseconds('authenticate, signed', AUTH_RUNS, () =>
  auth.authenticate({ method: 'GET', url, headers: { ...headers, ...signedHeaders }, rawBody: undefined }),
);
const token = tokens.issue(credential.accessKey, Date.now() + 3_600_000);
await microseconds('authenticate, token', AUTH_RUNS, () =>
  auth.authenticate({
    method: 'GET',
    url,
    headers: { ...headers, 'x-auth-token': token },
    rawBody: undefined,
  }),
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-micro-'));
const file = path.join(dir, 'metadata.sqlite');
const store = await KyselyMetadataStore.open({ kind: 'sqlite', file }, new SecretBox(randomBytes(32)));
const instances = Array.from({ length: 50 }, () => makeInstance());
for (const instance of instances) await store.instances.insert(instance);
await store.backups.insertMany(
  instances.flatMap((instance) =>
    Array.from({ length: 1000 }, (_, i) => makeBackup(instance.id, Date.UTC(2025, 0, 1) + i * 60_000)),
  ),
);
await store.close();
const sqlite = new SqliteDatabase(file, { readonly: true });
const page = 'SELECT * FROM backups WHERE instance_id = ? ORDER BY created_at DESC, id DESC LIMIT 10';
const asObjects = sqlite.prepare(page);
const asArrays = sqlite.prepare(page).raw(true);
let n = 0;
await microseconds('10-row page as objects', PAGE_RUNS, () =>
  asObjects.all(instances[n++ % instances.length]!.id),
);
await microseconds('10-row page as raw arrays', PAGE_RUNS, () =>
  asArrays.all(instances[n++ % instances.length]!.id),
);
sqlite.close();
fs.rmSync(dir, { recursive: true, force: true });

// The listing cache after a stream of misses (a console walking new windows): a hit then, against a hit on a
// cache that has only ever held the one body. The ratio stays near 1 while a hit leaves the cache's Map alone.
const churned = new ListingCache(DEFAULT_LISTING_CACHE_BYTES);
const windowBody = Buffer.alloc(926, 0x61);
for (let i = 0; i < CACHE_CHURN; i++) churned.set(`window ${i}`, '1', windowBody);
churned.set('page', '1', Buffer.alloc(4_500, 0x62));
const alone = new ListingCache(DEFAULT_LISTING_CACHE_BYTES);
alone.set('page', '1', Buffer.alloc(4_500, 0x62));
const hitCost = async (label: string, cache: ListingCache) => {
  const started = performance.now();
  for (let i = 0; i < CACHE_RUNS; i++) cache.get('page', '1');
  const micros = ((performance.now() - started) * 1000) / CACHE_RUNS;
  console.log(`${label}: ${micros.toFixed(3)} µs`);
  return micros;
};
const afterChurn = await hitCost(
  `listing cache hit after ${CACHE_CHURN} misses (${churned.size} kept)`,
  churned,
);
const onItsOwn = await hitCost('listing cache hit, one body kept', alone);
console.log(`listing cache hit after churn / alone: ${(afterChurn / onItsOwn).toFixed(2)}`);

// The listing's body: ours against the wire objects through JSON.stringify and Buffer.from, on records spread
// over a 30-day window (so neighbouring records fall on different days), with and without remarks.
const listed = makeInstance();
const windowStart = Date.UTC(2025, 0, 1);
const spread = Array.from({ length: 1000 }, (_, i) =>
  makeBackup(listed.id, windowStart + Math.floor(Math.random() * 30 * 86_400_000), {
    ...(i % 2 === 0 ? { type: 'auto' as const, period: '02:00-03:00' } : {}),
    remark: i % 3 === 0 ? `nightly backup before release ${i}` : null,
    sizeBytes: 1 + Math.floor(Math.random() * 2 ** 40),
  }),
).sort((a, b) => b.createdAt - a.createdAt);
const stringified = (page: BackupPage) => Buffer.from(JSON.stringify(backupPageToWire(page)));
const smallPages = Array.from({ length: 100 }, (_, i) => ({
  total: spread.length,
  records: spread.slice(i * 10, i * 10 + 10),
}));
let p = 0;
await comparePageWriters(
  '10-record page',
  JSON_RUNS,
  () => backupPageJson(smallPages[p++ % smallPages.length]!),
  () => stringified(smallPages[p++ % smallPages.length]!),
);
const largePage = { total: spread.length, records: spread };
await comparePageWriters(
  '1,000-record page',
  Math.max(4, Math.round(JSON_RUNS / 50)),
  () => backupPageJson(largePage),
  () => stringified(largePage),
);
