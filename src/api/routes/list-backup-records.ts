import { listBackupRecords } from '../../core/use-cases/list-backup-records.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { backupPageToWire, backupPageWireSchema } from '../wire/backup-record-wire.ts';
import { backupListQuerySchema, parseBackupQuery } from '../wire/list-query.ts';

export const ListBackupRecords = defineOperation({
  id: 'ListBackupRecords',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id/backups',
  access: 'read',
  summary: "List an instance's backup records, newest first",
  coverage: {
    family: 'dcs',
    status:
      '**supported**: `begin_time`, `end_time` (and the legacy `beginTime`/`endTime`), `limit` 1–1000, `offset`; extensions `status`, `backup_type`, `backup_format`',
  },
  schemas: {
    params: instanceParams,
    querystring: backupListQuerySchema,
    responses: { 200: backupPageWireSchema },
  },
  errors: ['end_before_begin', 'invalid_parameter'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const query = parseBackupQuery(instanceId, request.query);
    return backupPageToWire(await listBackupRecords(deps.store, projectId, query));
  },
});
