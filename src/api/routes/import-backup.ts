import Type from 'typebox';
import { importBackup } from '../../core/use-cases/import-backup.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { nullable } from '../wire/schema-kit.ts';

const importBackupBody = Type.Object(
  {
    file_name: Type.String({
      minLength: 1,
      description: 'the file_name UploadImportFile answered (a file uploaded to this project)',
    }),
    remark: Type.Optional(nullable(Type.String({ description: 'up to 128 characters; DCS.4098 otherwise' }))),
  },
  { additionalProperties: false },
);

/** ImportBackup (an extension): an outside RDB file, uploaded first, kept as a manual backup of the instance. */
export const ImportBackup = defineOperation({
  id: 'ImportBackup',
  method: 'POST',
  path: '/v2/:project_id/instances/:instance_id/backups/import',
  access: 'write',
  summary: 'Keep an uploaded RDB file as a manual backup of the instance, once read whole (an extension)',
  coverage: {
    family: 'extension',
    status:
      'reads the uploaded file whole through the RDB reader (structure and CRC-64; RDB 1–4 have none and pass on the full read), refuses it with the reason (`DCS.4967`, nothing stored) or stores it as a `manual`, `succeed` backup and answers its record; the upload is removed; not for cluster instances (`DCS.4902`)',
  },
  schemas: {
    params: instanceParams,
    body: importBackupBody,
    responses: {
      200: Type.Object({
        backup_id: Type.String({ format: 'uuid' }),
        backup_name: Type.String(),
        size: Type.Integer(),
      }),
    },
  },
  errors: ['remark_too_long', 'import_file_missing', 'import_file_rejected', 'not_supported'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const record = await importBackup(deps, {
      projectId,
      instanceId,
      fileName: request.body.file_name,
      remark: request.body.remark ?? null,
    });
    request.log.info({ instanceId, backupId: record.id }, 'backup imported');
    return { backup_id: record.id, backup_name: record.name, size: record.sizeBytes };
  },
});
