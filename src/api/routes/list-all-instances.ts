import Type from 'typebox';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectIdParam } from '../path-params.ts';
import { adminInstanceWireSchema, instanceToAdminWire } from '../wire/instance-wire.ts';

export const ListAllInstances = defineOperation({
  id: 'ListAllInstances',
  method: 'GET',
  path: '/admin/v1/instances',
  access: 'admin',
  summary: "Every project's instances, or one project's",
  coverage: {
    family: 'service',
    status: "admin only: every project's instances, or one project's (`project_id`)",
  },
  schemas: {
    querystring: Type.Object({ project_id: Type.Optional(projectIdParam) }),
    responses: {
      200: Type.Object({ instance_num: Type.Integer(), instances: Type.Array(adminInstanceWireSchema) }),
    },
  },
  errors: ['invalid_project_id'],
  async handle(request, _reply, deps) {
    const { project_id } = request.query;
    // Given twice, it is no project id (DCS.4002), as it always was.
    const projectId =
      project_id === undefined ? undefined : projectIdFrom({ project_id: String(project_id) });
    const instances = await deps.store.instances.list(projectId);
    const policies = await deps.store.policies.findMany(instances.map((i) => i.id));
    return {
      instance_num: instances.length,
      instances: instances.map((i) => instanceToAdminWire(i, policies.get(i.id), deps.clock.now())),
    };
  },
});
