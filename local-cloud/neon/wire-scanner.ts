/** Protocol 3.0 StartupMessage code. */
const PROTOCOL_3 = 196608;
/** SSLRequest code: the server answers it with ONE byte ('S' or 'N'), not a message. */
const SSL_REQUEST = 80877103;
/** GSSENCRequest code: answered with one byte too. */
const GSSENC_REQUEST = 80877104;
/** CancelRequest code: no answer; the connection then closes. */
const CANCEL_REQUEST = 80877102;

/**
 * What ended: a typed message's letter (`"S"` Sync, `"Q"` Query, `"X"` Terminate, `"Z"` ReadyForQuery, ...) or, in
 * the frontend's startup phase, `"startup"`, `"ssl"` (SSLRequest or GSSENCRequest) or `"cancel"`.
 */
export type MessageKind = string;

/** Reports each message's end; `first` is the first byte of its body (ReadyForQuery's transaction status). */
type OnMessage = (kind: MessageKind, first: number | undefined) => void;

/** A scanner over one direction of a connection; see {@link wireScanner}. */
interface WireScanner {
  /** Feeds the next bytes, calling `onMessage` at the end of each message they complete. */
  push(chunk: Buffer): void;
  /** True while the bytes fed so far end inside a message (or its header). */
  readonly partial: boolean;
  /** The next `n` bytes are a bare answer, not a message (the server's one-byte reply to an SSLRequest). */
  skipRaw(n: number): void;
}

/**
 * Follows PostgreSQL message boundaries across arbitrary chunks without copying message bodies. `frontend`: the
 * stream starts with untyped startup-phase messages (int32 length, int32 code) until a StartupMessage; after it, and
 * always from the server, a message is a type byte and an int32 length that counts itself.
 */
export function wireScanner(frontend: boolean, onMessage: OnMessage): WireScanner {
  let startup = frontend;
  let header = Buffer.alloc(0);
  let kind: MessageKind = "";
  let remaining = 0; // body bytes still to skip
  let first: number | undefined;
  let inBody = false;
  let raw = 0;

  const end = (): void => {
    inBody = false;
    onMessage(kind, first);
  };

  return {
    get partial() {
      return header.length > 0 || inBody || raw > 0;
    },
    skipRaw(n) {
      raw += n;
    },
    push(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (raw > 0) {
          const n = Math.min(raw, chunk.length - i);
          raw -= n;
          i += n;
          continue;
        }
        if (inBody) {
          if (first === undefined) first = chunk[i];
          const n = Math.min(remaining, chunk.length - i);
          remaining -= n;
          i += n;
          if (remaining === 0) end();
          continue;
        }
        const need = startup ? 8 : 5;
        const take = Math.min(need - header.length, chunk.length - i);
        header = Buffer.concat([header, chunk.subarray(i, i + take)]);
        i += take;
        if (header.length < need) break;
        if (startup) {
          const code = header.readInt32BE(4);
          remaining = Math.max(0, header.readInt32BE(0) - 8);
          if (code === PROTOCOL_3) {
            kind = "startup";
            startup = false;
          } else if (code === SSL_REQUEST || code === GSSENC_REQUEST) kind = "ssl";
          else if (code === CANCEL_REQUEST) kind = "cancel";
          else kind = "startup"; // an unsupported protocol version: the server answers with an error and closes
        } else {
          kind = String.fromCharCode(header[0]!);
          remaining = Math.max(0, header.readInt32BE(1) - 4);
        }
        header = Buffer.alloc(0);
        first = undefined;
        inBody = true;
        if (remaining === 0) end();
      }
    },
  };
}
