import type { Kysely, Selectable } from 'kysely';
import type { BackupPolicy, StoredPolicy } from '../core/backup-policy.ts';
import type { PolicyRepository } from '../core/ports.ts';
import type { BackupPoliciesTable, Database } from './schema.ts';

export class KyselyPolicyRepository implements PolicyRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async find(instanceId: string): Promise<StoredPolicy | undefined> {
    const row = await this.#db
      .selectFrom('backup_policies')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .executeTakeFirst();
    return row && rowToPolicy(row);
  }

  async findMany(instanceIds: readonly string[]): Promise<Map<string, StoredPolicy>> {
    const found = new Map<string, StoredPolicy>();
    // Chunks keep the bound parameters well inside both engines' limits.
    for (let start = 0; start < instanceIds.length; start += 500) {
      const rows = await this.#db
        .selectFrom('backup_policies')
        .selectAll()
        .where('instance_id', 'in', instanceIds.slice(start, start + 500))
        .execute();
      for (const row of rows) found.set(row.instance_id, rowToPolicy(row));
    }
    return found;
  }

  async save(stored: StoredPolicy): Promise<void> {
    const row = policyToRow(stored);
    const { instance_id: _key, id: _id, created_at: _created, ...changes } = row;
    await this.#db
      .insertInto('backup_policies')
      .values(row)
      .onConflict((oc) => oc.column('instance_id').doUpdateSet(changes))
      .execute();
  }

  async due(now: number, limit: number): Promise<StoredPolicy[]> {
    const rows = await this.#db
      .selectFrom('backup_policies')
      .selectAll()
      .where('next_window_at', 'is not', null)
      .where('next_window_at', '<=', now)
      .orderBy('next_window_at')
      .limit(limit)
      .execute();
    return rows.map(rowToPolicy);
  }

  async advance(instanceId: string, from: number, to: number | null): Promise<boolean> {
    const result = await this.#db
      .updateTable('backup_policies')
      .set({ next_window_at: to })
      .where('instance_id', '=', instanceId)
      .where('next_window_at', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function policyToRow(stored: StoredPolicy): BackupPoliciesTable {
  const { policy } = stored;
  return {
    instance_id: stored.instanceId,
    id: stored.id,
    project_id: stored.projectId,
    backup_type: policy.backupType,
    save_days: policy.saveDays,
    keep_last: policy.keepLast,
    max_backups: policy.maxBackups,
    weekdays: policy.plan ? policy.plan.weekdays.join(',') : null,
    period_type: policy.plan?.periodType ?? null,
    begin_hour: policy.plan?.beginHour ?? null,
    timezone_offset: policy.plan?.timezoneOffset ?? null,
    created_at: stored.createdAt,
    updated_at: stored.updatedAt,
    next_window_at: stored.nextWindowAt,
  };
}

// Rows are only ever written by policyToRow, so the casts restore the types they were written with.
function rowToPolicy(row: Selectable<BackupPoliciesTable>): StoredPolicy {
  const policy: BackupPolicy = {
    backupType: row.backup_type as BackupPolicy['backupType'],
    saveDays: row.save_days,
    keepLast: row.keep_last,
    maxBackups: row.max_backups,
    plan:
      row.weekdays === null || row.begin_hour === null
        ? null
        : {
            weekdays: row.weekdays.split(',').map(Number),
            periodType: 'weekly',
            beginHour: row.begin_hour,
            timezoneOffset: row.timezone_offset,
          },
  };
  return {
    id: row.id,
    instanceId: row.instance_id,
    projectId: row.project_id,
    policy,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    nextWindowAt: row.next_window_at === null ? null : Number(row.next_window_at),
  };
}
