import { randomUUID } from 'node:crypto';

// Restricting IDs to URL-safe characters keeps the signed canonical path unambiguous (see the DCS spec notes).
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
