import type { FastifyInstance } from 'fastify';
import { BACKUP_FORMATS, type BackupFormat } from '../../core/backup-record.ts';
import { createBackup } from '../../core/use-cases/create-backup.ts';
import { deleteBackup } from '../../core/use-cases/delete-backup.ts';
import { findBackup } from '../../core/use-cases/find-backup.ts';
import { verifyBackup } from '../../core/use-cases/verify-backup.ts';
import type { AppDeps } from '../app-deps.ts';
import { emptyBodyWhenAbsent } from '../optional-body.ts';
import { backupIdFrom, instanceIdFrom, projectIdFrom } from '../path-params.ts';
import {
  backupDetailToWire,
  backupDetailWireSchema,
  verificationToWire,
} from '../wire/backup-detail-wire.ts';

const copyInstanceBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    remark: { type: ['string', 'null'] },
    backup_format: { type: 'string', enum: [...BACKUP_FORMATS] },
  },
} as const;

/** CopyInstance, DeleteBackupFile, and two extensions: ShowBackup (one record with its detail) and verify. */
export function registerBackupRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/v2/:project_id/instances/:instance_id/backups',
    {
      schema: { body: copyInstanceBody },
      preValidation: emptyBodyWhenAbsent,
    },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const instanceId = instanceIdFrom(request.params);
      const body = request.body as { remark?: string | null; backup_format?: BackupFormat };
      const record = await createBackup(deps, {
        projectId,
        instanceId,
        remark: body.remark ?? null,
        format: body.backup_format ?? 'rdb',
        requestId: request.id,
      });
      request.log.info({ instanceId, backupId: record.id }, 'backup queued');
      return { backup_id: record.id };
    },
  );

  app.get(
    '/v2/:project_id/instances/:instance_id/backups/:backup_id',
    { schema: { response: { 200: backupDetailWireSchema } } },
    async (request) => {
      const stored = await findBackup(
        deps.store,
        projectIdFrom(request.params),
        instanceIdFrom(request.params),
        backupIdFrom(request.params),
      );
      return backupDetailToWire(stored);
    },
  );

  app.post('/v2/:project_id/instances/:instance_id/backups/:backup_id/verify', async (request) => {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const backupId = backupIdFrom(request.params);
    const { stored, summary } = await verifyBackup(deps, projectId, instanceId, backupId);
    request.log.info({ instanceId, backupId, problem: summary.problem }, 'backup verified');
    return verificationToWire(stored, summary);
  });

  app.delete('/v2/:project_id/instances/:instance_id/backups/:backup_id', async (request, reply) => {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const backupId = backupIdFrom(request.params);
    await deleteBackup(deps, projectId, instanceId, backupId);
    request.log.info({ instanceId, backupId }, 'backup deleted');
    return reply.code(204).send();
  });
}
