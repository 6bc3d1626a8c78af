import type { Writable } from 'node:stream';
import type { RedisEndpoint } from '../../core/instance.ts';
import { RdbIntegrity, type RdbSummary } from '../rdb/rdb-integrity.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { ReplicationProtocolError, SyncStreamParser, type SyncStreamInfo } from './sync-stream.ts';

export interface FetchRdbOptions {
  endpoint: RedisEndpoint;
  /** Receives the RDB bytes; the socket pauses while it asks for backpressure. */
  sink: Writable;
  /** Ask for a diskless transfer (REPLCONF capa eof); without it the master writes its dump file first. */
  diskless?: boolean;
  /** Time allowed for the connection and each handshake reply. */
  handshakeTimeoutMs?: number;
  /** Time allowed without a single byte once the sync started (masters send a newline each second while busy). */
  idleTimeoutMs?: number;
  /** Called after every chunk; the caller decides how often to act on it. */
  onProgress?(bytesReceived: number, announcedLength: number | null): void;
  signal?: AbortSignal;
}

export interface FetchRdbResult {
  summary: RdbSummary;
  stream: SyncStreamInfo;
}

/**
 * Takes a snapshot the way a replica does (as redis-cli --rdb): AUTH, PING, REPLCONF capa eof and rdb-only,
 * then PSYNC ? -1 (or SYNC where PSYNC is unknown), and streams the RDB into the sink. Each command waits for
 * its reply, since a master refuses a sync with replies still pending. Failures are RedisWireErrors.
 */
export async function fetchRdb(options: FetchRdbOptions): Promise<FetchRdbResult> {
  const { endpoint, sink, signal } = options;
  const connection = await RespConnection.open(endpoint, options.handshakeTimeoutMs ?? 10_000);
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
  socket.setTimeout(options.idleTimeoutMs ?? 60_000);
  for (;;) {
    const chunk = await connection.nextChunk();
    if (chunk === null) {
      throw new RedisWireError(
        'disconnected',
        `the connection closed after ${integrity.sizeBytes} bytes, before the RDB ended`,
      );
    }
    parser.feed(chunk);
    onProgress?.(integrity.sizeBytes, parser.announcedLength);
    if (parser.done) break;
  }
  return { summary: integrity.finish(), stream: parser.info };
}
