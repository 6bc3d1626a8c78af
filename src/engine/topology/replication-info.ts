/** A replica as its master announces it in INFO replication (`slave0:ip=...,port=...,state=online,...`). */
export interface AnnouncedReplica {
  host: string;
  port: number;
  /** online once the initial sync is done; wait_bgsave, send_bulk... before. */
  state: string;
  /** The replication offset the replica last acknowledged. */
  offset: number | null;
  /** Seconds since the replica's last acknowledgement. */
  lagSeconds: number | null;
}

/** The fields of INFO replication the choice of a backup source reads. */
export interface ReplicationInfo {
  /** unknown: INFO said nothing (a user not allowed INFO, or a server that does not report it). */
  role: 'master' | 'replica' | 'unknown';
  /** A replica's master, as the replica has it. */
  master: { host: string; port: number } | null;
  /** A replica's link to its master: master_link_status:up. */
  linkUp: boolean;
  /** A replica's master_last_io_seconds_ago (-1 while the link is down). */
  lastIoSecondsAgo: number | null;
  /** master_repl_offset: on a master, how far its stream went; on a replica, how far it has read. */
  offset: number | null;
  replicas: AnnouncedReplica[];
}

/** Reads INFO replication text (any other sections beside it are ignored). */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const role = fields.get('role');
  const masterHost = fields.get('master_host');
  const masterPort = numberOf(fields.get('master_port'));
  const replicas: AnnouncedReplica[] = [];
  for (const [name, value] of fields) {
    if (!/^slave\d+$/.test(name)) continue;
    const parts = new Map(
      value.split(',').map((pair) => {
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
      }),
    );
    const host = parts.get('ip');
    const port = numberOf(parts.get('port'));
    if (!host || port === null) continue;
    replicas.push({
      host,
      port,
      state: parts.get('state') ?? 'unknown',
      offset: numberOf(parts.get('offset')),
      lagSeconds: numberOf(parts.get('lag')),
    });
  }
  return {
    role: role === 'master' ? 'master' : role === 'slave' ? 'replica' : 'unknown',
    master: masterHost && masterPort !== null ? { host: masterHost, port: masterPort } : null,
    linkUp: fields.get('master_link_status') === 'up',
    lastIoSecondsAgo: numberOf(fields.get('master_last_io_seconds_ago')),
    offset: numberOf(fields.get('master_repl_offset')),
    replicas,
  };
}

function numberOf(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  return Number(text);
}

export const addressOf = (node: { host: string; port: number }): string =>
  node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
