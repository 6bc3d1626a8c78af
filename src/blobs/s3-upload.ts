import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { BlobWriter } from '../core/ports.ts';
import { partSize } from './part-size.ts';
import { type PartBody, SpoolFile, type SpoolOptions, removeSpoolFile } from './part-spool.ts';

/** The S3 calls a writer makes, so the part logic is independent of the SDK's command objects. */
export interface UploadTarget {
  /** Starts a multipart upload under the key; returns its id. */
  createUpload(): Promise<string>;
  /** A spooled part is read from its file, as often as it is sent; the writer removes the file after. */
  uploadPart(uploadId: string, partNumber: number, body: PartBody): Promise<string>;
  complete(uploadId: string, parts: { PartNumber: number; ETag: string }[]): Promise<void>;
  abortUpload(uploadId: string): Promise<void>;
  /** Removes the committed object (a commit that failed after the upload completed). */
  removeObject(): Promise<void>;
  /** A small blob in one PutObject, metadata included. */
  putWhole(body: Buffer, metadata: Record<string, string>): Promise<void>;
  /** Replaces a committed object's metadata (a copy onto itself); false when the object is too big for it. */
  setMetadata(size: number, metadata: Record<string, string>): Promise<boolean>;
  /** Records that a write under the key is under way (and, once known, its upload id): what list() shows. */
  markStarted(uploadId: string | null): Promise<void>;
  markEnded(): Promise<void>;
}

/** Parts being sent at once: memory stays within (this + 1) parts whatever the file's size. */
const PARTS_IN_FLIGHT = 2;
/**
 * Times a part is sent before the upload fails, on top of the SDK's own retries of transient answers: a part
 * refused for any reason (a proxy's 4xx, a reset mid-body) is sent again from memory, the backup goes on.
 */
const PART_ATTEMPTS = 2;

/**
 * A writer that streams into a multipart upload: bytes gather into a part, full parts go up while the next
 * fills (at most PARTS_IN_FLIGHT at once; further writes wait, which paces the transfer), and the object
 * only appears when commit() completes the upload. A blob smaller than one part never starts an upload: it
 * is sent whole by commit(). A part that fails PART_ATTEMPTS times fails the stream, so the backup
 * ends failed and abort() drops the upload. With `spool`, a part bigger than its memory bound is written to a
 * temporary file instead and uploaded from there, so memory stays bounded even for parts of gigabytes; the
 * files go when their part is sent, and all of them on abort.
 */
export async function createS3Writer(
  target: UploadTarget,
  sizeHint: number | null | undefined,
  spool?: SpoolOptions,
): Promise<BlobWriter> {
  await target.markStarted(null);
  let uploadId: string | undefined;
  let starting: Promise<string> | undefined;
  const parts: { PartNumber: number; ETag: string }[] = [];
  let nextPart = 1;
  const inFlight = new Set<Promise<void>>();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let failure: Error | undefined;
  /** The part being filled on disk, when parts are spooled; every part file not yet removed. */
  let spooling: SpoolFile | undefined;
  /** A part file being created: abort() waits for it, so that no file appears after it returned. */
  let opening: Promise<SpoolFile> | undefined;
  const spoolFiles = new Set<string>();
  let spoolAnnounced = false;

  const startUpload = () =>
    (starting ??= target.createUpload().then(async (id) => {
      uploadId = id;
      await target.markStarted(id);
      return id;
    }));

  const sendPart = (body: PartBody) => {
    const partNumber = nextPart++;
    const sent: Promise<void> = startUpload()
      .then(async (id) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await target.uploadPart(id, partNumber, body);
          } catch (error) {
            if (attempt >= PART_ATTEMPTS) throw error;
          }
        }
      })
      .then((etag) => {
        parts.push({ PartNumber: partNumber, ETag: etag });
      })
      .catch((error: unknown) => {
        failure ??= error as Error;
      })
      .then(async () => {
        if (Buffer.isBuffer(body)) return;
        spoolFiles.delete(body.path);
        await removeSpoolFile(body.path).catch(() => undefined);
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  /** The part being filled: on disk when its size is over the memory bound, in memory otherwise. */
  const append = async (chunk: Buffer) => {
    const size = partSize(sizeHint, nextPart);
    if (!spooling && pendingBytes === 0 && spool && size > spool.maxMemoryPartBytes) {
      opening = SpoolFile.open(spool.dir);
      const file = await opening.finally(() => (opening = undefined));
      // Aborted while the file was being made: abort() removes it too, but its write stops here.
      if (settled) {
        await file.discard();
        throw new Error('blob write aborted');
      }
      spooling = file;
      spoolFiles.add(file.path);
      if (!spoolAnnounced) spool.onSpool?.(size);
      spoolAnnounced = true;
    }
    if (spooling) await spooling.append(chunk);
    else {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
    return (spooling ? spooling.size : pendingBytes) >= size;
  };

  const takePart = async (): Promise<PartBody> => {
    if (!spooling) return takePending();
    const file = spooling;
    spooling = undefined;
    return file.finish();
  };

  const takePending = () => {
    const body = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return body;
  };

  const stream = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      void (async () => {
        if (await append(chunk)) {
          while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
          if (failure) return callback(failure);
          sendPart(await takePart());
        }
        callback(failure ?? null);
      })().catch((error: unknown) => callback(error as Error));
    },
    final(callback) {
      void (async () => {
        // The rest becomes the last part, unless nothing went up yet and it is in memory: then commit() sends
        // it whole. A spooled rest is always a part (an upload of one part is valid).
        if (spooling || (starting && pendingBytes > 0)) sendPart(await takePart());
        while (inFlight.size > 0) await Promise.race(inFlight);
        callback(failure ?? null);
      })().catch((error: unknown) => callback(error as Error));
    },
  });
  // A failed part is reported through commit(); an unheard 'error' event must not end the process.
  stream.on('error', () => undefined);

  let settled = false;
  let visible = false;
  return {
    stream,
    async commit(metadata = {}) {
      if (settled) throw new Error('blob already committed or aborted');
      stream.end();
      await finished(stream);
      if (failure) throw failure;
      if (uploadId === undefined) {
        await target.putWhole(takePending(), { ...metadata });
      } else {
        parts.sort((a, b) => a.PartNumber - b.PartNumber);
        await target.complete(uploadId, parts);
        visible = true;
        // A multipart upload's metadata is fixed when it starts, before the checksum is known.
        if (Object.keys(metadata).length > 0) await target.setMetadata(total, { ...metadata });
      }
      settled = true;
      await target.markEnded();
    },
    async abort() {
      if (settled) return;
      settled = true;
      stream.destroy();
      // Part files go now, sent or not: a read still under way keeps its open file until it ends.
      const filling = spooling;
      spooling = undefined;
      await filling?.discard();
      await opening?.then((file) => file.discard()).catch(() => undefined);
      await Promise.all([...spoolFiles].map((file) => removeSpoolFile(file).catch(() => undefined)));
      spoolFiles.clear();
      // Parts still in flight are not waited for (a silent server could hold them for minutes): once the
      // upload is aborted they fail, and nothing is left of them.
      if (visible) {
        await target.removeObject();
        await target.markEnded();
        return;
      }
      const id = uploadId ?? (starting ? await starting.catch(() => undefined) : undefined);
      if (id !== undefined) await target.abortUpload(id);
      await target.markEnded();
    },
  };
}
