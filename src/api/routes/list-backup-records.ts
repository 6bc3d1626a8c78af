import type { FastifyInstance } from 'fastify';
import { listBackupRecords } from '../../core/use-cases/list-backup-records.ts';
import type { AppDeps } from '../app-deps.ts';
import { dcsErrorBodySchema } from '../dcs-error-body.ts';
import { instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { backupPageJson, JSON_CONTENT_TYPE } from '../wire/backup-page-json.ts';
import { backupPageWireSchema } from '../wire/backup-record-wire.ts';
import { parseBackupQuery, type RawQuery } from '../wire/list-query.ts';

/** ListBackupRecords: GET /v2/{project_id}/instances/{instance_id}/backups. */
export function registerListBackupRecords(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/v2/:project_id/instances/:instance_id/backups',
    { schema: { response: { 200: backupPageWireSchema, '4xx': dcsErrorBodySchema } } },
    async (request, reply) => {
      const projectId = projectIdFrom(request.params);
      const instanceId = instanceIdFrom(request.params);
      const query = parseBackupQuery(instanceId, request.query as RawQuery);
      // Bytes, not an object: the schema above documents the body, backupPageJson writes it (faster, same bytes).
      const body = backupPageJson(await listBackupRecords(deps.store, projectId, query));
      return reply.type(JSON_CONTENT_TYPE).send(body);
    },
  );
}
