import { defineOperation } from '../operations/operation.ts';

export const ShowOpenApiDocument = defineOperation({
  id: 'ShowOpenApiDocument',
  method: 'GET',
  path: '/openapi.json',
  // It describes the API and holds no data: load balancers, generators and people fetch it without keys.
  access: 'public',
  summary: 'This OpenAPI 3.1 document',
  coverage: {
    family: 'service',
    status: 'anyone, without credentials: the OpenAPI 3.1 document of every operation here',
  },
  schemas: { responses: { 200: null } },
  produces: 'application/json',
  errors: [],
  async handle(_request, reply, deps) {
    return reply.type('application/json; charset=utf-8').send(deps.openApiText());
  },
});
