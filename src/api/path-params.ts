import Type from 'typebox';
import { DomainError } from '../core/errors.ts';
import { isProjectId, isUuid, PROJECT_ID_PATTERN, UUID_PATTERN } from '../core/ids.ts';

/*
 * Path parameters are documented (and typed) by these schemas but checked here by hand, in the handler: DCS
 * answers a malformed project id with DCS.4002, an instance id with DCS.4061 and a backup id as a backup that
 * does not exist, and only after the body has been validated. A test checks these checks accept exactly what
 * the patterns do.
 */
export const projectIdParam = Type.String({ pattern: PROJECT_ID_PATTERN, description: 'DCS.4002 otherwise' });
export const instanceIdParam = Type.String({ pattern: UUID_PATTERN, description: 'DCS.4061 otherwise' });
export const backupIdParam = Type.String({ pattern: UUID_PATTERN, description: 'DCS.4031 otherwise' });
export const restoreIdParam = Type.String({ pattern: UUID_PATTERN, description: 'DCS.4908 otherwise' });

export const projectParams = Type.Object({ project_id: projectIdParam });
export const instanceParams = Type.Object({ project_id: projectIdParam, instance_id: instanceIdParam });
export const backupParams = Type.Object({
  project_id: projectIdParam,
  instance_id: instanceIdParam,
  backup_id: backupIdParam,
});
export const restoreParams = Type.Object({
  project_id: projectIdParam,
  instance_id: instanceIdParam,
  restore_id: restoreIdParam,
});

export function projectIdFrom(params: { project_id: string }): string {
  const value = params.project_id;
  if (!isProjectId(value)) throw new DomainError('invalid_project_id', 'Invalid project ID format.');
  return value;
}

export function instanceIdFrom(params: { instance_id: string }): string {
  const value = params.instance_id;
  if (!isUuid(value)) throw new DomainError('invalid_instance_id', 'Invalid instance ID format.');
  return value;
}

export function backupIdFrom(params: { backup_id: string }): string {
  const value = params.backup_id;
  // A malformed id names no backup: the answer is the one for a backup that does not exist.
  if (!isUuid(value))
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  return value;
}

export function restoreIdFrom(params: { restore_id: string }): string {
  const value = params.restore_id;
  if (!isUuid(value)) throw new DomainError('restore_not_found', 'The restore record does not exist.');
  return value;
}
