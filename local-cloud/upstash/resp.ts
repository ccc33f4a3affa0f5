/**
 * RESP2 framing: encoding commands and parsing replies, binary-safe.
 * https://redis.io/docs/latest/develop/reference/protocol-spec/ (RESP2 types only: the adapter never sends HELLO 3).
 */

/** An error reply ("-ERR ...", "-WRONGTYPE ..."): kept as a value, because inside EXEC it is one element among results. */
export class RedisError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/**
 * One RESP2 reply. Simple and bulk strings are both Buffers: Upstash's JSON makes no difference between them,
 * and Buffers keep binary values exact until they are base64-encoded.
 */
export type RedisReply = Buffer | number | null | RedisError | RedisReply[];

const CRLF = Buffer.from("\r\n");

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Thrown inside the parser when the buffer ends before the reply does; never escapes `RespParser`. */
const INCOMPLETE = Symbol("incomplete");

/**
 * Incremental RESP2 reply parser: feed it socket chunks, take complete replies out in order.
 * A reply cut across chunks is parsed again from its start once more bytes arrive; replies here are small.
 */
export class RespParser {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  /** Adds bytes and returns every reply that is now complete. */
  feed(chunk: Buffer): RedisReply[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const replies: RedisReply[] = [];
    for (;;) {
      const start = this.offset;
      try {
        replies.push(this.parseReply());
      } catch (error) {
        if (error !== INCOMPLETE) throw error;
        this.offset = start;
        break;
      }
    }
    this.buffer = this.buffer.subarray(this.offset);
    this.offset = 0;
    return replies;
  }

  private readLine(): string {
    const end = this.buffer.indexOf(CRLF, this.offset);
    if (end === -1) throw INCOMPLETE;
    const line = this.buffer.toString("utf8", this.offset, end);
    this.offset = end + 2;
    return line;
  }

  private parseReply(): RedisReply {
    if (this.offset >= this.buffer.length) throw INCOMPLETE;
    const type = String.fromCharCode(this.buffer[this.offset]!);
    this.offset += 1;
    const line = this.readLine();
    switch (type) {
      case "+":
        return Buffer.from(line, "utf8");
      case "-":
        return new RedisError(line);
      case ":":
        return Number(line);
      case "$": {
        const length = Number(line);
        if (length < 0) return null;
        if (this.buffer.length < this.offset + length + 2) throw INCOMPLETE;
        // Copy, so a reply does not pin the whole socket buffer it arrived in.
        const value = Buffer.from(this.buffer.subarray(this.offset, this.offset + length));
        this.offset += length + 2;
        return value;
      }
      case "*": {
        const count = Number(line);
        if (count < 0) return null;
        const items: RedisReply[] = [];
        for (let i = 0; i < count; i++) items.push(this.parseReply());
        return items;
      }
      default:
        throw new Error(`RESP protocol error: unexpected type byte ${JSON.stringify(type)}`);
    }
  }
}
