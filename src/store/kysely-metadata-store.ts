import { type Kysely, sql } from 'kysely';
import type { SecretBox } from '../core/auth/secret-box.ts';
import type {
  BackupRepository,
  CredentialRepository,
  InstanceRepository,
  JobRepository,
  MetadataStore,
  NodeRepository,
  PolicyRepository,
  RestoreRepository,
  SeenSignatureRepository,
  MigrationTaskRepository,
} from '../core/ports.ts';
import { KyselyCredentialRepository } from './kysely-credential-repository.ts';
import { KyselyBackupRepository } from './kysely-backup-repository.ts';
import { KyselyInstanceRepository } from './kysely-instance-repository.ts';
import { KyselyJobRepository } from './kysely-job-repository.ts';
import { KyselyNodeRepository } from './kysely-node-repository.ts';
import { KyselyPolicyRepository } from './kysely-policy-repository.ts';
import { KyselyRestoreRepository } from './kysely-restore-repository.ts';
import { KyselySeenSignatureRepository } from './kysely-seen-signature-repository.ts';
import { KyselyMigrationTaskRepository } from './kysely-migration-task-repository.ts';
import { migrationProvider } from './migrations.ts';
import { type DatabaseLocation, MIGRATION_TABLE, openDatabase } from './open-database.ts';
import type { Database } from './schema.ts';

/** The metadata store over Kysely: one code path for SQLite and PostgreSQL. */
export class KyselyMetadataStore implements MetadataStore {
  readonly instances: InstanceRepository;
  readonly backups: BackupRepository;
  readonly jobs: JobRepository;
  readonly credentials: CredentialRepository;
  readonly policies: PolicyRepository;
  readonly restores: RestoreRepository;
  readonly seenSignatures: SeenSignatureRepository;
  readonly nodes: NodeRepository;
  readonly migrationTasks: MigrationTaskRepository;
  readonly #db: Kysely<Database>;

  private constructor(db: Kysely<Database>, secrets: SecretBox) {
    this.#db = db;
    this.instances = new KyselyInstanceRepository(db, secrets);
    this.credentials = new KyselyCredentialRepository(db, secrets);
    this.backups = new KyselyBackupRepository(db);
    this.jobs = new KyselyJobRepository(db);
    this.policies = new KyselyPolicyRepository(db);
    this.restores = new KyselyRestoreRepository(db);
    this.seenSignatures = new KyselySeenSignatureRepository(db);
    this.nodes = new KyselyNodeRepository(db);
    this.migrationTasks = new KyselyMigrationTaskRepository(db);
  }

  /** Opens the database; secrets (Redis passwords, secret keys) are sealed and opened with `secrets`. */
  static async open(location: DatabaseLocation, secrets: SecretBox): Promise<KyselyMetadataStore> {
    return new KyselyMetadataStore(await openDatabase(location), secrets);
  }

  /** A store over a database already opened (and migrated) with openDatabase: for tests that set pragmas. */
  static over(db: Kysely<Database>, secrets: SecretBox): KyselyMetadataStore {
    return new KyselyMetadataStore(db, secrets);
  }

  /**
   * For the readiness check: the database answers, and every migration this version knows has been applied
   * (a node started against a database another version is still migrating is not ready). Throws otherwise.
   */
  async checkReady(): Promise<void> {
    const applied = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(
      this.#db,
    );
    const names = new Set(applied.rows.map((row) => row.name));
    const missing = Object.keys(await migrationProvider.getMigrations()).filter((name) => !names.has(name));
    if (missing.length > 0) throw new Error(`migrations not applied: ${missing.join(', ')}`);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
