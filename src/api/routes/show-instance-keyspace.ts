import { readInstanceKeyspace } from '../../core/use-cases/read-keyspace.ts';
import { requireInstance } from '../../core/use-cases/require-instance.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { keyspaceToWire, keyspaceWireSchema } from '../wire/keyspace-wire.ts';

/**
 * A read of its own rather than a field of ShowInstance: ShowInstance is what the SDKs and Terraform poll, and
 * a live round trip to Redis (seconds, when the server is down) must not slow or couple every one of those.
 */
export const ShowInstanceKeyspace = defineOperation({
  id: 'ShowInstanceKeyspace',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id/keyspace',
  access: 'read',
  summary: 'The keys the instance holds now, per database, read live from its master(s) (an extension)',
  coverage: {
    family: 'extension',
    status:
      "this service's own: INFO keyspace of the current master (a cluster: summed over its masters) within 3 s; `key_count` null and `unavailable_reason` set when the server cannot be read (200 all the same)",
  },
  schemas: { params: instanceParams, responses: { 200: keyspaceWireSchema } },
  errors: [],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instance = await requireInstance(deps.store, projectId, instanceIdFrom(request.params));
    return keyspaceToWire(instance.id, await readInstanceKeyspace(deps, instance));
  },
});
