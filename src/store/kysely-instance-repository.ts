import type { Kysely } from 'kysely';
import type { Instance } from '../core/instance.ts';
import type { InstanceRepository } from '../core/ports.ts';
import { instanceToRow, rowToInstance } from './row-mapping.ts';
import type { Database } from './schema.ts';

export class KyselyInstanceRepository implements InstanceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(instance: Instance): Promise<void> {
    await this.#db.insertInto('instances').values(instanceToRow(instance)).execute();
  }

  async findById(id: string): Promise<Instance | undefined> {
    const row = await this.#db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToInstance(row);
  }

  async list(projectId?: string): Promise<Instance[]> {
    let query = this.#db.selectFrom('instances').selectAll();
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(rowToInstance);
  }

  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('backups').where('instance_id', '=', id).execute();
      await tx.deleteFrom('jobs').where('instance_id', '=', id).execute();
      await tx.deleteFrom('instances').where('id', '=', id).execute();
    });
  }
}
