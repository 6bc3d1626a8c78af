import { AttachInstance } from '../routes/attach-instance.ts';
import { CheckHealth } from '../routes/check-health.ts';
import { CheckReadiness } from '../routes/check-readiness.ts';
import { GetMetrics } from '../routes/get-metrics.ts';
import { CopyInstance } from '../routes/copy-instance.ts';
import { CreateCredential } from '../routes/create-credential.ts';
import { CreateInstance } from '../routes/create-instance.ts';
import { CreateMigrationTask } from '../routes/create-migration-task.ts';
import { DeleteMigrationTask } from '../routes/delete-migration-tasks.ts';
import { ListMigrationTasks } from '../routes/list-migration-tasks.ts';
import { ShowMigrationTask } from '../routes/show-migration-task.ts';
import { CreateToken } from '../routes/create-token.ts';
import { DeleteBackupFile } from '../routes/delete-backup-file.ts';
import { DetachInstance } from '../routes/detach-instance.ts';
import { DownloadBackupFile } from '../routes/download-backup-file.ts';
import { ListAllInstances } from '../routes/list-all-instances.ts';
import { ListBackupFileLinks } from '../routes/list-backup-file-links.ts';
import { ListBackupRecords } from '../routes/list-backup-records.ts';
import { ListCredentials } from '../routes/list-credentials.ts';
import { ListInstances } from '../routes/list-instances.ts';
import { ListNodes } from '../routes/list-nodes.ts';
import { ListRestoreRecords } from '../routes/list-restore-records.ts';
import { RestoreInstance } from '../routes/restore-instance.ts';
import { RevokeCredential } from '../routes/revoke-credential.ts';
import { GetApiDocsAsset, ShowApiDocs } from '../routes/show-api-docs.ts';
import { ShowAdminInstance } from '../routes/show-admin-instance.ts';
import { ShowBackup } from '../routes/show-backup.ts';
import { ShowInstance } from '../routes/show-instance.ts';
import { ShowInstanceKeyspace } from '../routes/show-instance-keyspace.ts';
import { ShowOpenApiDocument } from '../routes/show-openapi-document.ts';
import { ShowRestore } from '../routes/show-restore.ts';
import { UpdateInstance } from '../routes/update-instance.ts';
import { UploadImportFile } from '../routes/upload-import-file.ts';
import { ImportBackup } from '../routes/import-backup.ts';
import { VerifyBackup } from '../routes/verify-backup.ts';
import type { AnyOperation } from './operation.ts';

/**
 * Every operation the service answers, in the order the docs list them. The routes, docs/openapi.json and
 * docs/api-coverage.md are all made from this table: to add an operation, write its module in routes/ (named
 * after its id) with defineOperation, add it here, and run `npm run docs:generate`.
 */
export const OPERATIONS: readonly AnyOperation[] = [
  ListBackupRecords,
  CopyInstance,
  DeleteBackupFile,
  ListBackupFileLinks,
  ShowBackup,
  RestoreInstance,
  ListRestoreRecords,
  ShowRestore,
  ListInstances,
  ShowInstance,
  ShowInstanceKeyspace,
  CreateInstance,
  UpdateInstance,
  CreateMigrationTask,
  ListMigrationTasks,
  ShowMigrationTask,
  DeleteMigrationTask,
  UploadImportFile,
  ImportBackup,
  VerifyBackup,
  AttachInstance,
  ListAllInstances,
  ShowAdminInstance,
  DetachInstance,
  CreateCredential,
  ListCredentials,
  RevokeCredential,
  ListNodes,
  CreateToken,
  DownloadBackupFile,
  ShowOpenApiDocument,
  ShowApiDocs,
  GetApiDocsAsset,
  CheckHealth,
  CheckReadiness,
  GetMetrics,
];

/** DCS operations of the backup family this service does not serve (yet): listed in the coverage doc. */
export const NOT_IMPLEMENTED: readonly { id: string; label: string; method: string; path: string }[] = [];

/**
 * Routes the service answers that are not operations of its API: the web console's page and files. The coverage
 * doc lists them; the OpenAPI document, which describes the API, leaves them out.
 */
export const SERVICE_ROUTES: readonly { id: string; method: string; path: string; status: string }[] = [
  { id: 'ConsoleRoot', method: 'GET', path: '/', status: 'redirects to `/console/`' },
  {
    id: 'ConsolePage',
    method: 'GET',
    path: '/console',
    status: "the web console's page (`/console` redirects to `/console/`); public, like its files",
  },
  {
    id: 'ConsoleFile',
    method: 'GET',
    path: '/console/*',
    status:
      "the web console's built files: public, no directory listing, nothing outside its folder; every call the console makes is an API call with the caller's credentials",
  },
];
