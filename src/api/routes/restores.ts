import type { FastifyInstance } from 'fastify';
import { createRestore } from '../../core/use-cases/create-restore.ts';
import { findRestore, listRestores } from '../../core/use-cases/find-restore.ts';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { instanceIdFrom, projectIdFrom, restoreIdFrom } from '../path-params.ts';
import { parseListWindow, type RawQuery } from '../wire/list-query.ts';
import {
  restoreDetailToWire,
  restoreDetailWireSchema,
  restorePageToWire,
  restorePageWireSchema,
} from '../wire/restore-record-wire.ts';

const restoreBody = {
  type: 'object',
  additionalProperties: false,
  required: ['backup_id'],
  properties: {
    backup_id: { type: 'string' },
    remark: { type: ['string', 'null'] },
    // An extension: a cluster backup into a standalone instance, all shards in one keyspace.
    into_standalone: { type: 'boolean' },
  },
} as const;

/** RestoreInstance, ListRestoreRecords, and ShowRestore (an extension: one restore with what it did). */
export function registerRestoreRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/v2/:project_id/instances/:instance_id/restores',
    { schema: { body: restoreBody } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const instanceId = instanceIdFrom(request.params);
      const body = request.body as {
        backup_id: string;
        remark?: string | null;
        into_standalone?: boolean;
      };
      if (!isUuid(body.backup_id)) {
        throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
      }
      const { record } = await createRestore(deps, {
        projectId,
        instanceId,
        backupId: body.backup_id,
        remark: body.remark ?? null,
        requestId: request.id,
        intoStandalone: body.into_standalone === true,
      });
      request.log.info({ instanceId, restoreId: record.id, backupId: record.backupId }, 'restore queued');
      return { restore_id: record.id };
    },
  );

  app.get(
    '/v2/:project_id/instances/:instance_id/restores',
    { schema: { response: { 200: restorePageWireSchema } } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const instanceId = instanceIdFrom(request.params);
      const window = parseListWindow(request.query as RawQuery);
      return restorePageToWire(await listRestores(deps.store, projectId, { instanceId, ...window }));
    },
  );

  app.get(
    '/v2/:project_id/instances/:instance_id/restores/:restore_id',
    { schema: { response: { 200: restoreDetailWireSchema } } },
    async (request) => {
      const stored = await findRestore(
        deps.store,
        projectIdFrom(request.params),
        instanceIdFrom(request.params),
        restoreIdFrom(request.params),
      );
      return restoreDetailToWire(stored);
    },
  );
}
