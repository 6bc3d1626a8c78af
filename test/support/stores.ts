import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/core/auth/secret-box.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import type { DatabaseLocation } from '../../src/store/open-database.ts';
import { createTestDatabase, POSTGRES_SKIP } from './postgres.ts';

/** One master key per test process: stores reopened on the same database can read what they sealed. */
export const TEST_SECRETS = new SecretBox(randomBytes(32));

export interface OpenedStore {
  store: KyselyMetadataStore;
  /** The database it opened: another store (another process's view) can open the same one. */
  location: DatabaseLocation;
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
      const location: DatabaseLocation = { kind: 'sqlite', file: path.join(dir, 'metadata.sqlite') };
      const store = await KyselyMetadataStore.open(location, TEST_SECRETS);
      return {
        store,
        location,
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
      const location: DatabaseLocation = { kind: 'postgres', url: database.url };
      const store = await KyselyMetadataStore.open(location, TEST_SECRETS);
      return {
        store,
        location,
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
].filter((kind) => !(POSTGRES_SKIP && kind.name === 'postgres')) as StoreKind[];
