import { DomainError } from '../core/errors.ts';
import { isProjectId, isUuid } from '../core/ids.ts';

export function projectIdFrom(params: unknown): string {
  const value = (params as { project_id?: string }).project_id ?? '';
  if (!isProjectId(value)) throw new DomainError('invalid_project_id', 'Invalid project ID format.');
  return value;
}

export function instanceIdFrom(params: unknown): string {
  const value = (params as { instance_id?: string }).instance_id ?? '';
  if (!isUuid(value)) throw new DomainError('invalid_instance_id', 'Invalid instance ID format.');
  return value;
}

export function backupIdFrom(params: unknown): string {
  const value = (params as { backup_id?: string }).backup_id ?? '';
  // A malformed id names no backup: the answer is the one for a backup that does not exist.
  if (!isUuid(value))
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  return value;
}

export function restoreIdFrom(params: unknown): string {
  const value = (params as { restore_id?: string }).restore_id ?? '';
  if (!isUuid(value)) throw new DomainError('restore_not_found', 'The restore record does not exist.');
  return value;
}
