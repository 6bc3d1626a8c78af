import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';

export const CreateInstance = defineOperation({
  id: 'CreateInstance',
  method: 'POST',
  path: '/v2/:project_id/instances',
  access: 'write',
  summary: 'Not supported by design: this service backs up Redis servers you already run',
  coverage: {
    family: 'dcs',
    status: '**not supported by design**: answers 400 `DCS.4902`; attach servers through the admin API',
  },
  // Whatever is sent, the answer is DCS.4902: the body is neither read nor described.
  schemas: { params: projectParams, responses: {} },
  errors: ['not_supported'],
  async handle(request) {
    projectIdFrom(request.params);
    throw new DomainError(
      'not_supported',
      'Creating instances is not supported: dcs-backup backs up Redis servers you already run. ' +
        'Attach one with "dcs-backup instance attach" (POST /admin/v1/instances).',
    );
  },
});
