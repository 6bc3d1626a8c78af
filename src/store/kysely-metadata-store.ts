import type { Kysely } from 'kysely';
import type { BackupRepository, InstanceRepository, JobRepository, MetadataStore } from '../core/ports.ts';
import { KyselyBackupRepository } from './kysely-backup-repository.ts';
import { KyselyInstanceRepository } from './kysely-instance-repository.ts';
import { KyselyJobRepository } from './kysely-job-repository.ts';
import { type DatabaseLocation, openDatabase } from './open-database.ts';
import type { Database } from './schema.ts';

/** The metadata store over Kysely: one code path for SQLite and PostgreSQL. */
export class KyselyMetadataStore implements MetadataStore {
  readonly instances: InstanceRepository;
  readonly backups: BackupRepository;
  readonly jobs: JobRepository;
  readonly #db: Kysely<Database>;

  private constructor(db: Kysely<Database>) {
    this.#db = db;
    this.instances = new KyselyInstanceRepository(db);
    this.backups = new KyselyBackupRepository(db);
    this.jobs = new KyselyJobRepository(db);
  }

  static async open(location: DatabaseLocation): Promise<KyselyMetadataStore> {
    return new KyselyMetadataStore(await openDatabase(location));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
