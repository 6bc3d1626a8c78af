import { randomUUID } from 'node:crypto';

// Restricting IDs to URL-safe characters keeps the signed canonical path unambiguous (see the DCS spec notes).
// As sources too, so that the API's schemas state the very patterns these checks apply.
export const PROJECT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);
const UUID = new RegExp(UUID_PATTERN);

export function isProjectId(text: string): boolean {
  return PROJECT_ID.test(text);
}

/** Instance and backup IDs are lower-case UUIDs, as DCS issues them. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function newId(): string {
  return randomUUID();
}
