import Type from 'typebox';
import { defineOperation } from '../operations/operation.ts';

export const CheckHealth = defineOperation({
  id: 'CheckHealth',
  method: 'GET',
  path: '/healthz',
  // For load balancers and orchestrators: it says only that the process serves HTTP.
  access: 'public',
  summary: 'The process is alive and serving HTTP',
  coverage: { family: 'service', status: 'no credentials: the process is alive' },
  schemas: { responses: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  errors: [],
  async handle() {
    return { status: 'ok' as const };
  },
});
