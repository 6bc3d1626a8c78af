import { Readable } from 'node:stream';

/** One ranged GET: the body from `start` (to `end`, exclusive, when given), its length, and the version read. */
export interface RangedBody {
  body: AsyncIterable<Uint8Array>;
  /** Bytes this answer carries. */
  length: number;
  /** The object's ETag, so that a resumed read refuses an object that changed meanwhile. */
  etag: string | undefined;
}

export type FetchRange = (
  start: number,
  end: number | undefined,
  etag: string | undefined,
) => Promise<RangedBody>;

/** How many times a read resumes after its connection dropped, without a byte arriving in between. */
export const RESUME_ATTEMPTS = 3;

/**
 * The bytes [start, end) of an object as one stream that survives dropped connections: when a body fails or
 * ends short, the read goes on with a ranged GET from the first byte not yet passed on, pinned to the ETag of
 * the first answer. A restore or verify of a large backup then does not start again from its first byte, nor
 * fail, because one connection to the object store was cut. Gives up after RESUME_ATTEMPTS tries in a row
 * that brought nothing.
 */
export function resumingRead(first: RangedBody, start: number, fetchRange: FetchRange): Readable {
  const end = start + first.length;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    let offset = start;
    let answer = first;
    let failures = 0;
    for (;;) {
      let failure: unknown;
      try {
        for await (const chunk of answer.body) {
          offset += chunk.length;
          failures = 0;
          yield chunk;
        }
      } catch (error) {
        failure = error;
      }
      if (offset >= end) return;
      failures++;
      if (failures > RESUME_ATTEMPTS) {
        throw new Error(
          `the object store cut the read at byte ${offset} of ${end} ${failures} times in a row` +
            (failure ? `: ${(failure as Error).message}` : ''),
          { cause: failure },
        );
      }
      answer = await fetchRange(offset, end, first.etag);
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
