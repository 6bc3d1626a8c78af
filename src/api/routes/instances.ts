import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../core/errors.ts';
import { requireInstance } from '../../core/use-cases/require-instance.ts';
import { setBackupPolicy } from '../../core/use-cases/set-backup-policy.ts';
import type { AppDeps } from '../app-deps.ts';
import { instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { DCS_MAX_SAVE_DAYS } from '../../core/backup-policy.ts';
import { policyRequestFromWire } from '../wire/backup-policy-wire.ts';
import { instanceToWire, instanceWireSchema } from '../wire/instance-wire.ts';
import { instanceUpdateFromWire } from '../wire/instance-update.ts';

/** ListInstances, ShowInstance, UpdateInstance (the backup policy), and CreateInstance ("not supported"). */
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
      const policies = await deps.store.policies.findMany(instances.map((i) => i.id));
      return {
        instance_num: instances.length,
        instances: instances.map((i) => instanceToWire(i, policies.get(i.id), deps.clock.now())),
      };
    },
  );

  app.get(
    '/v2/:project_id/instances/:instance_id',
    { schema: { response: { 200: instanceWireSchema } } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const instance = await requireInstance(deps.store, projectId, instanceIdFrom(request.params));
      return instanceToWire(instance, await deps.store.policies.find(instance.id), deps.clock.now());
    },
  );

  app.put('/v2/:project_id/instances/:instance_id', async (request, reply) => {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    if (request.body === undefined) throw new DomainError('empty_body', 'Empty request body.');
    const update = instanceUpdateFromWire(request.body);
    const instance = await requireInstance(deps.store, projectId, instanceId);
    if (update.name !== undefined && update.name !== instance.name) {
      throw new DomainError(
        'not_supported',
        'Renaming an instance is not supported: detach it and attach it again under the new name.',
      );
    }
    // Terraform sends no policy for "manual": then nothing changes.
    if (update.policy === undefined) return reply.code(204).send();
    const stored = await setBackupPolicy(
      { store: deps.store, clock: deps.clock, maxSaveDays: deps.maxSaveDays ?? DCS_MAX_SAVE_DAYS },
      projectId,
      instanceId,
      policyRequestFromWire(update.policy),
    );
    request.log.info(
      { instanceId, backupType: stored.policy.backupType, nextWindowAt: stored.nextWindowAt },
      'backup policy set',
    );
    return reply.code(204).send();
  });

  app.post('/v2/:project_id/instances', async (request) => {
    projectIdFrom(request.params);
    throw new DomainError(
      'not_supported',
      'Creating instances is not supported: dcs-backup backs up Redis servers you already run. ' +
        'Attach one with "dcs-backup instance attach" (POST /admin/v1/instances).',
    );
  });
}
