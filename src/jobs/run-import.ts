import { Readable } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import { ACTIVE_MIGRATION_STATUSES, type MigrationTask } from '../core/migration-task.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';
import { isImportFileKeyOf } from '../core/use-cases/store-import-file.ts';
import { commandStreamOf, formatOf } from '../engine/aof/import-source.ts';
import { authenticate } from '../engine/resp/authenticate.ts';
import { RespConnection } from '../engine/resp/resp-connection.ts';
import { restoreAof } from '../engine/restore/restore-aof.ts';
import { RestoreRefused } from '../engine/restore/restore-types.ts';
import { probeTarget } from '../engine/restore/target-probe.ts';
import { cancellationOf } from './job-cancelled.ts';

export interface ImportRunnerDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  /** How long the target may take to answer before the import fails. */
  timeoutMs: number;
}

/**
 * Runs one import task to its end: MIGRATING → SUCCESS or FAILED with the reason. The file (a key of the blob
 * store, or a backup record's file) is loaded into the target as commands with the restore pieces: a pre-flight
 * read of the whole file first (RDB checksum or RESP framing, what the target must have), so a corrupt file fails
 * with the target untouched; then flush, the pipelined load and the key count. Never throws.
 */
export async function runImportJob(deps: ImportRunnerDeps, job: Job, signal: AbortSignal): Promise<void> {
  const { store, clock } = deps;
  const task = await store.migrationTasks.findById(job.backupId);
  if (!task || task.status !== 'MIGRATING') return;
  const fail = (message: string) =>
    store.migrationTasks.transition(task.id, ACTIVE_MIGRATION_STATUSES, 'FAILED', {
      errorMessage: message,
      updatedAt: clock.now(),
    });
  try {
    const report = await importFile(deps, task, signal);
    const succeeded = await store.migrationTasks.transition(task.id, ACTIVE_MIGRATION_STATUSES, 'SUCCESS', {
      report,
      updatedAt: clock.now(),
    });
    // A file uploaded only to be imported (UploadImportFile) has served; files the caller put in the bucket
    // themselves, and a failed task's upload (to be tried again), stay.
    const uploaded = task.files[0]?.fileName;
    if (succeeded && uploaded && isImportFileKeyOf(task.projectId, uploaded)) {
      await deps.blobs.remove(uploaded).catch(() => undefined);
    }
  } catch (error) {
    const message = (error as Error).message;
    const cancelled = cancellationOf(signal);
    if (cancelled) await fail(`${cancelled.message}; the target's data may be incomplete`);
    else if (error instanceof RestoreRefused || error instanceof ImportRefused)
      await fail(`refused before anything was written to the target: ${message}`);
    else await fail(`the import stopped; the target's data may be incomplete: ${message}`);
  }
}

/** The file cannot be imported; the target was not touched. */
class ImportRefused extends Error {}

async function importFile(deps: ImportRunnerDeps, task: MigrationTask, signal: AbortSignal) {
  const { store, blobs, clock } = deps;
  const target = await store.instances.findById(task.targetInstanceId);
  if (!target) throw new ImportRefused('the target instance is gone');
  const key = await fileKeyOf(store, task);
  const size = await blobs.size(key);
  if (size === undefined) throw new ImportRefused(`the file ${key} is not in the storage`);
  const open = async () => (await blobs.open(key)) ?? gone(key);
  const format = formatOf(await head(open));
  if (!format) {
    throw new ImportRefused('the file is neither an RDB (REDIS/VALKEY header) nor an AOF (RESP commands)');
  }
  const targetRdbVersion = await targetVersion(target.endpoint, deps.timeoutMs);
  const commands = commandStreamOf(format, open, { targetRdbVersion, now: () => clock.now() });
  const report = await restoreAof({
    target: target.endpoint,
    source: { sizeBytes: size, open: commands.open },
    timeoutMs: deps.timeoutMs,
    signal,
  });
  const conversion = commands.last()?.summary ?? null;
  const warnings = [...report.warnings];
  if (conversion && conversion.droppedFieldExpiries > 0) {
    warnings.push(`${conversion.droppedFieldExpiries} hash field expiry times were not carried over`);
  }
  return {
    format,
    rdbVersion: conversion?.rdbVersion ?? null,
    commands: report.commands,
    keys: conversion ? Object.values(conversion.keysPerDb).reduce((a, b) => a + b, 0) : null,
    warnings,
  };
}

async function fileKeyOf(store: MetadataStore, task: MigrationTask): Promise<string> {
  if (task.fileSource === 'self_build_obs') return task.files[0]!.fileName;
  const backup = task.backupId ? await store.backups.findById(task.backupId) : undefined;
  if (!backup || backup.record.status !== 'succeed' || backup.detail.fileKey === null) {
    throw new ImportRefused('the backup record or its file is gone');
  }
  if (backup.detail.shards)
    throw new ImportRefused('a cluster backup (one file per shard) cannot be imported');
  return backup.detail.fileKey;
}

async function head(open: () => Promise<Readable>): Promise<Buffer> {
  const file = await open();
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) return chunk;
    return Buffer.alloc(0);
  } finally {
    file.destroy();
  }
}

async function targetVersion(endpoint: import('../core/instance.ts').RedisEndpoint, timeoutMs: number) {
  const connection = await RespConnection.open(endpoint, timeoutMs);
  try {
    await authenticate(connection, endpoint);
    return (await probeTarget(connection)).rdbVersion;
  } finally {
    connection.close();
  }
}

function gone(key: string): never {
  throw new Error(`the file ${key} disappeared during the import`);
}
