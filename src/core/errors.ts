/**
 * Domain errors carry a stable code and know nothing of HTTP. The API layer maps each code to a status and
 * a DCS error code in one table (src/api/error-catalogue.ts); a test keeps the two in step.
 */
export const DOMAIN_ERROR_CODES = [
  'invalid_project_id',
  'invalid_instance_id',
  'invalid_parameter',
  'end_before_begin',
  'instance_not_found',
  'instance_has_backups',
  'backup_in_progress',
  'restore_in_progress',
  'remark_too_long',
  'backup_not_found',
  'backup_not_ready',
  'restore_not_found',
  'invalid_save_days',
  'invalid_policy_type',
  'invalid_period_type',
  'invalid_backup_at',
  'invalid_begin_at',
  'link_invalid',
  'link_expired',
  'auth_missing',
  'auth_invalid',
  'token_expired',
  'project_mismatch',
  'read_only',
  'role_forbidden',
  'credential_not_found',
  'redis_unreachable',
  'not_supported',
  'empty_body',
  'invalid_body',
  'body_too_large',
  'route_not_found',
  'method_not_allowed',
  'internal',
  'request_replayed',
  'auth_throttled',
  'request_timeout',
  'headers_too_large',
  'malformed_request',
  'service_closing',
  'storage_full',
  'storage_read_only',
  'file_on_other_node',
  'slots_uncovered',
  'cluster_into_standalone',
  'migration_task_not_found',
  'import_method_unsupported',
  'import_file_missing',
  'import_too_many_files',
  'migration_task_running',
  'import_file_name_invalid',
  'import_file_empty',
  'import_file_too_large',
  'import_file_rejected',
  'import_body_not_bytes',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** The offending parameter, for codes whose message names one ("Invalid limit in the request."). */
  readonly parameter: string | undefined;

  constructor(code: DomainErrorCode, message: string, parameter?: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.parameter = parameter;
  }
}

export function invalidParameter(parameter: string, reason?: string): DomainError {
  return new DomainError('invalid_parameter', reason ?? `Invalid ${parameter} in the request.`, parameter);
}
