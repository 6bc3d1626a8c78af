import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { isUuid, UUID_PATTERN } from '../../core/ids.ts';
import { createRestore } from '../../core/use-cases/create-restore.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { nullable } from '../wire/schema-kit.ts';

/** The body as documented: backup_id is checked by hand, as DCS answers a malformed one DCS.4031. */
export const restoreBodyDoc = {
  backup_id: Type.String({
    pattern: UUID_PATTERN,
    description: 'a backup of any instance of the project; DCS.4031 otherwise',
  }),
  remark: Type.Optional(nullable(Type.String({ description: 'up to 128 characters; DCS.4098 otherwise' }))),
  into_standalone: Type.Optional(
    Type.Boolean({
      description:
        'an extension: put every shard of a cluster backup into a standalone instance (DCS.4955 when a cluster backup goes into one without it)',
    }),
  ),
};

// Validated without the pattern: a malformed backup_id is a backup that does not exist (DCS.4031), not DCS.4800.
const restoreBody = Type.Object(
  { ...restoreBodyDoc, backup_id: Type.String() },
  { additionalProperties: false },
);

export const RestoreInstance = defineOperation({
  id: 'RestoreInstance',
  method: 'POST',
  path: '/v2/:project_id/instances/:instance_id/restores',
  access: 'write',
  summary: "Replace an instance's data with a backup's: answers the restore id at once",
  coverage: {
    family: 'dcs',
    status:
      "**supported**: `backup_id` (a `succeed`, restorable backup of any instance of the project), `remark`; answers `restore_id`; the target's data is replaced (see the README); `DCS.4096`/`DCS.4097` while the target is busy",
  },
  schemas: {
    params: instanceParams,
    body: restoreBody,
    documentedBody: Type.Object(restoreBodyDoc, { additionalProperties: false }),
    responses: { 200: Type.Object({ restore_id: Type.String({ format: 'uuid' }) }) },
  },
  errors: [
    'backup_not_found',
    'backup_not_ready',
    'remark_too_long',
    'backup_in_progress',
    'restore_in_progress',
    'file_on_other_node',
    'cluster_into_standalone',
  ],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    const body = request.body;
    if (!isUuid(body.backup_id)) {
      throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
    }
    const { record } = await createRestore(deps, {
      projectId,
      instanceId,
      backupId: body.backup_id,
      remark: body.remark ?? null,
      requestId: request.id,
      intoStandalone: body.into_standalone === true,
    });
    request.log.info({ instanceId, restoreId: record.id, backupId: record.backupId }, 'restore queued');
    return { restore_id: record.id };
  },
});
