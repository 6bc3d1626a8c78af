import type { DomainErrorCode } from '../core/errors.ts';

export interface DcsErrorEntry {
  status: number;
  /** The DCS error code on the wire, at most 9 characters. */
  dcsCode: string;
  /** The message used when the domain error brings none of its own. */
  message: string;
}

/**
 * The one table from domain error codes to HTTP status and DCS error code. Codes DCS.49xx are this
 * service's own (DCS has no equivalent); docs/errors.md lists every entry and a test keeps it in step.
 */
export const ERROR_CATALOGUE: Record<DomainErrorCode, DcsErrorEntry> = {
  invalid_project_id: { status: 400, dcsCode: 'DCS.4002', message: 'Invalid project ID format.' },
  invalid_instance_id: { status: 400, dcsCode: 'DCS.4061', message: 'Invalid instance ID format.' },
  invalid_parameter: { status: 400, dcsCode: 'DCS.4800', message: 'Invalid parameter in the request.' },
  end_before_begin: {
    status: 400,
    dcsCode: 'DCS.4025',
    message: 'The end time must be after the start time.',
  },
  empty_body: { status: 400, dcsCode: 'DCS.4004', message: 'Empty request body.' },
  invalid_body: {
    status: 400,
    dcsCode: 'DCS.4005',
    message: 'The message body contains invalid characters or is not in JSON format.',
  },
  instance_not_found: { status: 404, dcsCode: 'DCS.3022', message: 'This DCS instance does not exist.' },
  route_not_found: { status: 404, dcsCode: 'DCS.4001', message: 'The requested URL does not exist.' },
  method_not_allowed: { status: 405, dcsCode: 'DCS.5001', message: 'This request method is not allowed.' },
  internal: { status: 500, dcsCode: 'DCS.5000', message: 'Internal service error.' },
  redis_unreachable: { status: 400, dcsCode: 'DCS.4901', message: 'Cannot use the Redis server.' },
  not_supported: { status: 400, dcsCode: 'DCS.4902', message: 'This operation is not supported.' },
  instance_has_backups: {
    status: 400,
    dcsCode: 'DCS.4903',
    message: 'The instance has backups that hold data.',
  },
  backup_in_progress: { status: 400, dcsCode: 'DCS.4096', message: 'the instance is backuping.' },
  restore_in_progress: { status: 400, dcsCode: 'DCS.4097', message: 'the instance is restoring.' },
  remark_too_long: {
    status: 400,
    dcsCode: 'DCS.4098',
    message: 'The value of the remark parameter must be 0 to 128 characters in length.',
  },
  backup_not_found: {
    status: 400,
    dcsCode: 'DCS.4031',
    message: 'The backup does not exist or has been deleted.',
  },
  backup_not_ready: {
    status: 400,
    dcsCode: 'DCS.4087',
    message: 'the backup record status is err when restore this instance',
  },
  restore_not_found: { status: 404, dcsCode: 'DCS.4908', message: 'The restore record does not exist.' },
  invalid_save_days: {
    status: 400,
    dcsCode: 'DCS.4072',
    message: 'Invalid saveDays instance backup policy parameter in the request.',
  },
  invalid_policy_type: {
    status: 400,
    dcsCode: 'DCS.4073',
    message: 'Invalid backupType instance backup policy parameter in the request.',
  },
  invalid_period_type: {
    status: 400,
    dcsCode: 'DCS.4074',
    message: 'Invalid periodType instance backup policy parameter in the request.',
  },
  invalid_backup_at: {
    status: 400,
    dcsCode: 'DCS.4075',
    message: 'Invalid backupAt instance backup policy parameter in the request.',
  },
  invalid_begin_at: {
    status: 400,
    dcsCode: 'DCS.4076',
    message: 'Invalid beginAt instance backup policy parameter in the request.',
  },
  link_invalid: { status: 403, dcsCode: 'DCS.4905', message: 'The download link is not valid.' },
  link_expired: { status: 403, dcsCode: 'DCS.4906', message: 'The download link has expired.' },
  auth_missing: { status: 401, dcsCode: 'DCS.1003', message: 'No token in the request.' },
  auth_invalid: { status: 401, dcsCode: 'DCS.1001', message: 'Invalid token.' },
  token_expired: { status: 401, dcsCode: 'DCS.1002', message: 'Token expired.' },
  project_mismatch: { status: 401, dcsCode: 'DCS.1004', message: 'Project ID does not match the token.' },
  read_only: {
    status: 403,
    dcsCode: 'DCS.3002',
    message: 'This tenant has read permission only and cannot perform this operation.',
  },
  role_forbidden: {
    status: 403,
    dcsCode: 'DCS.3003',
    message: 'This role does not have the permission to perform this operation.',
  },
  credential_not_found: {
    status: 404,
    dcsCode: 'DCS.4907',
    message: 'The credential does not exist or is revoked.',
  },
  body_too_large: { status: 413, dcsCode: 'DCS.4904', message: 'The request body is too large.' },
  request_replayed: {
    status: 409,
    dcsCode: 'DCS.4910',
    message: 'This signed request was already received; sign it again to repeat it.',
  },
  auth_throttled: {
    status: 429,
    dcsCode: 'DCS.4911',
    message: 'Too many failed authentication attempts in progress; try again later.',
  },
  request_timeout: {
    status: 408,
    dcsCode: 'DCS.4915',
    message: 'The request was not received in time.',
  },
  headers_too_large: {
    status: 431,
    dcsCode: 'DCS.4916',
    message: 'The request headers or URL are too large.',
  },
  malformed_request: { status: 400, dcsCode: 'DCS.4917', message: 'The request is not valid HTTP.' },
  service_closing: {
    status: 503,
    dcsCode: 'DCS.4918',
    message: 'The service is shutting down; send the request again.',
  },
  storage_full: {
    status: 507,
    dcsCode: 'DCS.5002',
    message: 'The service storage is full: the change was not saved.',
  },
  storage_read_only: {
    status: 503,
    dcsCode: 'DCS.5003',
    message: 'The metadata database is read-only: the change was not saved.',
  },
  file_on_other_node: {
    status: 409,
    dcsCode: 'DCS.4940',
    message: 'The backup file is held by another node; ask that node.',
  },
  slots_uncovered: {
    status: 400,
    dcsCode: 'DCS.4950',
    message: 'The cluster does not serve every hash slot.',
  },
  cluster_into_standalone: {
    status: 400,
    dcsCode: 'DCS.4955',
    message: 'A cluster backup goes into a standalone instance only when asked for.',
  },
  migration_task_not_found: {
    status: 404,
    dcsCode: 'DCS.4133',
    message: 'The migration task does not exist.',
  },
  import_method_unsupported: {
    status: 400,
    dcsCode: 'DCS.4960',
    message: 'Only backupfile_import with full_amount_migration is supported.',
  },
  import_file_missing: {
    status: 400,
    dcsCode: 'DCS.4961',
    message: 'The file to import is not in the bucket.',
  },
  import_too_many_files: { status: 400, dcsCode: 'DCS.4962', message: 'One file per import task.' },
  migration_task_running: {
    status: 400,
    dcsCode: 'DCS.4963',
    message: 'The migration task is still running.',
  },
  import_file_name_invalid: {
    status: 400,
    dcsCode: 'DCS.4964',
    message: 'The import file name is not valid.',
  },
  import_file_empty: { status: 400, dcsCode: 'DCS.4965', message: 'The file to import is empty.' },
  import_file_too_large: { status: 413, dcsCode: 'DCS.4966', message: 'The file to import is too large.' },
  import_file_rejected: {
    status: 400,
    dcsCode: 'DCS.4967',
    message: 'The file is not an RDB file that can be stored as a backup.',
  },
  import_body_not_bytes: {
    status: 415,
    dcsCode: 'DCS.4968',
    message: 'The file must be sent as application/octet-stream.',
  },
};
