/** A service process registered in the metadata database, so that nodes sharing it can name each other. */
export interface ServiceNode {
  /** Also the owner name of the jobs it claims. */
  id: string;
  hostName: string;
  pid: number;
  /** Where clients reach it: its public URL, or the address it listens on. */
  url: string;
  /** The blob store it writes backups into (BlobStore.id). */
  storeId: string;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** How often it renews its heartbeat. */
  heartbeatMs: number;
  /** When it stopped cleanly; null while it runs (or if it died without saying so). */
  stoppedAt: number | null;
}

/** A node as listed: with the jobs it holds now. */
export interface ListedNode extends ServiceNode {
  runningJobIds: string[];
}

/** Heartbeats a node may miss before it counts as gone. */
export const MISSED_HEARTBEATS = 3;

export type NodeState = 'alive' | 'stopped' | 'silent';

/** Alive: not stopped, and heard from within MISSED_HEARTBEATS of its own periods. */
export function nodeState(node: ServiceNode, now: number): NodeState {
  if (node.stoppedAt !== null) return 'stopped';
  return now - node.heartbeatAt <= MISSED_HEARTBEATS * node.heartbeatMs ? 'alive' : 'silent';
}

/** How an error message names a node: its host, process and address. */
export function nodeLabel(node: ServiceNode): string {
  return `${node.hostName} (pid ${node.pid}, ${node.url})`;
}
