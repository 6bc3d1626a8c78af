import type { Kysely } from 'kysely';
import type { SeenSignatureRepository } from '../core/ports.ts';
import type { Database } from './schema.ts';

/** Insert-if-absent on the signature's primary key: the database, not this process, decides who saw it first. */
export class KyselySeenSignatureRepository implements SeenSignatureRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async remember(signature: string, accessKey: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('seen_signatures')
      .values({ signature, access_key: accessKey, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('signature').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('seen_signatures')
      .where('expires_at', '<', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
