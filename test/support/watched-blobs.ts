import type { BlobStore, BlobWriter } from '../../src/core/ports.ts';

/**
 * A blob store that counts each key's opens for reading and can hold calls until the test lets them go:
 * `holdOpens` keeps every open() waiting, `holdCreates` every create(); `created` resolves at the first
 * create(). Nothing else changes.
 */
export class WatchedBlobs implements BlobStore {
  readonly opens = new Map<string, number>();
  readonly #inner: BlobStore;
  #openGate: Promise<void> = Promise.resolve();
  #releaseOpens: () => void = () => undefined;
  #createGate: Promise<void> = Promise.resolve();
  #releaseCreates: () => void = () => undefined;
  #createdSignal!: () => void;
  readonly created = new Promise<void>((resolve) => (this.#createdSignal = resolve));

  constructor(inner: BlobStore) {
    this.#inner = inner;
  }

  get id(): string {
    return this.#inner.id;
  }

  holdOpens(): () => void {
    this.#openGate = new Promise((resolve) => (this.#releaseOpens = resolve));
    return () => this.#releaseOpens();
  }

  holdCreates(): () => void {
    this.#createGate = new Promise((resolve) => (this.#releaseCreates = resolve));
    return () => this.#releaseCreates();
  }

  async create(key: string): Promise<BlobWriter> {
    this.#createdSignal();
    await this.#createGate;
    return this.#inner.create(key);
  }

  async open(key: string, range?: { start: number; end: number }) {
    this.opens.set(key, (this.opens.get(key) ?? 0) + 1);
    await this.#openGate;
    return this.#inner.open(key, range);
  }

  size(key: string) {
    return this.#inner.size(key);
  }

  remove(key: string) {
    return this.#inner.remove(key);
  }

  removePartial(key: string) {
    return this.#inner.removePartial(key);
  }

  list() {
    return this.#inner.list();
  }
}
