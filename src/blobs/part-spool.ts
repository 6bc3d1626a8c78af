import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A part written out to a file, uploaded from there (and re-read from there when it is sent again). */
export interface SpooledPart {
  path: string;
  size: number;
}

/** What an upload part is made of: the bytes themselves, or the file they were spooled to. */
export type PartBody = Buffer | SpooledPart;

/** When parts are spooled: those bigger than the bound go to files in the directory instead of memory. */
export interface SpoolOptions {
  dir: string;
  maxMemoryPartBytes: number;
  /** Told once per upload, when its first part goes to a file (the service logs it). */
  onSpool?: (partBytes: number) => void;
}

const FILE_PREFIX = 'part-';

/**
 * One part being written to a temporary file: private to the service (0600 in a 0700 directory), named
 * uniquely so concurrent uploads never share one, and never bigger than one part.
 */
export class SpoolFile {
  readonly path: string;
  #size = 0;
  readonly #handle: fs.promises.FileHandle;

  private constructor(file: string, handle: fs.promises.FileHandle) {
    this.path = file;
    this.#handle = handle;
  }

  static async open(dir: string): Promise<SpoolFile> {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${FILE_PREFIX}${randomUUID()}`);
    return new SpoolFile(file, await fs.promises.open(file, 'wx', 0o600));
  }

  get size(): number {
    return this.#size;
  }

  async append(chunk: Buffer): Promise<void> {
    await this.#handle.write(chunk);
    this.#size += chunk.length;
  }

  /** Closes the file; the part is then read back from it. */
  async finish(): Promise<SpooledPart> {
    await this.#handle.close();
    return { path: this.path, size: this.#size };
  }

  /** Closes (if still open) and removes the file. */
  async discard(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
    await removeSpoolFile(this.path);
  }
}

export function removeSpoolFile(file: string): Promise<void> {
  return fs.promises.rm(file, { force: true });
}

/** Removes part files a process that died mid-upload left behind (at start, before any upload runs). */
export function clearSpoolDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir))
    if (name.startsWith(FILE_PREFIX)) fs.rmSync(path.join(dir, name), { force: true });
}

export function partBodySize(body: PartBody): number {
  return Buffer.isBuffer(body) ? body.length : body.size;
}
