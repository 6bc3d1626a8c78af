import Type from 'typebox';
import { BACKUP_FORMATS } from '../../core/backup-record.ts';
import { createBackup } from '../../core/use-cases/create-backup.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { nullable, stringEnum } from '../wire/schema-kit.ts';

const copyInstanceBody = Type.Object(
  {
    remark: Type.Optional(nullable(Type.String({ description: 'up to 128 characters; DCS.4098 otherwise' }))),
    backup_format: Type.Optional(
      stringEnum(BACKUP_FORMATS, {
        description:
          'rdb (default) or aof (a RESP command stream); aof of a cluster instance answers DCS.4902',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CopyInstance = defineOperation({
  id: 'CopyInstance',
  method: 'POST',
  path: '/v2/:project_id/instances/:instance_id/backups',
  access: 'write',
  summary: 'Back up an instance now: answers the new record id at once, the backup runs in the background',
  coverage: {
    family: 'dcs',
    label: 'create a backup',
    status:
      '**supported** for `backup_format` `rdb` and `aof` (the snapshot converted on the way into `appendonly.aof`, a RESP command stream any Redis ≥ 2.8 or Valkey loads; not yet for cluster instances: `DCS.4902`)',
  },
  schemas: {
    params: instanceParams,
    body: copyInstanceBody,
    responses: { 200: Type.Object({ backup_id: Type.String({ format: 'uuid' }) }) },
  },
  optionalBody: true,
  errors: ['not_supported', 'remark_too_long', 'backup_in_progress', 'restore_in_progress'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const record = await createBackup(deps, {
      projectId,
      instanceId,
      remark: request.body.remark ?? null,
      format: request.body.backup_format ?? 'rdb',
      requestId: request.id,
    });
    request.log.info({ instanceId, backupId: record.id }, 'backup queued');
    return { backup_id: record.id };
  },
});
