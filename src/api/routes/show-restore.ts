import { findRestore } from '../../core/use-cases/find-restore.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, projectIdFrom, restoreIdFrom, restoreParams } from '../path-params.ts';
import { restoreDetailToWire, restoreDetailWireSchema } from '../wire/restore-record-wire.ts';

export const ShowRestore = defineOperation({
  id: 'ShowRestore',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id/restores/:restore_id',
  access: 'read',
  summary: 'One restore record with what the restore did (an extension)',
  coverage: {
    family: 'extension',
    status:
      "this service's own: the record plus keys restored, relabelled, rebuilt and left out as expired, the routes taken, warnings, `error_message`",
  },
  schemas: { params: restoreParams, responses: { 200: restoreDetailWireSchema } },
  errors: ['restore_not_found'],
  async handle(request, _reply, deps) {
    const stored = await findRestore(
      deps.store,
      projectIdFrom(request.params),
      instanceIdFrom(request.params),
      restoreIdFrom(request.params),
    );
    return restoreDetailToWire(stored);
  },
});
