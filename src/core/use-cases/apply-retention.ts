import type { BackupPolicy } from '../backup-policy.ts';
import type { MetadataStore } from '../ports.ts';
import { expiryTimes } from '../retention.ts';

/**
 * Writes when each of the instance's successful automatic backups expires. Runs when the policy changes and
 * when an automatic backup succeeds, so the scheduler only has to pick the records whose time has come.
 */
export async function applyRetention(
  store: MetadataStore,
  instanceId: string,
  policy: BackupPolicy,
  now: number,
): Promise<void> {
  const backups = await store.backups.retainedAutoBackups(instanceId);
  await store.backups.setExpiries(expiryTimes(policy, backups, now));
}

/** The same, with the instance's stored policy; nothing changes when it has none. */
export async function applyStoredRetention(
  store: MetadataStore,
  instanceId: string,
  now: number,
): Promise<void> {
  const stored = await store.policies.find(instanceId);
  if (stored) await applyRetention(store, instanceId, stored.policy, now);
}
