import type { BackupFormat, BackupRecord, BackupStatus, BackupType } from './backup-record.ts';
import type { ClusterShard, ClusterTopology } from './cluster-topology.ts';
import type { Credential } from './auth/credential.ts';
import type { BackupChange, StoredBackup } from './backup-detail.ts';
import type { Instance, RedisEndpoint } from './instance.ts';
import type { Job } from './job.ts';
import type { MigrationChange, MigrationStatus, MigrationTask } from './migration-task.ts';
import type { StoredPolicy } from './backup-policy.ts';
import type { RetainedBackup } from './retention.ts';
import type { RestoreChange, RestoreRecord, RestoreStatus, StoredRestore } from './restore-record.ts';
import type { RdbFindings, RdbWalk } from './rdb-findings.ts';
import type { ListedNode, ServiceNode } from './service-node.ts';

export type { RdbFindings, RdbWalk } from './rdb-findings.ts';

/** A filter over one instance's backup records; every field but instanceId, limit and offset is optional. */
export interface BackupQuery {
  instanceId: string;
  /** Inclusive lower bound on createdAt (epoch ms). */
  createdFrom?: number;
  /** Exclusive upper bound on createdAt (epoch ms). */
  createdBefore?: number;
  statuses?: readonly BackupStatus[];
  types?: readonly BackupType[];
  formats?: readonly BackupFormat[];
  limit: number;
  offset: number;
}

export interface BackupPage {
  /** How many records match the filter, whatever the page. */
  total: number;
  /** Newest first; ties broken by id, so consecutive pages never overlap or skip. */
  records: BackupRecord[];
}

export interface InstanceRepository {
  insert(instance: Instance): Promise<void>;
  findById(id: string): Promise<Instance | undefined>;
  /** Instances of one project, or of every project when projectId is undefined; oldest first. */
  list(projectId?: string): Promise<Instance[]>;
  /**
   * The instance's project and listing version: a number every committed write to the instance's backup or
   * restore records changes, in the write's own transaction. undefined when there is no such instance.
   */
  listingVersion(id: string): Promise<{ projectId: string; version: string } | undefined>;
  /** Replaces the cluster topology kept with the instance (refreshed before each backup). */
  setTopology(id: string, topology: ClusterTopology | null): Promise<void>;
  /** Removes the instance, its backup records and its policy in one transaction. */
  delete(id: string): Promise<void>;
}

