import { ApiError } from './api-error.ts';
import type { ApiClient } from './client.ts';
import type { Role } from './session.ts';

/**
 * The caller's role, learnt from the API itself (it has no "who am I"), by calls that change nothing:
 * - listing credentials is for admins only (403 DCS.3003 otherwise);
 * - CreateInstance is refused to everyone (400 DCS.4902, "not supported"), but a viewer is refused earlier,
 *   by its role (403 DCS.3002), so the answer tells a viewer from an operator without creating anything.
 * The console only hides what the role may not do; the API refuses it anyway.
 */
export async function callerRole(client: ApiClient, projectId: string): Promise<Role> {
  if (await succeeds(() => client.get('/admin/v1/credentials'))) return 'admin';
  try {
    await client.post(`/v2/${encodeURIComponent(projectId)}/instances`, {});
  } catch (error) {
    if (error instanceof ApiError && error.code === 'DCS.3002') return 'viewer';
    if (error instanceof ApiError && error.status === 400) return 'operator';
    throw error;
  }
  return 'operator';
}

async function succeeds(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return false;
    throw error;
  }
}
