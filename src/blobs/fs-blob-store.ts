import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { BlobStore, BlobWriter } from '../core/ports.ts';
import { COALESCE_BYTES, FlushBehindStream, type FlushSync } from './flush-behind-stream.ts';

const PARTIAL = '.partial';
const KEY = /^[A-Za-z0-9_.-]+$/;
/** The directory's identity, written on first use; dot files are never blobs. */
export const STORE_ID_FILE = '.store-id';
const STORE_ID = /^[0-9a-f-]{36}$/;

/**
 * One file per blob in a directory. A write goes to "<key>.partial" (flushed to disk as it grows), is fsynced,
 * renamed into place and the directory fsynced, so a crash leaves either the whole file or a partial one the clean-up pass removes.
 * Backups hold customer data: the directory is created 0700 and every file 0600, whatever the umask.
 */
export class FsBlobStore implements BlobStore {
  /** Where the files are; for operators and tests, never for clients. */
  readonly dir: string;
  /** `fs:<uuid>` from the directory's id file: processes sharing the directory share the id. */
  readonly id: string;

  /** How often a file being written is flushed, and how (tests make the flush fail). */
  readonly #flushBehind: { flushEvery?: number; sync?: FlushSync; coalesceBytes?: number };

  constructor(
    dir: string,
    options: { flushBehind?: { flushEvery?: number; sync?: FlushSync; coalesceBytes?: number } } = {},
  ) {
    this.dir = dir;
    this.#flushBehind = options.flushBehind ?? {};
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.id = `fs:${readOrCreateStoreId(dir)}`;
  }

  /** For the readiness check: the directory is there and this process may read and write it. */
  async checkReady(): Promise<void> {
    await fs.promises.access(this.dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  }

  #path(key: string): string {
    if (!KEY.test(key) || key.endsWith(PARTIAL)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.dir, key);
  }

  async create(key: string): Promise<BlobWriter> {
    const final = this.#path(key);
    const partial = final + PARTIAL;
    // Flushed to disk as it grows, so the fsync of commit() has only the tail left to write.
    const stream = new FlushBehindStream(partial, {
      mode: 0o600,
      highWaterMark: 1024 * 1024,
      ...this.#flushBehind,
    });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    // A write error (ENOSPC, EIO) may come after the writer's user stopped listening: keep it for commit()
    // rather than let it escape as an uncaught 'error' event.
    let failure: Error | undefined;
    stream.on('error', (error) => {
      failure ??= error;
    });
    const dir = this.dir;
    let settled = false;
    return {
      stream,
      // Smaller writes are gathered (and acknowledged at once) before they go to the file; larger ones are
      // written before their callback runs.
      releasesChunksFrom: this.#flushBehind.coalesceBytes ?? COALESCE_BYTES,
      async commit() {
        if (settled) throw new Error('blob already committed or aborted');
        stream.end();
        // Rejects with the write error (ENOSPC, EIO) if any write failed, even one reported before now.
        await finished(stream);
        if (failure) throw failure;
        // A flush that failed already consumed the kernel's only report of the error: the sync below may not see it.
        if (stream.flushFailure) throw stream.flushFailure;
        const handle = await fs.promises.open(partial, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.promises.rename(partial, final);
        await syncDirectory(dir);
        settled = true;
      },
      async abort() {
        if (settled) return;
        settled = true;
        stream.destroy();
        await fs.promises.rm(partial, { force: true });
      },
    };
  }

  async open(key: string, range?: { start: number; end: number }): Promise<Readable | undefined> {
    const file = this.#path(key);
    try {
      const handle = await fs.promises.open(file, 'r');
      if (range && range.end <= range.start) {
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({
        highWaterMark: 1024 * 1024,
        ...(range ? { start: range.start, end: range.end - 1 } : {}),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await fs.promises.stat(this.#path(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.#path(key), { force: true });
  }

  async list(): Promise<{ committed: string[]; partial: string[] }> {
    const names = (await fs.promises.readdir(this.dir)).filter((n) => !n.startsWith('.'));
    return {
      committed: names.filter((n) => !n.endsWith(PARTIAL)),
      partial: names.filter((n) => n.endsWith(PARTIAL)).map((n) => n.slice(0, -PARTIAL.length)),
    };
  }

  /** Removes a write that was never committed (its writer died). */
  async removePartial(key: string): Promise<void> {
    await fs.promises.rm(this.#path(key) + PARTIAL, { force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The id in the directory's id file, created on first use. Written aside and linked into place, so a process
 * starting beside another never reads a half-written id, and of two racing, one id wins for both.
 */
function readOrCreateStoreId(dir: string): string {
  const file = path.join(dir, STORE_ID_FILE);
  const existing = readStoreId(file);
  if (existing !== undefined) return existing;
  const aside = `${file}.${process.pid}.${randomUUID()}`;
  fs.writeFileSync(aside, `${randomUUID()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  const id = readStoreId(file);
  if (id === undefined) throw new Error(`the blob store id file ${file} does not hold an id`);
  return id;
}

function readStoreId(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const id = text.trim();
  if (!STORE_ID.test(id)) throw new Error(`the blob store id file ${file} does not hold an id`);
  return id;
}
