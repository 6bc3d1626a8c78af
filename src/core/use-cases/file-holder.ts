import type { BackupDetail } from '../backup-detail.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import type { BlobStore, MetadataStore } from '../ports.ts';
import { nodeLabel, nodeState } from '../service-node.ts';

export interface HolderDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
}

/**
 * Why this process cannot read a backup's file, naming the node that can; null when the file is in this
 * process's store (or the record predates store ids, which means the local store).
 */
export async function heldElsewhere(deps: HolderDeps, detail: BackupDetail): Promise<string | null> {
  const { storeId } = detail;
  if (storeId === null || storeId === deps.blobs.id) return null;
  const nodes = await deps.store.nodes.overStore(storeId);
  const now = deps.clock.now();
  // The freshest heartbeat first: a live node is the one to ask.
  const holder = nodes.find((node) => nodeState(node, now) === 'alive') ?? nodes[0];
  if (!holder) {
    return `the backup file is in the blob store ${storeId}, which no registered node uses; this node cannot read it`;
  }
  const state = nodeState(holder, now);
  const how = state === 'alive' ? '' : state === 'stopped' ? ', now stopped' : ', not answering now';
  return `the backup file is held by node ${nodeLabel(holder)}${how}, not by this node: download, verify or restore it through that node`;
}

/** Throws file_on_other_node (DCS.4940) when the file is on another node's storage. */
export async function requireHeldHere(deps: HolderDeps, detail: BackupDetail): Promise<void> {
  const why = await heldElsewhere(deps, detail);
  if (why !== null) throw new DomainError('file_on_other_node', `The backup cannot be read here: ${why}.`);
}
