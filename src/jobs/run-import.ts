import { Readable } from 'node:stream';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import { fileKeysOf as fileKeysOfDetail } from '../core/backup-detail.ts';
import type { RedisEndpoint } from '../core/instance.ts';
import { ACTIVE_MIGRATION_STATUSES, type ImportReport, type MigrationTask } from '../core/migration-task.ts';
import type { BlobStore, MetadataStore, RedisProbe } from '../core/ports.ts';
import { isImportFileKeyOf } from '../core/use-cases/store-import-file.ts';
import { commandStreamOf, formatOf, type ImportFormat } from '../engine/aof/import-source.ts';
import { restoreAofRouted } from '../engine/restore/cluster-aof-restore.ts';
import { restoreRouted, type RoutedTarget } from '../engine/restore/cluster-restore.ts';
import { authenticate } from '../engine/resp/authenticate.ts';
import { RespConnection } from '../engine/resp/resp-connection.ts';
import { restoreAof } from '../engine/restore/restore-aof.ts';
import { RestoreRefused } from '../engine/restore/restore-types.ts';
import { probeTarget } from '../engine/restore/target-probe.ts';
import { cancellationOf } from './job-cancelled.ts';
import { restoreTargets } from './restore-targets.ts';

export interface ImportRunnerDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  /** Reads a cluster target's masters, or finds a master/standby instance's current master. */
  probe: RedisProbe;
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

/** One file to load, as the blob store holds it. */
interface ImportSource {
  key: string;
  format: ImportFormat;
  sizeBytes: number;
  open: () => Promise<Readable>;
  /** The first bytes: the format, and an RDB's version. */
  head: Buffer;
}

async function importFile(deps: ImportRunnerDeps, task: MigrationTask, signal: AbortSignal) {
  const { store } = deps;
  const target = await store.instances.findById(task.targetInstanceId);
  if (!target) throw new ImportRefused('the target instance is gone');
  const sources = await importSources(deps, await fileKeysOf(store, task));
  const targets = await restoreTargets(deps, target).catch((error: unknown) => {
    throw new ImportRefused(`cannot find the target's masters: ${(error as Error).message}`);
  });
  // A cluster target, or a cluster backup's files: every key to the master serving its slot (restoreRouted),
  // the files loaded in turn after one flush.
  if (targets[0]!.slots !== null || sources.length > 1) return importRouted(deps, targets, sources, signal);
  return importCommands(deps, targets[0]!.endpoint, sources[0]!, signal);
}

/** One file into one server, as commands: an AOF as it is, an RDB converted for the target's version. */
async function importCommands(
  deps: ImportRunnerDeps,
  endpoint: RedisEndpoint,
  source: ImportSource,
  signal: AbortSignal,
): Promise<ImportReport> {
  const targetRdbVersion = await targetVersion(endpoint, deps.timeoutMs);
  const commands = commandStreamOf(source.format, source.open, {
    targetRdbVersion,
    now: () => deps.clock.now(),
  });
  const report = await restoreAof({
    target: endpoint,
    source: { sizeBytes: source.sizeBytes, open: commands.open },
    timeoutMs: deps.timeoutMs,
    signal,
  });
  const conversion = commands.last()?.summary ?? null;
  const warnings = [...report.warnings];
  if (conversion && conversion.droppedFieldExpiries > 0) {
    warnings.push(`${conversion.droppedFieldExpiries} hash field expiry times were not carried over`);
  }
  return {
    format: source.format,
    rdbVersion: conversion?.rdbVersion ?? null,
    commands: report.commands,
    keys: conversion ? Object.values(conversion.keysPerDb).reduce((a, b) => a + b, 0) : null,
    warnings,
  };
}

/**
 * Files into a cluster's masters (or a cluster backup's files into one server) with the routed restore: RDB files
 * through restoreRouted, AOF files through restoreAofRouted.
 */
async function importRouted(
  deps: ImportRunnerDeps,
  targets: RoutedTarget[],
  sources: ImportSource[],
  signal: AbortSignal,
): Promise<ImportReport> {
  if (sources.some((source) => source.format === 'aof')) {
    if (sources.some((source) => source.format !== 'aof')) {
      throw new ImportRefused('the files mix RDB and AOF formats');
    }
    return importAofRouted(deps, targets, sources, signal);
  }
  const report = await restoreRouted({
    targets,
    sources: sources.map((source) => ({
      sizeBytes: source.sizeBytes,
      open: source.open,
      openRange: async (start, end) =>
        (await deps.blobs.open(source.key, { start, end })) ?? gone(source.key),
    })),
    now: () => deps.clock.now(),
    timeoutMs: deps.timeoutMs,
    signal,
  });
  const keys = report.destinations.reduce((sum, destination) => sum + destination.keys, 0);
  return {
    format: 'rdb',
    rdbVersion: rdbVersionOf(sources[0]!.head),
    commands: keys,
    keys,
    warnings: [...report.warnings],
  };
}

/** AOF files into a cluster's masters: each command to the master serving its key's slot (restoreAofRouted). */
async function importAofRouted(
  deps: ImportRunnerDeps,
  targets: RoutedTarget[],
  sources: ImportSource[],
  signal: AbortSignal,
): Promise<ImportReport> {
  const report = await restoreAofRouted({
    targets,
    sources: sources.map((source) => ({ sizeBytes: source.sizeBytes, open: source.open })),
    timeoutMs: deps.timeoutMs,
    signal,
  });
  return {
    format: 'aof',
    rdbVersion: null,
    commands: report.commands,
    keys: report.keys,
    warnings: report.warnings,
  };
}

async function importSources(deps: ImportRunnerDeps, keys: string[]): Promise<ImportSource[]> {
  const sources: ImportSource[] = [];
  for (const key of keys) {
    const sizeBytes = await deps.blobs.size(key);
    if (sizeBytes === undefined) throw new ImportRefused(`the file ${key} is not in the storage`);
    const open = async () => (await deps.blobs.open(key)) ?? gone(key);
    const first = await head(open);
    const format = formatOf(first);
    if (!format) {
      throw new ImportRefused(
        `the file ${key} is neither an RDB (REDIS/VALKEY header) nor an AOF (RESP commands)`,
      );
    }
    sources.push({ key, format, sizeBytes, open, head: first });
  }
  return sources;
}

/** The blobs to load: the named file, or every file of the backup record (one per shard of a cluster's). */
async function fileKeysOf(store: MetadataStore, task: MigrationTask): Promise<string[]> {
  if (task.fileSource === 'self_build_obs') {
    const key = task.files[0]!.fileName;
    // Checked when the task was made too; a task queued by an older version may name any key of the store.
    if (!isImportFileKeyOf(task.projectId, key)) {
      throw new ImportRefused(`the file ${key} is not one of this project's uploaded files`);
    }
    return [key];
  }
  const backup = task.backupId ? await store.backups.findById(task.backupId) : undefined;
  if (!backup || backup.record.status !== 'succeed' || backup.detail.fileKey === null) {
    throw new ImportRefused('the backup record or its file is gone');
  }
  return fileKeysOfDetail(backup.detail);
}

function rdbVersionOf(first: Buffer): number | null {
  const match = /^(?:REDIS(\d{4})|VALKEY(\d{3}))/.exec(first.toString('latin1', 0, 9));
  return match ? Number(match[1] ?? match[2]) : null;
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

async function targetVersion(endpoint: RedisEndpoint, timeoutMs: number) {
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
