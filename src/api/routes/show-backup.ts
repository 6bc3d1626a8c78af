import { findBackup } from '../../core/use-cases/find-backup.ts';
import { defineOperation } from '../operations/operation.ts';
import { backupIdFrom, backupParams, instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { backupDetailToWire, backupDetailWireSchema } from '../wire/backup-detail-wire.ts';

export const ShowBackup = defineOperation({
  id: 'ShowBackup',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id/backups/:backup_id',
  access: 'read',
  summary: 'One backup record with what the service knows beyond it (an extension)',
  coverage: {
    family: 'extension',
    status:
      "this service's own: the record plus phase, SHA-256, versions, duration, `expires_at`, `error_message`",
  },
  schemas: { params: backupParams, responses: { 200: backupDetailWireSchema } },
  errors: ['backup_not_found'],
  async handle(request, _reply, deps) {
    const stored = await findBackup(
      deps.store,
      projectIdFrom(request.params),
      instanceIdFrom(request.params),
      backupIdFrom(request.params),
    );
    return backupDetailToWire(stored);
  },
});
