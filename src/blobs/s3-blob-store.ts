import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobCreateOptions, BlobLink, BlobStore, BlobWriter } from '../core/ports.ts';
import { MAX_PART_BYTES } from './part-size.ts';
import { clearSpoolDir } from './part-spool.ts';
import { resumingRead, type RangedBody } from './resuming-read.ts';
import { createS3Writer, type UploadTarget } from './s3-upload.ts';
import { isMissing, isUnsupported } from './s3-errors.ts';

/** Where and how to reach the bucket (from --blob-url s3://BUCKET/PREFIX and the DCS_S3_* variables). */
export interface S3Settings {
  bucket: string;
  /** Empty, or ends with '/'. */
  prefix: string;
  /** An S3-compatible server's URL; unset: AWS (or AWS_ENDPOINT_URL_S3, which the SDK reads itself). */
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** Server-side encryption asked on every upload. */
  sse?: { algorithm: 'AES256' | 'aws:kms'; kmsKeyId?: string };
  /** Attempts per call (the SDK's retries: a failed part is sent again, the upload goes on). */
  maxAttempts?: number;
  /** Explicit credentials (tests); unset: the SDK's default chain (environment, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Parts bigger than maxMemoryPartBytes are spooled to files in dir (unset: every part in memory). */
  spool?: { dir: string; maxMemoryPartBytes: number };
}

/** Told when an upload spools its parts to disk (the service logs it). */
export type SpoolListener = (event: { key: string; partBytes: number; dir: string }) => void;

const KEY = /^[A-Za-z0-9_.-]+$/;
/** Objects under "<prefix>.uploads/" mark writes under way, on every server (s3rver has no ListMultipartUploads). */
const UPLOADS = '.uploads/';

