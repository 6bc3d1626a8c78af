import type { Migration, MigrationProvider } from 'kysely';
import { instancesAndBackups } from './migrations/0001-instances-and-backups.ts';
import { backupDetailAndJobs } from './migrations/0002-backup-detail-and-jobs.ts';
import { credentials } from './migrations/0003-credentials.ts';
import { backupPolicies } from './migrations/0004-backup-policies.ts';
import { restores } from './migrations/0005-restores.ts';
import { seenSignatures } from './migrations/0006-seen-signatures.ts';
import { jobRequestIds } from './migrations/0007-job-request-ids.ts';
import { nodesAndStoreIds } from './migrations/0008-nodes-and-store-ids.ts';
import { sentinelAndBackupSource } from './migrations/0009-sentinel-and-backup-source.ts';
import { clusterTopology } from './migrations/0010-cluster-topology.ts';
import { migrationTasks } from './migrations/0011-migration-tasks.ts';
import { restoreIntoStandalone } from './migrations/0014-restore-into-standalone.ts';
import { listingVersions } from './migrations/0016-listing-versions.ts';

/**
 * One set of migrations for both engines. Append new ones; never edit one that has shipped.
 * The names sort in the order they must run.
 */
const migrations: Record<string, Migration> = {
  '0001-instances-and-backups': instancesAndBackups,
  '0002-backup-detail-and-jobs': backupDetailAndJobs,
  '0003-credentials': credentials,
  '0004-backup-policies': backupPolicies,
  '0005-restores': restores,
  '0006-seen-signatures': seenSignatures,
  '0007-job-request-ids': jobRequestIds,
  '0008-nodes-and-store-ids': nodesAndStoreIds,
  '0009-sentinel-and-backup-source': sentinelAndBackupSource,
  '0010-cluster-topology': clusterTopology,
  '0011-migration-tasks': migrationTasks,
  '0014-restore-into-standalone': restoreIntoStandalone,
  '0016-listing-versions': listingVersions,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
