import {
  type BackupPlan,
  type BackupPolicy,
  type PolicyBackupType,
  type StoredPolicy,
  firstOpenWindow,
} from '../backup-policy.ts';
import type { Clock } from '../clock.ts';
import { DomainError, invalidParameter } from '../errors.ts';
import { newId } from '../ids.ts';
import type { MetadataStore } from '../ports.ts';
import { applyRetention } from './apply-retention.ts';
import { requireInstance } from './require-instance.ts';

/** A policy as a request gives it: fields left out are undefined (for "manual", they keep what was set). */
export interface PolicyRequest {
  backupType: PolicyBackupType;
  saveDays?: number;
  keepLast?: number;
  maxBackups?: number;
  plan?: BackupPlan;
}

export interface PolicyDeps {
  store: MetadataStore;
  clock: Clock;
  /** The largest save_days this service accepts: DCS's 7 unless the operator allowed more. */
  maxSaveDays: number;
}

/**
 * Sets an instance's automatic-backup policy. "auto" replaces the policy and schedules its next open
 * window; "manual" stops automatic backups and keeps the plan (as DCS does), so switching back is one call.
 * Retention is re-evaluated at once: a shorter save_days expires old backups on the scheduler's next tick.
 */
export async function setBackupPolicy(
  deps: PolicyDeps,
  projectId: string,
  instanceId: string,
  request: PolicyRequest,
): Promise<StoredPolicy> {
  await requireInstance(deps.store, projectId, instanceId);
  const existing = await deps.store.policies.find(instanceId);
  const policy = merge(request, existing?.policy);
  checkPolicy(policy, deps.maxSaveDays);
  const now = deps.clock.now();
  const stored: StoredPolicy = {
    id: existing?.id ?? newId(),
    instanceId,
    projectId,
    policy,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    nextWindowAt: policy.backupType === 'auto' && policy.plan ? firstOpenWindow(policy.plan, now) : null,
  };
  await deps.store.policies.save(stored);
  await applyRetention(deps.store, instanceId, policy, now);
  return stored;
}

function merge(request: PolicyRequest, existing: BackupPolicy | undefined): BackupPolicy {
  if (request.backupType === 'auto') {
    return {
      backupType: 'auto',
      saveDays: request.saveDays ?? null,
      keepLast: request.keepLast ?? null,
      maxBackups: request.maxBackups ?? null,
      plan: request.plan ?? null,
    };
  }
  return {
    backupType: 'manual',
    saveDays: request.saveDays ?? existing?.saveDays ?? null,
    keepLast: request.keepLast ?? existing?.keepLast ?? null,
    maxBackups: request.maxBackups ?? existing?.maxBackups ?? null,
    plan: request.plan ?? existing?.plan ?? null,
  };
}

function checkPolicy(policy: BackupPolicy, maxSaveDays: number): void {
  if (policy.backupType === 'auto' && policy.saveDays === null) {
    throw new DomainError('invalid_save_days', 'save_days is required when backup_type is "auto".');
  }
  if (policy.saveDays !== null && (policy.saveDays < 1 || policy.saveDays > maxSaveDays)) {
    throw new DomainError(
      'invalid_save_days',
      `save_days must be an integer from 1 to ${maxSaveDays}` +
        (maxSaveDays === 7 ? ' (the service can be configured to allow more with DCS_MAX_SAVE_DAYS).' : '.'),
    );
  }
  if (policy.backupType === 'auto' && policy.plan === null) {
    throw invalidParameter(
      'instance_backup_policy.periodical_backup_plan',
      'periodical_backup_plan is required when backup_type is "auto".',
    );
  }
  if (policy.keepLast !== null && policy.maxBackups !== null && policy.keepLast > policy.maxBackups) {
    throw invalidParameter(
      'instance_backup_policy.keep_last',
      'keep_last cannot be larger than max_backups: the newest keep_last backups are always kept.',
    );
  }
}
