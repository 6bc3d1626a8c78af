import type { Writable } from 'node:stream';
import type { RedisEndpoint } from '../../core/instance.ts';
import { RdbIntegrity, type RdbSummary } from '../rdb/rdb-integrity.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { ReplicationProtocolError, SyncStreamParser, type SyncStreamInfo } from './sync-stream.ts';
import { TransferWatch } from './transfer-watch.ts';

export interface FetchRdbOptions {
  endpoint: RedisEndpoint;
  /** Receives the RDB bytes; the socket pauses while it asks for backpressure. */
  sink: Writable;
  /**
   * The sink copies whatever it keeps of a chunk before its write() returns (it does not queue it): the
   * transfer then reads the socket into one reused buffer, instead of a fresh 64 KiB one per read, and hands
   * the sink views of it. A Writable's own queue keeps chunks, so only a sink built for this may say so.
   */
  sinkCopiesChunks?: boolean;
  /** Ask for a diskless transfer (REPLCONF capa eof); without it the master writes its dump file first. */
  diskless?: boolean;
  /** Time allowed for the connection and each handshake reply. */
  handshakeTimeoutMs?: number;
  /**
   * Time allowed without progress once the sync started: masters send a newline each second while they prepare
   * the snapshot, but once the RDB started only its own bytes count.
   */
  idleTimeoutMs?: number;
  /** Time allowed for the whole transfer, from the sync command to the end of the RDB; unbounded by default. */
  transferTimeoutMs?: number;
  /** Called after every chunk; the caller decides how often to act on it. */
  onProgress?(bytesReceived: number, announcedLength: number | null): void;
  signal?: AbortSignal;
}

export interface FetchRdbResult {
  summary: RdbSummary;
  stream: SyncStreamInfo;
}

/**
 * The version this service gives when it introduces itself as a replica (REPLCONF version). Valkey 9 and later
 * choose the RDB format of a diskless transfer from it: a replica that says nothing (as Redis replicas never do)
 * gets RDB 11, and keys RDB 11 cannot hold (hashes with field expiry) make the transfer fail on the master. So
 * the service says which Valkey release's format it reads: each source then sends its own newest format up to
 * that one (Valkey 9.0 and 9.1: VALKEY080). Redis and older Valkey answer -ERR or ignore it.
 */
export const ANNOUNCED_REPLICA_VERSION = '9.1.2';

/** What one socket read takes at most when reads reuse a buffer: the size Node reads into by default. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Takes a snapshot the way a replica does (as redis-cli --rdb): AUTH, REPLCONF capa eof, rdb-only and version,
 * then PSYNC ? -1 (or SYNC where PSYNC is unknown), and streams the RDB into the sink. Each command waits for
 * its reply, since a master refuses a sync with replies still pending. Failures are RedisWireErrors.
 */
export async function fetchRdb(options: FetchRdbOptions): Promise<FetchRdbResult> {
  const { endpoint, sink, signal } = options;
  const connection = await RespConnection.open(endpoint, options.handshakeTimeoutMs ?? 10_000, {
    ...(options.sinkCopiesChunks ? { readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES) } : {}),
  });
  const onAbort = () => connection.fail(new RedisWireError('sink', 'cancelled'));
  const onSinkError = (error: Error) =>
    // The cause keeps the file system's code (ENOSPC, EROFS) for the record's reason.
    connection.fail(new RedisWireError('sink', `cannot store the RDB: ${error.message}`, { cause: error }));
  signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted before it began (a job cancelled while it was still probing): no 'abort' event will come.
  if (signal?.aborted) onAbort();
  sink.on('error', onSinkError);
  try {
    await authenticate(connection, endpoint);
    // Optional capabilities: an older server answers -ERR and simply does not get the benefit.
    if (options.diskless !== false) await connection.call('REPLCONF', 'capa', 'eof');
    await connection.call('REPLCONF', 'capa', 'psync2');
    await connection.call('REPLCONF', 'rdb-only', '1');
    await connection.call('REPLCONF', 'version', ANNOUNCED_REPLICA_VERSION);
    return await streamSnapshot(connection, options);
  } catch (error) {
    if (error instanceof ReplicationProtocolError) {
      throw new RedisWireError(error.refused ? 'refused' : 'protocol', error.message);
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    sink.off('error', onSinkError);
    connection.close();
  }
}

async function streamSnapshot(connection: RespConnection, options: FetchRdbOptions): Promise<FetchRdbResult> {
  const { sink, onProgress } = options;
  const { socket } = connection;
  const integrity = new RdbIntegrity();
  const resume = () => socket.resume();
  const parser = new SyncStreamParser(integrity, (chunk) => {
    // Backpressure from the file: stop reading until it drains. The disk outruns the network, so this is rare.
    if (!sink.write(chunk) && !socket.isPaused()) {
      socket.pause();
      sink.once('drain', resume);
    }
  });
  connection.send(['PSYNC', '?', '-1']);
  if (/^-ERR unknown command/i.test(await connection.peekLine())) {
    await connection.readLine();
    connection.send(['SYNC']);
  }
  // The watch replaces the socket's own timeout, which any keepalive newline would reset.
  socket.setTimeout(0);
  const watch = new TransferWatch({
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    totalTimeoutMs: options.transferTimeoutMs ?? null,
    onExpired: (error) => connection.fail(error),
  });
  // Each chunk is parsed, checked and written in the socket's own callback: with a reused read buffer it is
  // valid only there. The parser and the integrity check keep copies of what they hold back.
  let failure: unknown = null;
  const take = (chunk: Buffer): boolean => {
    if (parser.done || failure !== null) return false;
    try {
      const payloadStarted = parser.info.framing !== null;
      parser.feed(chunk);
      watch.chunk(chunk, payloadStarted, integrity.sizeBytes);
      onProgress?.(integrity.sizeBytes, parser.announcedLength);
    } catch (error) {
      failure = error;
    }
    if (parser.done || failure !== null) {
      connection.wake();
      return false;
    }
    return !socket.isPaused();
  };
  connection.divert(take);
  try {
    for (;;) {
      if (failure !== null) throw failure;
      if (parser.done) break;
      if (connection.closed) {
        throw new RedisWireError(
          'disconnected',
          `the connection closed after ${integrity.sizeBytes} bytes, before the RDB ended`,
        );
      }
      await connection.waitForEvent();
    }
  } finally {
    watch.stop();
  }
  return { summary: integrity.finish(), stream: parser.info };
}
