import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobKind } from '../../core/job.ts';
import type { CleanupAction, JobEnded, SchedulerOutcome, ServiceMetrics } from '../../core/metrics.ts';
import type { MetadataStore } from '../../core/ports.ts';

/** What the HTTP layer reports of each answered request. */
export interface HttpMetrics {
  httpRequest(operation: string, status: number, seconds: number): void;
}

/** What the whole-listing index holds, read at each scrape. */
export interface ListingIndexMetrics {
  observeListingIndex(read: () => { bytes: number; instances: number }): void;
}

/** Renders what is counted, for GET /metrics. */
export interface MetricsExposition {
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Read from the metadata database at each scrape rather than counted in memory: the same on every node, and
 * right after a restart (the last good backup of an instance must not vanish when the process restarts).
 */
export interface MetricsSources {
  queuedJobs(): Promise<number>;
  /** Per instance, when its newest successful backup was taken (epoch ms). */
  lastSucceededBackups(): Promise<Map<string, number>>;
  instances(): Promise<{ id: string; projectId: string; createdAt: number }[]>;
}

export function storeMetricsSources(store: MetadataStore): MetricsSources {
  return {
    queuedJobs: () => store.jobs.countQueued(),
    lastSucceededBackups: () => store.backups.lastSucceededAt(),
    instances: () => store.instances.list(),
  };
}

// Requests take milliseconds; downloads and verifies of big files take minutes.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 300];
// Backups and restores take from seconds (a small cache) to hours (hundreds of GB).
const JOB_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200];
// A window is started within a scheduler tick (30 s) unless the service was down or behind.
const LAG_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 3600];
const BLOB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

