import { listRestores } from '../../core/use-cases/find-restore.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
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
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const window = parseListWindow(request.query);
    return restorePageToWire(await listRestores(deps.store, projectId, { instanceId, ...window }));
  },
});
