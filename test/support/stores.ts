import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/core/auth/secret-box.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { createTestDatabase, POSTGRES_SKIP } from './postgres.ts';

/** One master key per test process: stores reopened on the same database can read what they sealed. */
export const TEST_SECRETS = new SecretBox(randomBytes(32));

export interface OpenedStore {
  store: KyselyMetadataStore;
  /** Closes the store and removes what it created. */
  dispose(): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedStore>;
}

/**
 * Every metadata engine the service supports: contract and API suites run once per entry (PostgreSQL left
 * out when the test runner found none and skips its suites).
 */
export const STORE_KINDS: StoreKind[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-store-'));
      const store = await KyselyMetadataStore.open(
        { kind: 'sqlite', file: path.join(dir, 'metadata.sqlite') },
        TEST_SECRETS,
      );
      return {
        store,
        async dispose() {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await createTestDatabase();
      const store = await KyselyMetadataStore.open({ kind: 'postgres', url: database.url }, TEST_SECRETS);
      return {
        store,
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
].filter((kind) => !(POSTGRES_SKIP && kind.name === 'postgres')) as StoreKind[];
