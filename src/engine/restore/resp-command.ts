/** A command argument: text, a number, or bytes sent as they are. */
export type Arg = string | number | Buffer;

/** Encodes a command with binary-safe arguments as RESP, ready to be pipelined. */
export function encodeBinaryCommand(args: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
