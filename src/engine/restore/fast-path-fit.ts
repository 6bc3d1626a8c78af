import type { RedisEndpoint } from '../../core/instance.ts';
import type { PreparedRestore } from './restore-preflight.ts';

/** Valkey 8+ writes its own RDB numbers from 80 on; its loader reads Redis files up to RDB 11. */
const VALKEY_FIRST_OWN_VERSION = 80;
const VALKEY_READS_REDIS_UP_TO = 11;

/**
 * Why the replication fast path cannot take this restore, from what the pre-flight read (null: it can, as far as
 * can be told without asking the target more). The target's loader must read the file as it is: a file newer
 * than the target, or of the other family, would make the target stop loading, so those keys go in as commands
 * (relabelled or rebuilt). The live conditions (role, replicas, CONFIG, REPLICAOF) are checked by
 * restoreByReplication.
 */
export function fastPathMisfit(prepared: PreparedRestore, target: RedisEndpoint): string | null {
  const { content, plan } = prepared;
  const info = prepared.target;
  if (info.clusterEnabled) return 'the target runs in cluster mode, where REPLICAOF is not allowed';
  if (target.tls) {
    return 'the target is reached over TLS, and the replication link from the target to this service would be plain';
  }
  const fileVersion = content.rdbVersion ?? 0;
  const valkeyTarget = info.rdbVersion >= VALKEY_FIRST_OWN_VERSION;
  const readable =
    content.magic === 'VALKEY'
      ? valkeyTarget && fileVersion <= info.rdbVersion
      : fileVersion <= (valkeyTarget ? VALKEY_READS_REDIS_UP_TO : info.rdbVersion);
  if (!readable) {
    return `the target's loader (RDB ${info.rdbVersion}) cannot read the file (${content.magic ?? 'REDIS'} RDB ${fileVersion})`;
  }
  const converted = [...plan.routes.values()].filter((route) => route !== 'restore').length;
  if (converted > 0) return 'some value types must be relabelled or rebuilt for this target';
  if (content.modules.length > 0) return 'the backup holds module data';
  return null;
}
