import type { FastifyInstance } from 'fastify';
import { DomainError, invalidParameter } from '../../core/errors.ts';
import { INSTANCE_TYPES, type InstanceType, type RedisEndpoint } from '../../core/instance.ts';
import { parseRedisUrl } from '../../core/redis-url.ts';
import { isSentinelUrl, parseSentinelUrl } from '../../core/sentinel-url.ts';
import { attachInstance } from '../../core/use-cases/attach-instance.ts';
import { detachInstance } from '../../core/use-cases/detach-instance.ts';
import type { AppDeps } from '../app-deps.ts';
import { instanceIdFrom, projectIdFrom } from '../path-params.ts';
import { adminInstanceWireSchema, instanceToAdminWire } from '../wire/instance-wire.ts';

interface AttachBody {
  project_id: string;
  name: string;
  url: string;
  type?: InstanceType;
  tls?: boolean;
  /** The password apart from the URL (the CLI's --password-stdin, --password-file, DCS_REDIS_PASSWORD). */
  password?: string;
}

const attachBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['project_id', 'name', 'url'],
  properties: {
    project_id: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string', maxLength: 2048 },
    type: { type: 'string', enum: [...INSTANCE_TYPES] },
    tls: { type: 'boolean' },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const instanceListSchema = {
  type: 'object',
  properties: {
    instance_num: { type: 'integer' },
    instances: { type: 'array', items: adminInstanceWireSchema },
  },
} as const;

/**
 * The operator's API for attaching existing Redis servers: outside the /v2 DCS paths, because DCS
 * provisions instances where this service adopts them.
 */
export function registerAdminInstanceRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/admin/v1/instances',
    { schema: { body: attachBodySchema, response: { 201: adminInstanceWireSchema } } },
    async (request, reply) => {
      const body = request.body as AttachBody | undefined;
      if (body === undefined) throw new DomainError('empty_body', 'Empty request body.');
      // A redis-sentinel:// URL names a master/standby instance whose master the Sentinels know.
      const sentinelUrl = isSentinelUrl(body.url);
      const parsed = sentinelUrl
        ? parseSentinelUrl(body.url, body.tls ?? false)
        : { endpoint: parseRedisUrl(body.url, body.tls ?? false), sentinel: null };
      const instance = await attachInstance(deps, {
        projectId: body.project_id,
        name: body.name,
        type: body.type ?? (sentinelUrl ? 'master_standby' : 'single'),
        endpoint: withPassword(parsed.endpoint, body.password),
        sentinel: parsed.sentinel,
      });
      request.log.info({ instanceId: instance.id, projectId: instance.projectId }, 'instance attached');
      return reply.code(201).send(instanceToAdminWire(instance, undefined, deps.clock.now()));
    },
  );

  app.get('/admin/v1/instances', { schema: { response: { 200: instanceListSchema } } }, async (request) => {
    const { project_id } = request.query as { project_id?: string | string[] };
    const projectId = project_id === undefined ? undefined : projectIdFrom({ project_id });
    const instances = await deps.store.instances.list(projectId);
    const policies = await deps.store.policies.findMany(instances.map((i) => i.id));
    return {
      instance_num: instances.length,
      instances: instances.map((i) => instanceToAdminWire(i, policies.get(i.id), deps.clock.now())),
    };
  });

  app.get(
    '/admin/v1/instances/:instance_id',
    { schema: { response: { 200: adminInstanceWireSchema } } },
    async (request) => {
      const instance = await deps.store.instances.findById(instanceIdFrom(request.params));
      if (!instance) throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
      return instanceToAdminWire(instance, await deps.store.policies.find(instance.id), deps.clock.now());
    },
  );

  app.delete('/admin/v1/instances/:instance_id', async (request, reply) => {
    const { force } = request.query as { force?: string };
    if (force !== undefined && force !== 'true' && force !== 'false') {
      throw new DomainError(
        'invalid_parameter',
        'Invalid force in the request: expected true or false.',
        'force',
      );
    }
    const instanceId = instanceIdFrom(request.params);
    await detachInstance(deps, instanceId, force === 'true');
    request.log.info({ instanceId }, 'instance detached');
    return reply.code(204).send();
  });
}

/** The endpoint with the password given apart from the URL; one place only, so neither silently wins. */
function withPassword(endpoint: RedisEndpoint, password: string | undefined): RedisEndpoint {
  if (password === undefined) return endpoint;
  if (endpoint.password !== null) {
    throw invalidParameter(
      'password',
      'Invalid password in the request: the url already holds one; give it in one place only.',
    );
  }
  return { ...endpoint, password };
}
