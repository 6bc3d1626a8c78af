export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * An AK/SK pair. Admins act on every project (and attach instances, issue credentials); operators read and
 * write one project; viewers only read it.
 */
export interface Credential {
  accessKey: string;
  secretKey: string;
  /** null for admins, who are bound to no project. */
  projectId: string | null;
  role: Role;
  description: string | null;
  createdAt: number;
  revokedAt: number | null;
}
