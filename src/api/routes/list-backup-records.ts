import type { FastifyReply } from 'fastify';
import { requireListingVersion } from '../../core/use-cases/listing-version.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { backupPageJson, JSON_CONTENT_TYPE } from '../wire/backup-page-json.ts';
import { backupPageWireSchema } from '../wire/backup-record-wire.ts';
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
  async handle(request, reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const query = parseBackupQuery(instanceId, request.query);
    // The version is read first (it also checks the instance is the project's): a page read after it is at
    // least as new, so a body is never cached under a version newer than what it shows.
    const version = await requireListingVersion(deps.store, projectId, instanceId);
    // Bytes, not an object: the schema documents the body, backupPageJson writes it (faster, the same bytes).
    const body =
      deps.backupListingIndex.page(query, version) ??
      (await deps.listingCache.through('backups' + JSON.stringify(query), version, async () => {
        deps.backupListingIndex.missed(instanceId, version);
        return backupPageJson(await deps.store.backups.list(query));
      }));
    // Sent as bytes, past the typed reply: the serialiser's schema is what the bytes are tested against.
    return (reply as FastifyReply).type(JSON_CONTENT_TYPE).send(body);
  },
});
