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

/** Arguments encoded once (as they follow a command's first ones), to be appended to many commands. */
export interface EncodedArgs {
  count: number;
  bytes: Buffer;
}

export function encodeArgs(args: readonly Arg[]): EncodedArgs {
  const whole = encodeBinaryCommand(args);
  return { count: args.length, bytes: whole.subarray(whole.indexOf('\r\n') + 2) };
}