export interface BackupRepository {
  insert(record: BackupRecord): Promise<void>;
  /** Inserts many records in one transaction: all or none. */
  insertMany(records: readonly BackupRecord[]): Promise<void>;
  list(query: BackupQuery): Promise<BackupPage>;
  /** How many of an instance's records are in one of the given states. */
  countByStatus(instanceId: string, statuses: readonly BackupStatus[]): Promise<number>;
  findById(id: string): Promise<StoredBackup | undefined>;
  /** Changes fields whatever the record's status (never the status itself: see transition). */
  update(id: string, change: BackupChange): Promise<void>;
  /**
   * Compare-and-set: moves the record to `to` with the change only if its status is one of `from` (edges of
   * BACKUP_TRANSITIONS); false when it was not. Leaving an active state (waiting, backuping) also finishes
   * the record's job in the same transaction, at change.updatedAt: the instance is free the moment the
   * record's outcome shows.
   */
  transition(
    id: string,
    from: readonly BackupStatus[],
    to: BackupStatus,
    change?: BackupChange,
  ): Promise<boolean>;
  /**
   * Inserts a waiting record and the job that will fill it, together. Throws DomainError backup_in_progress or
   * restore_in_progress when the instance already has an unfinished job.
   */
  insertQueued(record: BackupRecord, job: Job): Promise<void>;
  /** Keys of the blobs the instance's records still own (every shard's file of a cluster backup). */
  fileKeys(instanceId: string): Promise<string[]>;
  /** Size of the instance's newest successful backup: the best estimate of the next one. */
  latestSucceededSize(instanceId: string): Promise<number | undefined>;
  /**
   * Inserts a scheduled (automatic) record, with the job that fills it when there is one. "duplicate" when
   * the instance already has a record for that window (another process got there first); "busy" when a
   * job is given and the instance already has an unfinished one (nothing is inserted then).
   */
  insertScheduled(
    record: BackupRecord,
    job: Job | null,
    errorMessage?: string | null,
  ): Promise<'inserted' | 'duplicate' | 'busy'>;
  /** The instance's successful automatic backups, newest first: what retention decides over. */
  retainedAutoBackups(instanceId: string): Promise<RetainedBackup[]>;
  setExpiries(expiries: ReadonlyMap<string, number | null>): Promise<void>;
  /** Successful backups whose expiry has come, oldest expiry first. */
  dueForExpiry(now: number, limit: number): Promise<{ id: string; fileKeys: string[] }[]>;
  /** Marks a successful backup expired and lets go of its file; false when it was no longer successful. */
  expire(id: string): Promise<boolean>;
  /**
   * Of the given ids, those whose record may own a file: waiting, running or successful. With storeId, only
   * those whose file is in that store (or in no recorded store: records older than store ids).
   */
  liveIds(ids: readonly string[], storeId?: string): Promise<Set<string>>;
  /** A successful record whose file is gone: not restorable any more, the reason kept; false if it changed. */
  markFileMissing(id: string, reason: string): Promise<boolean>;
  /**
   * Successful records that name a file, in id order after `afterId`, for the storage check. With storeId,
   * only those held by that store or by no recorded store (storeId null in the answer). fileKeys: every blob
   * the record owns (each shard's file of a cluster backup).
   */
  filesAfter(
    afterId: string,
    limit: number,
    storeId?: string,
  ): Promise<
    { id: string; fileKey: string; fileKeys: string[]; restorable: boolean; storeId: string | null }[]
  >;
  /** Per instance, when its newest successful backup was taken (createdAt, epoch ms); absent: none yet. */
  lastSucceededAt(): Promise<Map<string, number>>;
}

export interface RestoreQuery {
  instanceId: string;
  createdFrom?: number;
  createdBefore?: number;
  limit: number;
  offset: number;
}

export interface RestorePage {
  total: number;
  /** Newest first, ties broken by id. */
  records: RestoreRecord[];
}

export interface RestoreRepository {
  /** Inserts a waiting restore and its job together; DomainError backup_in_progress / restore_in_progress when busy. */
  insertQueued(stored: StoredRestore, job: Job): Promise<void>;
  findById(id: string): Promise<StoredRestore | undefined>;
  /** Changes fields whatever the record's status (never the status itself: see transition). */
  update(id: string, change: RestoreChange): Promise<void>;
  /** Compare-and-set along RESTORE_TRANSITIONS, as BackupRepository.transition. */
  transition(
    id: string,
    from: readonly RestoreStatus[],
    to: RestoreStatus,
    change?: RestoreChange,
  ): Promise<boolean>;
  list(query: RestoreQuery): Promise<RestorePage>;
}

export interface PolicyRepository {
  find(instanceId: string): Promise<StoredPolicy | undefined>;
  /** The policies of the given instances, by instance id. */
  findMany(instanceIds: readonly string[]): Promise<Map<string, StoredPolicy>>;
  /** Inserts or replaces the instance's policy. */
  save(stored: StoredPolicy): Promise<void>;
  /** Policies whose next window starts at or before now, earliest first. */
  due(now: number, limit: number): Promise<StoredPolicy[]>;
  /** Moves the next window from `from` to `to`; false when another process already moved it. */
  advance(instanceId: string, from: number, to: number | null): Promise<boolean>;
}

