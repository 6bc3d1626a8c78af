import type { ServiceClient } from './service-client.ts';

/**
 * The project of an instance: the flag, else HUAWEICLOUD_SDK_PROJECT_ID (as the official SDKs read it), else
 * asked of the admin API.
 */
export async function resolveProject(api: ServiceClient, instanceId: string, flag?: string): Promise<string> {
  if (flag) return flag;
  if (process.env.HUAWEICLOUD_SDK_PROJECT_ID) return process.env.HUAWEICLOUD_SDK_PROJECT_ID;
  const instance = await api.get<{ project_id: string }>(
    `/admin/v1/instances/${encodeURIComponent(instanceId)}`,
  );
  return instance.project_id;
}

export function backupsPath(projectId: string, instanceId: string): string {
  return `${instancePath(projectId, instanceId)}/backups`;
}

export function instancePath(projectId: string, instanceId: string): string {
  return `/v2/${encodeURIComponent(projectId)}/instances/${encodeURIComponent(instanceId)}`;
}
