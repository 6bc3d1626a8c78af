import type { DomainErrorCode } from '../../core/errors.ts';
import type { AnyOperation } from '../operations/operation.ts';

/** Answers any request can get, before or whatever its operation: the connection and the service itself. */
const EVERY_REQUEST: DomainErrorCode[] = [
  'internal',
  'request_timeout',
  'headers_too_large',
  'malformed_request',
  'service_closing',
];
const AUTHENTICATED: DomainErrorCode[] = ['auth_missing', 'auth_invalid', 'token_expired', 'auth_throttled'];
// A request with a method that may carry a body: its bytes are read before anything else is decided.
const BODY_BYTES: DomainErrorCode[] = ['invalid_body', 'body_too_large'];
// A signed POST, PUT or DELETE is remembered (replays are refused), which writes to the metadata database.
const REMEMBERED: DomainErrorCode[] = ['request_replayed', 'storage_full', 'storage_read_only'];

/**
 * Every domain error an operation can answer: what its access, path, method and body imply, and the
 * operation's own list. The OpenAPI document lists them per status; the fuzz test holds the app to them.
 */
export function operationErrors(operation: AnyOperation): DomainErrorCode[] {
  const codes = new Set<DomainErrorCode>(EVERY_REQUEST);
  const add = (list: readonly DomainErrorCode[]) => list.forEach((code) => codes.add(code));
  const writes = operation.method !== 'GET';
  if (writes) add(BODY_BYTES);
  if (operation.access !== 'public') {
    add(AUTHENTICATED);
    if (writes) add(REMEMBERED);
  }
  if (operation.access === 'admin' || operation.access === 'metrics') codes.add('role_forbidden');
  if (operation.access === 'write') add(['read_only', 'storage_full', 'storage_read_only']);
  if (operation.path.includes(':project_id')) add(['invalid_project_id', 'project_mismatch']);
  if (operation.path.includes(':instance_id') && operation.path.startsWith('/v2/')) {
    add(['invalid_instance_id', 'instance_not_found']);
  }
  if (operation.schemas.body || operation.schemas.documentedBody) {
    add(['invalid_parameter', 'invalid_body']);
    if (!operation.optionalBody) codes.add('empty_body');
  }
  add(operation.errors);
  return [...codes];
}
