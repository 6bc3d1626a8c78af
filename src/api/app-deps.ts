import type { TokenIssuer } from '../core/auth/tokens.ts';
import type { Clock } from '../core/clock.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { FailureLimiter } from './auth/failure-limiter.ts';
import type { LinkSigner } from '../core/download-links.ts';
import type { BlobStore, MetadataStore, RdbInspector, RedisProbe } from '../core/ports.ts';
import type { BackupListingIndex } from './backup-listing-index.ts';
import type { ReadinessCheck } from './observability/health-routes.ts';
import type {
  HttpMetrics,
  ListingIndexMetrics,
  MetricsExposition,
} from './observability/prometheus-metrics.ts';

/** What the HTTP layer needs from the composition root. */
export interface AppDeps {
  store: MetadataStore;
  blobs: BlobStore;
  probe: RedisProbe;
  clock: Clock;
  links: LinkSigner;
  /** Reads stored backups through the RDB reader (verify). */
  inspector: RdbInspector;
  auth: Authenticator;
  /** Slows addresses that keep failing authentication; a default one when omitted. */
  failureLimiter?: FailureLimiter;
  tokens: TokenIssuer;
  /** The largest file an upload for import may store, in bytes: 64 GiB when omitted. */
  maxImportBytes?: number;
  /** The largest save_days a policy may ask for: DCS's 7 when omitted. */
  maxSaveDays?: number;
  /**
   * The base URL of download links: the configured public URL, or the address the service listens on. Never
   * the request's Host header, which the client chooses. Omitted, the app's own listening address.
   */
  linkBase?: () => string;
  /** Called when a job was queued, so the local worker picks it up at once. */
  onQueued?: () => void;
  /** Counts requests and renders GET /metrics; omitted, the app keeps a registry of its own. */
  metrics?: HttpMetrics & MetricsExposition & ListingIndexMetrics;
  /** DCS_METRICS_TOKEN: a bearer token that may read /metrics (an admin credential always may). */
  metricsToken?: string;
  /** Bytes of listing responses kept for reuse (DCS_LISTING_CACHE_MB); 0 keeps none. Omitted, 32 MiB. */
  listingCacheBytes?: number;
  /**
   * Bytes of instances' whole listings kept in memory for listings that keep missing the cache
   * (DCS_LISTING_INDEX_MB); 0, the default, keeps none.
   */
  listingIndexBytes?: number;
  /** The whole-listing index itself (tests wait on its builds); omitted, one sized by listingIndexBytes. */
  backupListingIndex?: BackupListingIndex;
  /** What GET /readyz checks (the metadata database, the blob store); omitted, nothing. */
  readiness?: readonly ReadinessCheck[];
}
