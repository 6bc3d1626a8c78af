import { verifyBackup } from '../../core/use-cases/verify-backup.ts';
import { defineOperation } from '../operations/operation.ts';
import { backupIdFrom, backupParams, instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { verificationToWire, verificationWireSchema } from '../wire/backup-detail-wire.ts';

export const VerifyBackup = defineOperation({
  id: 'VerifyBackup',
  method: 'POST',
  path: '/v2/:project_id/instances/:instance_id/backups/:backup_id/verify',
  access: 'write',
  summary: 'Read a stored backup whole and say what it holds and any problem (an extension)',
  coverage: {
    family: 'service',
    status:
      'reads the whole file (structure, every value, CRC-64, SHA-256) and answers what it holds and any problem',
  },
  schemas: { params: backupParams, responses: { 200: verificationWireSchema } },
  errors: ['backup_not_found', 'backup_not_ready', 'file_on_other_node'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const backupId = backupIdFrom(request.params);
    const { stored, summary } = await verifyBackup(deps, projectId, instanceId, backupId);
    request.log.info({ instanceId, backupId, problem: summary.problem }, 'backup verified');
    return verificationToWire(stored, summary);
  },
});
