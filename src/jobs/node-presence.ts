import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import type { MetadataStore } from '../core/ports.ts';
import type { ServiceNode } from '../core/service-node.ts';
import { PeriodicTask } from './periodic-task.ts';

export interface NodePresenceOptions {
  store: MetadataStore;
  clock: Clock;
  /** The node's id: the owner name its job claims carry. */
  id: string;
  url: string;
  storeId: string;
  version: string;
  heartbeatMs: number;
  onError(error: unknown): void;
}

/**
 * This process in the node registry: registered at start, its heartbeat renewed every heartbeatMs, marked
 * stopped on a clean shutdown. A process that dies simply goes silent: readers judge it by its heartbeat.
 */
export class NodePresence {
  readonly #options: NodePresenceOptions;
  readonly #node: ServiceNode;
  readonly #task: PeriodicTask;

  constructor(options: NodePresenceOptions) {
    this.#options = options;
    const now = options.clock.now();
    this.#node = {
      id: options.id,
      hostName: hostname(),
      pid: process.pid,
      url: options.url,
      storeId: options.storeId,
      version: options.version,
      startedAt: now,
      heartbeatAt: now,
      heartbeatMs: options.heartbeatMs,
      stoppedAt: null,
    };
    this.#task = new PeriodicTask(() => this.#beat(), options.heartbeatMs, options.onError);
  }

  async start(): Promise<void> {
    await this.#options.store.nodes.register(this.#node);
    this.#task.start();
  }

  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#options.store.nodes.markStopped(this.#node.id, this.#options.clock.now());
  }

  async #beat(): Promise<void> {
    const { store, clock } = this.#options;
    const now = clock.now();
    // A row gone (or marked stopped by an operator's clean-up) is put back: this process is running.
    if (!(await store.nodes.heartbeat(this.#node.id, now))) {
      await store.nodes.register({ ...this.#node, heartbeatAt: now });
    }
  }
}