export interface JobRepository {
  /**
   * Takes the oldest queued job for this owner until leaseUntil, or undefined when none is queued. With
   * storeId, jobs bound to another blob store (a restore of a file on another node's disk) are left alone.
   */
  claim(owner: string, leaseUntil: number, storeId?: string): Promise<Job | undefined>;
  /** Extends the lease; false when the job is no longer this owner's (it was reaped). */
  renew(jobId: string, owner: string, leaseUntil: number): Promise<boolean>;
  finish(jobId: string, now: number): Promise<void>;
  /** Finishes running jobs whose lease ran out before now and returns those this call finished. */
  reapExpired(now: number): Promise<Job[]>;
  /** How many jobs wait to be claimed, by any process (the queue depth). */
  countQueued(): Promise<number>;
}

export interface CredentialRepository {
  insert(credential: Credential): Promise<void>;
  find(accessKey: string): Promise<Credential | undefined>;
  /** Every credential, revoked ones included; oldest first. */
  list(): Promise<Credential[]>;
  /** Marks the credential revoked; false when there is no such active credential. */
  revoke(accessKey: string, now: number): Promise<boolean>;
}

/**
 * Signatures of state-changing requests already accepted, shared by every node through the database, so an
 * exact replay is refused wherever it arrives. Kept only while a signature could still pass the date check.
 */
