import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../src/core/auth/secret-box.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

interface Page {
  total_num: number;
  backup_record_response: { backup_id: string; status: string; progress: string }[];
}

/**
 * Two service processes on one PostgreSQL database, each with its listing cache warm, and a third writer (this
 * test, on its own connection): every committed write, whoever made it, shows in the very next listing from
 * both processes. A cache trusting its own bodies fails this at the first write.
 */
describe('listings from two service processes on one PostgreSQL database', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  let writer: KyselyMetadataStore;
  const nodes: ServiceProcess[] = [];
  const dirs: string[] = [];
  let token: string;
  const instance = makeInstance({ projectId: 'p-coherence' });
  const first = makeBackup(instance.id, T0 - 3_600_000);

  before(async () => {
    database = await createTestDatabase();
    const masterKey = randomBytes(32);
    const env = { DCS_MASTER_KEY: masterKey.toString('hex'), DCS_DATABASE_URL: database.url };
    for (let i = 0; i < 2; i++) dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), `dcs-listing-${i + 1}-`)));
    // The first creates the schema and the admin credential; the second finds them.
    nodes.push(await startServiceProcess(['--data-dir', dirs[0]!], env));
    nodes.push(await startServiceProcess(['--data-dir', dirs[1]!], env));
    const issued = await runCli(['--endpoint', nodes[0]!.url, 'credentials', 'token', '--ttl', '600'], {
      DCS_DATA_DIR: dirs[0],
    });
    assert.equal(issued.code, 0, issued.stderr);
    token = issued.stdout.trim();
    writer = await KyselyMetadataStore.open(
      { kind: 'postgres', url: database.url },
      new SecretBox(masterKey),
    );
    await writer.instances.insert(instance);
    await writer.backups.insert(first);
  });

  after(async () => {
    for (const node of nodes) await node.stop();
    await writer?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  const list = async (node: ServiceProcess, query: string): Promise<Page> => {
    const answer = await fetch(
      `${node.url}/v2/${instance.projectId}/instances/${instance.id}/backups?${query}`,
      {
        headers: { 'x-auth-token': token },
      },
    );
    assert.equal(answer.status, 200);
    return (await answer.json()) as Page;
  };

  const queries = ['limit=10', 'limit=1&offset=0', 'limit=10&status=succeed,backuping'];

  /** Every page from both processes, each asked twice (the second is the cached answer): all agree. */
  const listEverywhere = async () => {
    const pages: Page[] = [];
    for (const node of nodes) {
      for (const query of queries) {
        const page = await list(node, query);
        assert.deepEqual(await list(node, query), page, `a repeated ${query} answers the same`);
        pages.push(page);
      }
    }
    assert.deepEqual(pages.slice(queries.length), pages.slice(0, queries.length), 'both processes agree');
    return pages[0]!;
  };

  it('shows a record created, progressed, finished and deleted by anyone in the next listing from both', async () => {
    let page = await listEverywhere();
    assert.equal(page.total_num, 1);

    const second = makeBackup(instance.id, T0, { status: 'backuping', progressHundredths: 1_000 });
    await writer.backups.insert(second);
    page = await listEverywhere();
    assert.equal(page.total_num, 2);
    assert.equal(page.backup_record_response[0]!.backup_id, second.id);
    assert.equal(page.backup_record_response[0]!.status, 'backuping');

    await writer.backups.update(second.id, { progressHundredths: 5_500 });
    page = await listEverywhere();
    assert.equal(page.backup_record_response[0]!.progress, '55.00');

    assert.equal(
      await writer.backups.transition(second.id, ['backuping'], 'succeed', { updatedAt: T0 + 1 }),
      true,
    );
    page = await listEverywhere();
    assert.equal(page.backup_record_response[0]!.status, 'succeed');

    // Deleted through the first process's API: the second process's warm cache must not keep it.
    const deleted = await fetch(
      `${nodes[0]!.url}/v2/${instance.projectId}/instances/${instance.id}/backups/${first.id}`,
      { method: 'DELETE', headers: { 'x-auth-token': token } },
    );
    assert.ok(deleted.status < 300, `delete answered ${deleted.status}`);
    page = await listEverywhere();
    const statusOfFirst = page.backup_record_response.find((r) => r.backup_id === first.id)?.status;
    assert.notEqual(statusOfFirst, 'succeed', 'the deleted record no longer shows as succeed');
  });
});
