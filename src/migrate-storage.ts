import fs from 'node:fs';
import { FsBlobStore } from './blobs/fs-blob-store.ts';
import { S3BlobStore } from './blobs/s3-blob-store.ts';
import { ConfigError, type ServiceConfig } from './config.ts';
import { SecretBox } from './core/auth/secret-box.ts';
import { migrateStorage, type MigrationLine, type MigrationSummary } from './jobs/storage-migrate.ts';
import { backupsDir } from './service/data-dir.ts';
import { loadMasterKey } from './service/master-key.ts';
import { KyselyMetadataStore } from './store/kysely-metadata-store.ts';

/**
 * Composition root of `storage migrate`: opens the metadata database, the data directory's store and the
 * bucket the configuration names (config.blobs), as the service would, and moves the files (see migrateStorage).
 */
export async function runStorageMigration(
  config: ServiceConfig,
  options: { dryRun: boolean; onLine: (line: MigrationLine) => void },
): Promise<MigrationSummary & { target: string }> {
  if (config.blobs.kind !== 's3') throw new ConfigError('--to must be an s3:// URL');
  const dir = backupsDir(config.dataDir);
  // Never create an empty data directory (and a new store id) for a mistyped path.
  if (!fs.existsSync(dir)) throw new ConfigError(`no backups directory in ${config.dataDir}`);
  const master = loadMasterKey(config.masterKey, config.dataDir);
  const local = new FsBlobStore(dir);
  const target = new S3BlobStore(config.blobs.s3);
  try {
    await target.probe();
    const store = await KyselyMetadataStore.open(config.database, new SecretBox(master.key));
    try {
      const summary = await migrateStorage({ store, local, target, ...options });
      return { ...summary, target: target.describe() };
    } finally {
      await store.close();
    }
  } finally {
    target.close();
  }
}
