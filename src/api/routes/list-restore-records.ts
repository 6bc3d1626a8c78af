import type { FastifyReply } from 'fastify';
import { requireListingVersion } from '../../core/use-cases/listing-version.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { JSON_CONTENT_TYPE } from '../wire/backup-page-json.ts';
import { listWindowQuerySchema, parseListWindow } from '../wire/list-query.ts';
import { restorePageToWire, restorePageWireSchema } from '../wire/restore-record-wire.ts';

export const ListRestoreRecords = defineOperation({
  id: 'ListRestoreRecords',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id/restores',
  access: 'read',
  summary: "List an instance's restore records, newest first",
  coverage: {
    family: 'dcs',
    status:
      '**supported**: `begin_time`, `end_time`, `limit`, `offset`; `total_num` and `restore_record_response` as DCS lists them',
  },
  schemas: {
    params: instanceParams,
    querystring: listWindowQuerySchema,
    responses: { 200: restorePageWireSchema },
  },
  errors: ['end_before_begin', 'invalid_parameter'],
  async handle(request, reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const query = { instanceId, ...parseListWindow(request.query) };
    // As ListBackupRecords: the version first (it also checks the project), then the kept body or a fresh one.
    const version = await requireListingVersion(deps.store, projectId, instanceId);
    // Written by the route's own response serialiser: the same bytes as an answer sent as an object.
    const body = await deps.listingCache.through('restores' + JSON.stringify(query), version, async () => {
      const page = restorePageToWire(await deps.store.restores.list(query));
      return Buffer.from((reply as FastifyReply).serialize(page) as string);
    });
    return (reply as FastifyReply).type(JSON_CONTENT_TYPE).send(body);
  },
});
