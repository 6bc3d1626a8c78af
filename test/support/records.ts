import { type BackupRecord, backupNameFor } from '../../src/core/backup-record.ts';
import { newId } from '../../src/core/ids.ts';
import type { Instance } from '../../src/core/instance.ts';

/** An instance as the store keeps it; tests insert it directly when no live Redis is needed. */
export function makeInstance(overrides: Partial<Instance> = {}): Instance {
  return {
    id: newId(),
    projectId: 'project-a',
    name: 'cache-1',
    type: 'master_standby',
    endpoint: { host: '127.0.0.1', port: 6379, db: 0, username: null, password: 's3cret-pass', tls: false },
    engineVersion: '7.0.15',
    createdAt: Date.UTC(2024, 0, 1),
    topology: null,
    ...overrides,
  };
}

/** A finished manual backup created at `createdAt`; override any field. */
export function makeBackup(
  instanceId: string,
  createdAt: number,
  overrides: Partial<BackupRecord> = {},
): BackupRecord {
  return {
    id: newId(),
    instanceId,
    name: backupNameFor(createdAt),
    type: 'manual',
    format: 'rdb',
    status: 'succeed',
    remark: null,
    period: null,
    errorCode: null,
    sizeBytes: 1024,
    progressHundredths: 10_000,
    restorable: true,
    createdAt,
    updatedAt: createdAt + 60_000,
    executionAt: createdAt,
    ...overrides,
  };
}
