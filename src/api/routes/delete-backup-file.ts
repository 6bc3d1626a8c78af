import { deleteBackup } from '../../core/use-cases/delete-backup.ts';
import { defineOperation } from '../operations/operation.ts';
import { backupIdFrom, backupParams, instanceIdFrom, projectIdFrom } from '../path-params.ts';

export const DeleteBackupFile = defineOperation({
  id: 'DeleteBackupFile',
  method: 'DELETE',
  path: '/v2/:project_id/instances/:instance_id/backups/:backup_id',
  access: 'write',
  summary: "Delete a backup's file; the record stays listed as deleted",
  coverage: { family: 'dcs', status: '**supported**: 204, the record stays listed as `deleted`' },
  schemas: { params: backupParams, responses: { 204: null } },
  successStatus: 204,
  errors: ['backup_not_found', 'backup_in_progress', 'restore_in_progress'],
  async handle(request, reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const backupId = backupIdFrom(request.params);
    await deleteBackup(deps, projectId, instanceId, backupId);
    request.log.info({ instanceId, backupId }, 'backup deleted');
    return reply.code(204).send();
  },
});