/** The service's metrics in a prom-client registry of its own (several apps in one process stay apart). */
export class PrometheusMetrics
  implements ServiceMetrics, HttpMetrics, MetricsExposition, ListingIndexMetrics
{
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'operation' | 'status'>;
  readonly #httpSeconds: Histogram<'operation'>;
  readonly #jobsStarted: Counter<'kind'>;
  readonly #jobsFinished: Counter<'kind' | 'status' | 'error_code'>;
  readonly #jobSeconds: Histogram<'kind' | 'status'>;
  readonly #jobBytes: Counter<'kind'>;
  readonly #jobsInFlight: Gauge<'kind'>;
  readonly #takeovers: Counter<'kind'>;
  readonly #windows: Counter<'outcome'>;
  readonly #windowLag: Histogram;
  readonly #lastTick: Gauge;
  readonly #cleanup: Counter<'action'>;
  readonly #blobSeconds: Histogram<'operation'>;
  readonly #blobErrors: Counter<'operation'>;

  constructor(options: { sources?: MetricsSources; processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#httpRequests = new Counter({
      name: 'dcs_http_requests_total',
      help: 'HTTP requests answered, by operation id and status code',
      labelNames: ['operation', 'status'],
      registers,
    });
    this.#httpSeconds = new Histogram({
      name: 'dcs_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by operation id',
      labelNames: ['operation'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#jobsStarted = new Counter({
      name: 'dcs_jobs_started_total',
      help: 'Backups and restores this process started',
      labelNames: ['kind'],
      registers,
    });
    this.#jobsFinished = new Counter({
      name: 'dcs_jobs_finished_total',
      help: 'Backups and restores ended, by record status and record error code (none on success)',
      labelNames: ['kind', 'status', 'error_code'],
      registers,
    });
    this.#jobSeconds = new Histogram({
      name: 'dcs_job_duration_seconds',
      help: 'Duration of backups and restores run by this process, by final status',
      labelNames: ['kind', 'status'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.#jobBytes = new Counter({
      name: 'dcs_job_bytes_total',
      help: 'Bytes of backup files written by successful backups and read by successful restores',
      labelNames: ['kind'],
      registers,
    });
    this.#jobsInFlight = new Gauge({
      name: 'dcs_jobs_in_flight',
      help: 'Backups and restores running in this process now',
      labelNames: ['kind'],
      registers,
    });
    this.#takeovers = new Counter({
      name: 'dcs_job_lease_takeovers_total',
      help: 'Jobs of a process that stopped renewing its lease, failed by this process',
      labelNames: ['kind'],
      registers,
    });
    this.#windows = new Counter({
      name: 'dcs_scheduler_windows_total',
      help: 'Automatic backup windows dealt with: started, busy (instance busy) or missed (no process running)',
      labelNames: ['outcome'],
      registers,
    });
    this.#windowLag = new Histogram({
      name: 'dcs_scheduler_window_lag_seconds',
      help: "Time from a backup window's start to when the scheduler dealt with it",
      buckets: LAG_BUCKETS,
      registers,
    });
    this.#lastTick = new Gauge({
      name: 'dcs_scheduler_last_tick_timestamp_seconds',
      help: 'When the scheduler of this process last completed a pass (seconds since the epoch)',
      registers,
    });
    this.#cleanup = new Counter({
      name: 'dcs_cleanup_actions_total',
      help: 'Storage clean-up and expiry actions: files removed, partial writes removed, files found missing, records adopted, backups expired',
      labelNames: ['action'],
      registers,
    });
    this.#blobSeconds = new Histogram({
      name: 'dcs_blob_call_duration_seconds',
      help: 'Latency of blob store calls (open, create, commit, remove, list…)',
      labelNames: ['operation'],
      buckets: BLOB_BUCKETS,
      registers,
    });
    this.#blobErrors = new Counter({
      name: 'dcs_blob_call_errors_total',
      help: 'Blob store calls that failed',
      labelNames: ['operation'],
      registers,
    });
    if (options.sources) this.#fromDatabase(options.sources);
  }

  #fromDatabase(sources: MetricsSources): void {
    const registers = [this.registry];
    let pending: Promise<Awaited<ReturnType<typeof readSources>> | null> | null = null;
    // One read per scrape, shared by the gauges below, which prom-client collects one after the other.
    const read = () => {
      pending ??= readSources(sources)
        .catch(() => null)
        .finally(() => setImmediate(() => (pending = null)));
      return pending;
    };
    // 1 when the scrape-time queries answered; 0 leaves their gauges empty rather than failing the scrape.
    new Gauge({
      name: 'dcs_metadata_up',
      help: 'Whether the metadata database answered the queries of this scrape',
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dcs_jobs_queued',
      help: 'Jobs waiting to be claimed by any process (queue depth)',
      registers,
      async collect() {
        const data = await read();
        if (data) this.set(data.queued);
        else this.reset();
      },
    });
    new Gauge({
      name: 'dcs_backup_last_success_timestamp_seconds',
      help: "When each instance's newest successful backup was taken (seconds since the epoch)",
      labelNames: ['instance_id', 'project_id'],
      registers,
      async collect() {
        const data = await read();
        this.reset();
        for (const instance of data?.instances ?? []) {
          const at = data!.lastSucceeded.get(instance.id);
          if (at !== undefined)
            this.set({ instance_id: instance.id, project_id: instance.projectId }, at / 1000);
        }
      },
    });
    new Gauge({
      name: 'dcs_instance_attached_timestamp_seconds',
      help: 'When each instance was attached (seconds since the epoch): finds instances never backed up',
      labelNames: ['instance_id', 'project_id'],
      registers,
      async collect() {
        const data = await read();
        this.reset();
        for (const instance of data?.instances ?? []) {
          this.set({ instance_id: instance.id, project_id: instance.projectId }, instance.createdAt / 1000);
        }
      },
    });
  }

  observeListingIndex(read: () => { bytes: number; instances: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'dcs_listing_index_bytes',
      help: "Memory held by instances' whole listings kept for listings that keep missing the cache",
      registers,
      collect() {
        this.set(read().bytes);
      },
    });
    new Gauge({
      name: 'dcs_listing_index_instances',
      help: 'Instances whose whole listing is kept in memory',
      registers,
      collect() {
        this.set(read().instances);
      },
    });
  }

  httpRequest(operation: string, status: number, seconds: number): void {
    this.#httpRequests.inc({ operation, status: String(status) });
    this.#httpSeconds.observe({ operation }, seconds);
  }

  jobStarted(kind: JobKind): void {
    this.#jobsStarted.inc({ kind });
    this.#jobsInFlight.inc({ kind });
  }

  jobLeft(kind: JobKind): void {
    this.#jobsInFlight.dec({ kind });
  }

  jobEnded(ended: JobEnded): void {
    const { kind, status } = ended;
    this.#jobsFinished.inc({ kind, status, error_code: ended.errorCode ?? 'none' });
    if (ended.seconds !== null) this.#jobSeconds.observe({ kind, status }, ended.seconds);
    if (ended.bytes > 0) this.#jobBytes.inc({ kind }, ended.bytes);
  }

  leaseTakenOver(kind: JobKind): void {
    this.#takeovers.inc({ kind });
  }

  schedulerWindow(outcome: SchedulerOutcome, lagSeconds: number | null, count = 1): void {
    this.#windows.inc({ outcome }, count);
    if (lagSeconds !== null) this.#windowLag.observe(Math.max(0, lagSeconds));
  }

  schedulerTicked(atMs: number): void {
    this.#lastTick.set(atMs / 1000);
  }

  cleanupActions(action: CleanupAction, count: number): void {
    if (count > 0) this.#cleanup.inc({ action }, count);
  }

  blobCall(operation: string, seconds: number, failed: boolean): void {
    this.#blobSeconds.observe({ operation }, seconds);
    if (failed) this.#blobErrors.inc({ operation });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

async function readSources(sources: MetricsSources) {
  const [queued, lastSucceeded, instances] = await Promise.all([
    sources.queuedJobs(),
    sources.lastSucceededBackups(),
    sources.instances(),
  ]);
  return { queued, lastSucceeded, instances };
}