export interface SeenSignatureRepository {
  /** Records the signature; false when it was already there (atomically: two nodes cannot both get true). */
  remember(signature: string, accessKey: string, expiresAt: number): Promise<boolean>;
  /** Forgets signatures whose expiresAt is before now; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** The service processes sharing the database: each registers itself and renews a heartbeat. */
export interface NodeRepository {
  /** Inserts the node (or replaces a row of the same id), and forgets nodes silent for a week before it. */
  register(node: ServiceNode): Promise<void>;
  /** Renews the heartbeat; false when the row is gone or marked stopped. */
  heartbeat(id: string, now: number): Promise<boolean>;
  markStopped(id: string, now: number): Promise<void>;
  /** Every node ever registered, newest start first, with the jobs each holds now. */
  list(): Promise<ListedNode[]>;
  /** The nodes over one blob store, latest heartbeat first. */
  overStore(storeId: string): Promise<ServiceNode[]>;
}

/** The metadata store: SQLite or PostgreSQL behind the same interface. */
export interface MetadataStore {
  readonly instances: InstanceRepository;
  readonly backups: BackupRepository;
  readonly jobs: JobRepository;
  readonly credentials: CredentialRepository;
  readonly policies: PolicyRepository;
  readonly restores: RestoreRepository;
  readonly seenSignatures: SeenSignatureRepository;
  readonly nodes: NodeRepository;
  readonly migrationTasks: MigrationTaskRepository;
  close(): Promise<void>;
}

export interface RedisServerInfo {
  engineVersion: string;
  /** used_memory from INFO, when the server tells it: a first estimate of a backup's size. */
  usedMemoryBytes: number | null;
  /** cluster_enabled from INFO: a cluster node holds only its shard's slots. Null when INFO is not readable. */
  clusterEnabled: boolean | null;
  /** master_link_status from INFO on a replica (up: in step with its master); null on a master. */
  masterLinkUp: boolean | null;
}

/** The keys one database of a server holds now (INFO keyspace, the same number as DBSIZE). */
export interface DatabaseKeys {
  db: number;
  keys: number;
}

/** Checks that a Redis server answers and accepts the credentials, and reads what the instance shows. */
export interface RedisProbe {
  probe(endpoint: RedisEndpoint): Promise<RedisServerInfo>;
  /**
   * The keys of every non-empty database of the one server at the endpoint (its `db` is ignored), ascending by
   * database; each connection is given up after timeoutMs of silence (DomainError redis_unreachable).
   */
  keyspace(endpoint: RedisEndpoint, timeoutMs: number): Promise<DatabaseKeys[]>;
  /**
   * The endpoint of the instance's current master: asked of its Sentinels when it has them (DomainError
   * redis_unreachable when none can say); for master/standby attached by a replica, the master that replica
   * follows; else the endpoint as attached.
   */
  locateMaster(instance: Pick<Instance, 'type' | 'endpoint' | 'sentinel'>): Promise<RedisEndpoint>;
  /** A cluster's shards, read from the node at the endpoint (ordered by first slot). */
  shards(endpoint: RedisEndpoint): Promise<ClusterShard[]>;
}

/** A blob being written: invisible under its key until committed. */
export interface BlobWriter {
  readonly stream: import('node:stream').Writable;
  /**
   * Set when `stream` lets go of a written chunk of at least this many bytes once that write's callback ran
   * (a file: the bytes are in the kernel by then), so the writer's user may fill its memory again. Absent
   * when the stream may keep chunks longer (an upload holds them until their part is sent).
   */
  readonly releasesChunksFrom?: number;
  /**
   * Makes the bytes durable (fsync) and visible under the key, atomically. `metadata` (lower-case names and
   * values in ASCII) is stored with the blob where the store can (object metadata in S3).
   */
  commit(metadata?: Readonly<Record<string, string>>): Promise<void>;
  /** Drops whatever was written; safe to call after a failure or twice. */
  abort(): Promise<void>;
}

/** What a writer may be told up front. */
export interface BlobCreateOptions {
  /** The expected size in bytes, when known: object stores size their upload parts from it. */
  sizeHint?: number | null;
}

/** A link to a blob that works without other credentials until it expires, served by the store itself. */
export interface BlobLink {
  /** Where the store keeps the blob: the bucket and the object key. */
  bucket: string;
  path: string;
  url: string;
}

/** Where backup files live: the filesystem by default, object storage when scaled out. */
export interface BlobStore {
  /**
   * Stable name of this store, the same for every process that reads and writes the same blobs: a local
   * directory's id file, or the bucket and prefix. Records remember it, so a process only judges its own files.
   */
  readonly id: string;
  create(key: string, options?: BlobCreateOptions): Promise<BlobWriter>;
  /** A stream of the blob's bytes (bytes [start, end) with a range), or undefined when there is no such blob. */
  open(
    key: string,
    range?: { start: number; end: number },
  ): Promise<import('node:stream').Readable | undefined>;
  size(key: string): Promise<number | undefined>;
  remove(key: string): Promise<void>;
  /** Removes the leftovers of a write that was never committed (its writer died). */
  removePartial(key: string): Promise<void>;
  /** Keys of committed blobs, and of writes that were never committed or aborted. */
  list(): Promise<{ committed: string[]; partial: string[] }>;
  /**
   * A download link the store serves itself (a presigned URL), valid from nowMs for expiresInS seconds and
   * naming fileName for the download. Absent: the service serves the download itself.
   */
  link?(key: string, options: { expiresInS: number; fileName: string; nowMs: number }): Promise<BlobLink>;
}

/** Reads a stored backup file through the RDB reader, value by value, without writing anywhere. */
export interface RdbInspector {
  /** deep: decode every value, not only walk the structure; checksums: compute the CRC-64 and SHA-256 too. */
  inspect(
    file: import('node:stream').Readable,
    options: { deep: boolean; checksums: boolean },
  ): Promise<RdbFindings>;
  /** A structure walk to feed as bytes arrive (see RdbWalk). */
  walk(): RdbWalk;
}

/** Backup-file import tasks (DCS migration tasks), per project. */
export interface MigrationTaskRepository {
  /** Inserts the task with the job that runs it; refused while another job of the target is unfinished. */
  insertQueued(task: MigrationTask, job: Job): Promise<void>;
  findById(id: string): Promise<MigrationTask | undefined>;
  /** Newest first. */
  list(
    projectId: string,
    page: { offset: number; limit: number; name?: string },
  ): Promise<{ total: number; tasks: MigrationTask[] }>;
  /** A compare-and-set from `from`; true when it moved. Leaving MIGRATING finishes the task's job. */
  transition(
    id: string,
    from: readonly MigrationStatus[],
    to: MigrationStatus,
    change?: MigrationChange,
  ): Promise<boolean>;
  /** Removes the project's finished tasks among `ids`; returns the ids removed. */
  removeFinished(projectId: string, ids: readonly string[]): Promise<string[]>;
}
