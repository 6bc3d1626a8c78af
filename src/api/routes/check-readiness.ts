import Type from 'typebox';
import { readiness } from '../observability/health-routes.ts';
import { defineOperation } from '../operations/operation.ts';

const state = Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('timeout')]);
const answer = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), state, { description: 'each dependency by a fixed name' }),
});

export const CheckReadiness = defineOperation({
  id: 'CheckReadiness',
  method: 'GET',
  path: '/readyz',
  // Without credentials, so it names no address, version or error: the reason of a failure goes to the log.
  access: 'public',
  summary: 'The metadata database (migrations applied) and the blob store answer; 503 otherwise',
  coverage: {
    family: 'service',
    status:
      'no credentials: the metadata database (migrations applied) and the blob store answer; 503 otherwise',
  },
  schemas: { responses: { 200: answer, 503: answer } },
  errors: [],
  async handle(request, reply, deps) {
    const { ready, checks } = await readiness(deps.readiness ?? [], (check, reason) =>
      request.log.warn({ check, reason }, 'not ready'),
    );
    reply.code(ready ? 200 : 503).header('Cache-Control', 'no-store');
    return { status: ready ? ('ready' as const) : ('not_ready' as const), checks };
  },
});
