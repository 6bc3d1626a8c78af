import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import type { BlobStore } from '../ports.ts';

/** A name the caller gives the file: one path segment, no leading dot (the stores' key alphabet). */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
/** Uploaded files are kept apart from backup files (which the clean-up pass owns) and per project. */
const IMPORT_PREFIX = 'imports.';

/**
 * The blob key of a project's uploaded file. Project ids hold no dot, so no two (project, name) pairs share a
 * key; the key is what CreateMigrationTask's self_build_obs files[].file_name and a backup import name.
 */
export function importFileKey(projectId: string, fileName: string): string {
  return `${IMPORT_PREFIX}${projectId}.${fileName}`;
}

/** Whether a key is one of this project's uploaded files (and not a backup's, nor another project's). */
export function isImportFileKeyOf(projectId: string, key: string): boolean {
  const prefix = `${IMPORT_PREFIX}${projectId}.`;
  return key.startsWith(prefix) && FILE_NAME.test(key.slice(prefix.length));
}

export interface StoreImportFileRequest {
  projectId: string;
  fileName: string;
  /** The body's bytes, read as they arrive. */
  body: Readable;
  /** Content-Length when the client sent one. */
  declaredBytes: number | null;
  maxBytes: number;
  /** The SHA-256 a signature covers (lower-case hex): the bytes stored must have it, or nothing is kept. */
  signedSha256: string | undefined;
}

export interface StoredImportFile {
  key: string;
  sizeBytes: number;
  sha256: string;
  storedAt: number;
}

/**
 * Streams an uploaded file into the blob store: never held in memory, committed (durable, then visible under its
 * key) only once every byte arrived, within the size limit, and (for a signed request) with the SHA-256 the
 * signature covers. Anything else aborts the write, so a refused or broken upload leaves nothing behind and an
 * earlier file of the same name stands.
 */
export async function storeImportFile(
  deps: { blobs: BlobStore; clock: Clock },
  request: StoreImportFileRequest,
): Promise<StoredImportFile> {
  if (!FILE_NAME.test(request.fileName)) {
    throw new DomainError(
      'import_file_name_invalid',
      'The file name must be 1-128 letters, digits, "_", "-" or ".", not starting with ".".',
    );
  }
  const tooLarge = () =>
    new DomainError(
      'import_file_too_large',
      `The file to import is larger than this service accepts (${request.maxBytes} bytes, DCS_MAX_IMPORT_MB).`,
    );
  if (request.declaredBytes === 0) throw emptyFile();
  if (request.declaredBytes !== null && request.declaredBytes > request.maxBytes) throw tooLarge();

  const key = importFileKey(request.projectId, request.fileName);
  const writer = await deps.blobs.create(key, { sizeHint: request.declaredBytes });
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      sizeBytes += chunk.length;
      if (sizeBytes > request.maxBytes) return done(tooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // Piped, not pipelined from the body: a refusal mid-way must not destroy the request (and its connection)
  // before the answer is sent; the rest of the body is read and dropped instead.
  const source = request.body;
  const cutShort = () => {
    if (!source.readableEnded) measure.destroy(new Error('the client stopped sending the file'));
  };
  source.once('close', cutShort);
  source.once('error', (error) => measure.destroy(error));
  source.pipe(measure);
  try {
    await pipeline(measure, writer.stream);
    if (sizeBytes === 0) throw emptyFile();
    if (request.declaredBytes !== null && sizeBytes !== request.declaredBytes) {
      throw new DomainError('invalid_body', 'The body ended before its Content-Length.');
    }
    const sha256 = hash.digest('hex');
    if (request.signedSha256 !== undefined && request.signedSha256 !== sha256) {
      // The signature covers other bytes than those received: the same answer as any failed signature.
      throw new DomainError('auth_invalid', 'Invalid token.');
    }
    await writer.commit({ sha256 });
    return { key, sizeBytes, sha256, storedAt: deps.clock.now() };
  } catch (error) {
    source.off('close', cutShort);
    source.unpipe(measure);
    source.resume();
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

const emptyFile = () => new DomainError('import_file_empty', 'The request carries no bytes to store.');