/**
 * Backup files as objects under a prefix of one bucket. A write streams into a multipart upload and appears
 * only on commit; while it runs, a small marker object under "<prefix>.uploads/<key>" names it, so list()
 * shows it as partial and a clean-up pass can abort it after its writer died, even on servers without
 * ListMultipartUploads (whose uploads are listed too where the server has it). Links are presigned GETs.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  /** Every process pointed at the same bucket and prefix shares the store, so that is its name. */
  readonly id: string;
  readonly #client: S3Client;
  readonly #sse: Record<string, string>;
  readonly #spool: S3Settings['spool'];
  readonly #onSpool: SpoolListener | undefined;

  constructor(settings: S3Settings, options: { onSpool?: SpoolListener } = {}) {
    this.#spool = settings.spool;
    this.#onSpool = options.onSpool;
    // Part files of an upload this process's predecessor was killed in the middle of.
    if (settings.spool) clearSpoolDir(settings.spool.dir);
    this.bucket = settings.bucket;
    this.prefix = settings.prefix;
    this.id = `s3://${settings.bucket}/${settings.prefix}`;
    this.#client = new S3Client({
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.region ? { region: settings.region } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      maxAttempts: settings.maxAttempts ?? 4,
      // A server that stops answering fails the call (and is retried) instead of holding a backup forever.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 300_000 },
      // Third-party servers (OBS, Ceph, older MinIO) often refuse the aws-chunked checksum trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.#sse = settings.sse
      ? {
          ServerSideEncryption: settings.sse.algorithm,
          ...(settings.sse.kmsKeyId ? { SSEKMSKeyId: settings.sse.kmsKeyId } : {}),
        }
      : {};
  }

  /** s3://bucket/prefix, for logs and messages. */
  describe(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  #key(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return this.prefix + key;
  }

  #marker(key: string): string {
    return this.prefix + UPLOADS + key;
  }

  async create(key: string, options: BlobCreateOptions = {}): Promise<BlobWriter> {
    const Key = this.#key(key);
    const { bucket: Bucket } = this;
    const client = this.#client;
    const sse = this.#sse;
    const target: UploadTarget = {
      createUpload: async () =>
        (await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ...sse }))).UploadId!,
      uploadPart: async (UploadId, PartNumber, body) =>
        (
          await client.send(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber,
              ...(Buffer.isBuffer(body)
                ? { Body: body }
                : { Body: fs.createReadStream(body.path), ContentLength: body.size }),
            }),
          )
        ).ETag!,
      complete: async (UploadId, Parts) => {
        await client.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
        );
      },
      abortUpload: (UploadId) => this.#abort(Key, UploadId),
      removeObject: () => this.remove(key),
      putWhole: async (Body, Metadata) => {
        await client.send(new PutObjectCommand({ Bucket, Key, Body, Metadata, ...sse }));
      },
      setMetadata: async (size, Metadata) => {
        if (size > MAX_PART_BYTES) return false;
        await client.send(
          new CopyObjectCommand({
            Bucket,
            Key,
            CopySource: `${Bucket}/${Key.split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'REPLACE',
            Metadata,
            ...sse,
          }),
        );
        return true;
      },
      markStarted: async (uploadId) => {
        await client.send(
          new PutObjectCommand({ Bucket, Key: this.#marker(key), Body: Buffer.from(uploadId ?? ''), ...sse }),
        );
      },
      markEnded: async () => {
        await client.send(new DeleteObjectCommand({ Bucket, Key: this.#marker(key) }));
      },
    };
    const spool = this.#spool;
    const onSpool = this.#onSpool;
    return createS3Writer(
      target,
      options.sizeHint,
      spool && {
        ...spool,
        onSpool: (partBytes) => onSpool?.({ key, partBytes, dir: spool.dir }),
      },
    );
  }

  async open(key: string, range?: { start: number; end: number }): Promise<Readable | undefined> {
    if (range && range.end <= range.start) {
      return (await this.size(key)) === undefined ? undefined : Readable.from([]);
    }
    const start = range?.start ?? 0;
    let first: RangedBody;
    try {
      first = await this.#getRange(key, start, range?.end, undefined);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    return resumingRead(first, start, (from, end, etag) => this.#getRange(key, from, end, etag));
  }

  /** A GET of bytes [start, end) (to the object's end without one), pinned to `etag` when given. */
  async #getRange(
    key: string,
    start: number,
    end: number | undefined,
    etag: string | undefined,
  ): Promise<RangedBody> {
    const ranged = start > 0 || end !== undefined;
    const answer = await this.#client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.#key(key),
        ...(ranged ? { Range: `bytes=${start}-${end === undefined ? '' : end - 1}` } : {}),
        ...(etag ? { IfMatch: etag } : {}),
      }),
    );
    return {
      body: answer.Body as AsyncIterable<Uint8Array>,
      length: answer.ContentLength ?? 0,
      etag: answer.ETag,
    };
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }),
      );
      return head.ContentLength;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** The object's user metadata (x-amz-meta-*), or undefined when there is no such object. */
  async metadata(key: string): Promise<Record<string, string> | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }),
      );
      return head.Metadata ?? {};
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
  }

  async list(): Promise<{ committed: string[]; partial: string[] }> {
    const committed = await this.#listKeys(this.prefix, '/');
    const partial = new Set(await this.#listKeys(this.prefix + UPLOADS));
    for (const upload of await this.#uploads()) partial.add(upload.key);
    return { committed, partial: [...partial].sort() };
  }

  async removePartial(key: string): Promise<void> {
    const Key = this.#key(key);
    const ids = new Set<string>();
    try {
      const marker = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#marker(key) }),
      );
      const id = await marker.Body?.transformToString();
      if (id) ids.add(id);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    for (const upload of await this.#uploads(Key)) if (upload.key === key) ids.add(upload.uploadId);
    for (const id of ids) await this.#abort(Key, id);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#marker(key) }));
  }

  async link(
    key: string,
    options: { expiresInS: number; fileName: string; nowMs: number },
  ): Promise<BlobLink> {
    const Key = this.#key(key);
    const url = await getSignedUrl(
      this.#client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key,
        ResponseContentDisposition: `attachment; filename="${options.fileName}"`,
      }),
      { expiresIn: options.expiresInS, signingDate: new Date(options.nowMs) },
    );
    return { bucket: this.bucket, path: Key, url };
  }

  /**
   * Writes, reads back and deletes a probe object; throws naming the bucket and the call that failed (the
   * bucket missing, credentials refused, no write permission), so the service refuses to start.
   */
  async probe(): Promise<void> {
    const Key = `${this.prefix}.probe-${randomUUID()}`;
    const body = `dcs-backup probe ${Key}`;
    const step = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        const name = (error as Error).name;
        const message = (error as Error).message;
        throw new Error(`the bucket ${this.describe()} refused ${call}: ${name}: ${message}`, {
          cause: error,
        });
      }
    };
    await step('PutObject', () =>
      this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: Buffer.from(body), ...this.#sse }),
      ),
    );
    const read = await step('GetObject', async () => {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return answer.Body?.transformToString();
    });
    if (read !== body) throw new Error(`the bucket ${this.describe()} returned other bytes than written`);
    await step('DeleteObject', () =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })),
    );
  }

  /** For the readiness check: the bucket answers a one-object listing under the prefix. Throws otherwise. */
  async checkReady(): Promise<void> {
    await this.#client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }),
    );
  }

  close(): void {
    this.#client.destroy();
  }

  async #abort(Key: string, UploadId: string): Promise<void> {
    try {
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }));
    } catch (error) {
      // Gone already, or a server that cannot abort (s3rver): its parts stay invisible either way.
      if (!isMissing(error) && !isUnsupported(error)) throw error;
    }
  }

  /** Direct children of `prefix` (delimiter '/'), or everything under it, as keys relative to it. */
  async #listKeys(prefix: string, delimiter?: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key!.slice(prefix.length);
        if (KEY.test(name)) keys.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Multipart uploads in progress under the prefix (or one key), where the server lists them. */
  async #uploads(keyPrefix = this.prefix): Promise<{ key: string; uploadId: string }[]> {
    const found: { key: string; uploadId: string }[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.#client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: keyPrefix,
            ...(keyMarker ? { KeyMarker: keyMarker, UploadIdMarker: idMarker } : {}),
          }),
        );
        for (const upload of page.Uploads ?? []) {
          const name = upload.Key!.slice(this.prefix.length);
          if (KEY.test(name)) found.push({ key: name, uploadId: upload.UploadId! });
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        idMarker = page.NextUploadIdMarker;
      }
    } catch (error) {
      if (!isUnsupported(error)) throw error;
    }
    return found;
  }
}
