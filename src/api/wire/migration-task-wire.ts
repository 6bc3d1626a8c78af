import type { Instance } from '../../core/instance.ts';
import type { MigrationTask } from '../../core/migration-task.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/** The CreateMigrationTask body as DCS takes it; fields of online migrations are accepted and ignored. */
export const createMigrationTaskBody = {
  type: 'object',
  required: ['task_name', 'migration_type', 'migration_method', 'backup_files', 'target_instance'],
  properties: {
    task_name: { type: 'string', minLength: 1, maxLength: 64 },
    description: { type: ['string', 'null'], maxLength: 1024 },
    migration_type: { type: 'string' },
    migration_method: { type: 'string' },
    backup_files: {
      type: 'object',
      additionalProperties: false,
      required: ['file_source'],
      properties: {
        file_source: { enum: ['self_build_obs', 'backup_record'] },
        bucket_name: { type: 'string' },
        backup_id: { type: 'string' },
        files: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['file_name'],
            properties: {
              file_name: { type: 'string', minLength: 1 },
              size: { type: 'string' },
              update_at: { type: 'string' },
            },
          },
        },
      },
    },
    target_instance: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

export interface CreateMigrationTaskWire {
  task_name: string;
  description?: string | null;
  migration_type: string;
  migration_method: string;
  backup_files: {
    file_source: 'self_build_obs' | 'backup_record';
    bucket_name?: string;
    backup_id?: string;
    files?: { file_name: string; size?: string | number; update_at?: string }[];
  };
  target_instance: { id: string; password?: string };
}

const MIGRATION_TYPE = 'backupfile_import';
const MIGRATION_METHOD = 'full_amount_migration';

function addressOf(target: Instance | undefined): string | null {
  return target ? `${target.endpoint.host}:${target.endpoint.port}` : null;
}

/** One task in the listing (ListMigrationTask's migration_tasks[]). */
export function migrationTaskSummaryToWire(task: MigrationTask, target: Instance | undefined) {
  return {
    task_id: task.id,
    task_name: task.name,
    status: task.status,
    migration_type: MIGRATION_TYPE,
    migration_method: MIGRATION_METHOD,
    data_source: task.fileSource === 'backup_record' ? task.backupId : (task.files[0]?.fileName ?? null),
    source_instance_name: null,
    source_instance_id: null,
    target_instance_addrs: addressOf(target),
    target_instance_name: target?.name ?? null,
    target_instance_id: task.targetInstanceId,
    created_at: formatIsoUtc(task.createdAt),
  };
}

/** One task whole (ShowMigrationTask), with what the import loaded or why it failed (extensions). */
export function migrationTaskDetailToWire(task: MigrationTask, target: Instance | undefined) {
  return {
    task_id: task.id,
    task_name: task.name,
    description: task.description,
    status: task.status,
    migration_type: MIGRATION_TYPE,
    migration_method: MIGRATION_METHOD,
    backup_files: {
      file_source: task.fileSource,
      bucket_name: task.bucketName,
      backup_id: task.backupId,
      files: task.files.map((f) => ({ file_name: f.fileName, size: f.size, update_at: f.updateAt })),
    },
    target_instance: { id: task.targetInstanceId, name: target?.name ?? null, addrs: addressOf(target) },
    created_at: formatIsoUtc(task.createdAt),
    updated_at: task.updatedAt === null ? null : formatIsoUtc(task.updatedAt),
    error_message: task.errorMessage,
    report: task.report && {
      format: task.report.format,
      rdb_version: task.report.rdbVersion,
      commands: task.report.commands,
      keys: task.report.keys,
      warnings: task.report.warnings,
    },
  };
}

export const migrationTaskIdBody = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id_list'],
  properties: { task_id_list: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string' } } },
} as const;
