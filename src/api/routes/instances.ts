import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../core/errors.ts';
import { requireInstance } from '../../core/use-cases/require-instance.ts';
import type { AppDeps } from '../app-deps.ts';
import { instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { instanceToWire, instanceWireSchema } from '../wire/instance-wire.ts';

/** ListInstances, ShowInstance, and CreateInstance (which this service answers with "not supported"). */
export function registerInstanceRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/v2/:project_id/instances',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              instance_num: { type: 'integer' },
              instances: { type: 'array', items: instanceWireSchema },
            },
          },
        },
      },
    },
    async (request) => {
      const instances = await deps.store.instances.list(projectIdFrom(request.params));
      return { instance_num: instances.length, instances: instances.map(instanceToWire) };
    },
  );

  app.get(
    '/v2/:project_id/instances/:instance_id',
    { schema: { response: { 200: instanceWireSchema } } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      return instanceToWire(await requireInstance(deps.store, projectId, instanceIdFrom(request.params)));
    },
  );

  app.post('/v2/:project_id/instances', async (request) => {
    projectIdFrom(request.params);
    throw new DomainError(
      'not_supported',
      'Creating instances is not supported: dcs-backup backs up Redis servers you already run. ' +
        'Attach one with "dcs-backup instance attach" (POST /admin/v1/instances).',
    );
  });
}
