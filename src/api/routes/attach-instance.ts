import Type from 'typebox';
import { INSTANCE_TYPES, type RedisEndpoint } from '../../core/instance.ts';
import { invalidParameter } from '../../core/errors.ts';
import { parseRedisUrl } from '../../core/redis-url.ts';
import { isSentinelUrl, parseSentinelUrl } from '../../core/sentinel-url.ts';
import { attachInstance } from '../../core/use-cases/attach-instance.ts';
import { defineOperation } from '../operations/operation.ts';
import { adminInstanceWireSchema, instanceToAdminWire } from '../wire/instance-wire.ts';
import { stringEnum } from '../wire/schema-kit.ts';

const attachBody = Type.Object(
  {
    project_id: Type.String({ description: 'DCS.4002 unless a project id' }),
    name: Type.String(),
    url: Type.String({
      maxLength: 2048,
      description:
        'redis://, rediss:// or redis-sentinel:// (a master/standby instance found through Sentinel)',
    }),
    type: Type.Optional(stringEnum(INSTANCE_TYPES)),
    tls: Type.Optional(Type.Boolean()),
    /** The password apart from the URL (the CLI's --password-stdin, --password-file, DCS_REDIS_PASSWORD). */
    password: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'instead of one in the url' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The operator's API for attaching existing Redis servers: outside the /v2 DCS paths, because DCS
 * provisions instances where this service adopts them.
 */
export const AttachInstance = defineOperation({
  id: 'AttachInstance',
  method: 'POST',
  path: '/admin/v1/instances',
  access: 'admin',
  summary: 'Attach a Redis server you run to a project, as an instance',
  coverage: { family: 'service', status: 'admin only: attach an existing Redis server to a project' },
  schemas: { body: attachBody, responses: { 201: adminInstanceWireSchema } },
  successStatus: 201,
  errors: ['invalid_project_id', 'redis_unreachable', 'slots_uncovered'],
  async handle(request, reply, deps) {
    const body = request.body;
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
});

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
