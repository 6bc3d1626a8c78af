import { performance } from 'node:perf_hooks';
import type { ServiceMetrics } from '../core/metrics.ts';
import type { BlobCreateOptions, BlobStore, BlobWriter } from '../core/ports.ts';

/**
 * The same blob store, with every call's latency and failures counted. A read or write stream is counted up to
 * the moment it is handed out (opening the object, starting the upload); committing and aborting a write are
 * calls of their own, so a slow upload shows as slow commits, not as slow opens.
 */
export function measuredBlobStore(inner: BlobStore, metrics: ServiceMetrics): BlobStore {
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      const result = await call();
      metrics.blobCall(operation, (performance.now() - start) / 1000, false);
      return result;
    } catch (error) {
      metrics.blobCall(operation, (performance.now() - start) / 1000, true);
      throw error;
    }
  };
  const measuredWriter = (writer: BlobWriter): BlobWriter => ({
    stream: writer.stream,
    ...(writer.releasesChunksFrom !== undefined ? { releasesChunksFrom: writer.releasesChunksFrom } : {}),
    commit: (metadata) => timed('commit', () => writer.commit(metadata)),
    abort: () => timed('abort', () => writer.abort()),
  });
  const link = inner.link?.bind(inner);
  return {
    id: inner.id,
    create: (key: string, options?: BlobCreateOptions) =>
      timed('create', () => inner.create(key, options)).then(measuredWriter),
    open: (key, range) => timed('open', () => inner.open(key, range)),
    size: (key) => timed('size', () => inner.size(key)),
    remove: (key) => timed('remove', () => inner.remove(key)),
    removePartial: (key) => timed('remove_partial', () => inner.removePartial(key)),
    list: () => timed('list', () => inner.list()),
    ...(link ? { link: (key, options) => timed('link', () => link(key, options)) } : {}),
  };
}
