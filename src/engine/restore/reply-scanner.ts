export interface ScannedReplies {
  /** Complete top-level replies in what was pushed (with what was left over before). */
  replies: number;
  /** Error replies among them: which one (0-based, in this push) and the message. */
  errors: { index: number; message: string }[];
}

const LF = 10;
const BULK = 0x24; // $
const ARRAY = 0x2a; // *
const ERROR = 0x2d; // -

/**
 * Counts RESP replies as bytes arrive, without building them: a pipelined restore only needs to know that each
 * command was answered and which answers were errors (an error nested in an array counts for its command).
 * Keeps an incomplete reply, and the arrays it is inside, for the next push.
 */
export class ReplyScanner {
  #rest: Buffer = Buffer.alloc(0);
  /** Elements still expected by each array being read, innermost last. */
  readonly #arrays: number[] = [];

  push(chunk: Buffer): ScannedReplies {
    const buf = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : chunk;
    const errors: ScannedReplies['errors'] = [];
    let replies = 0;
    let p = 0;
    scan: while (p < buf.length) {
      const eol = buf.indexOf(LF, p);
      if (eol < 0) break;
      const type = buf[p];
      let end = eol + 1;
      if (type === BULK || type === ARRAY) {
        const n = Number(buf.toString('latin1', p + 1, eol - 1));
        if (type === ARRAY && n > 0) {
          this.#arrays.push(n);
          p = end;
          continue;
        }
        if (type === BULK && n >= 0) {
          end = eol + 1 + n + 2;
          if (end > buf.length) break;
        }
      } else if (type === ERROR) {
        errors.push({ index: replies, message: buf.toString('utf8', p + 1, eol - 1) });
      }
      p = end;
      // An element ended: it may complete the arrays it is inside, and then a top-level reply.
      while (this.#arrays.length > 0) {
        const last = this.#arrays.length - 1;
        this.#arrays[last]! -= 1;
        if (this.#arrays[last]! > 0) continue scan;
        this.#arrays.pop();
      }
      replies++;
    }
    this.#rest = p < buf.length ? Buffer.from(buf.subarray(p)) : Buffer.alloc(0);
    return { replies, errors };
  }
}
