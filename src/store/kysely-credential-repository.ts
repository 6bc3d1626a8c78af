import type { Kysely, Selectable } from 'kysely';
import type { Credential, Role } from '../core/auth/credential.ts';
import type { SecretBox } from '../core/auth/secret-box.ts';
import type { CredentialRepository } from '../core/ports.ts';
import type { CredentialsTable, Database } from './schema.ts';

/** Credentials with their secret keys sealed by the master key. */
export class KyselyCredentialRepository implements CredentialRepository {
  readonly #db: Kysely<Database>;
  readonly #secrets: SecretBox;

  constructor(db: Kysely<Database>, secrets: SecretBox) {
    this.#db = db;
    this.#secrets = secrets;
  }

  async insert(credential: Credential): Promise<void> {
    await this.#db
      .insertInto('credentials')
      .values({
        access_key: credential.accessKey,
        secret: this.#secrets.seal(credential.secretKey),
        project_id: credential.projectId,
        role: credential.role,
        description: credential.description,
        created_at: credential.createdAt,
        revoked_at: credential.revokedAt,
      })
      .execute();
  }

  async find(accessKey: string): Promise<Credential | undefined> {
    const row = await this.#db
      .selectFrom('credentials')
      .selectAll()
      .where('access_key', '=', accessKey)
      .executeTakeFirst();
    return row && this.#toCredential(row);
  }

  async list(): Promise<Credential[]> {
    const rows = await this.#db
      .selectFrom('credentials')
      .selectAll()
      .orderBy('created_at')
      .orderBy('access_key')
      .execute();
    return rows.map((row) => this.#toCredential(row));
  }

  async revoke(accessKey: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('credentials')
      .set({ revoked_at: now })
      .where('access_key', '=', accessKey)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  #toCredential(row: Selectable<CredentialsTable>): Credential {
    return {
      accessKey: row.access_key,
      secretKey: this.#secrets.open(row.secret),
      projectId: row.project_id,
      role: row.role as Role,
      description: row.description,
      createdAt: Number(row.created_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    };
  }
}
