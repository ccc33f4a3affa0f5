/** One backend message: its type letter and body. */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** How a {@link WireConnection} sends bytes and hangs up. */
interface Transport {
  write(bytes: Buffer): void;
  /** Closes at once, without a Terminate message. */
  destroy(): void;
}

/**
 * A PostgreSQL connection spoken byte by byte, so a test decides exactly which frontend messages go out in which
 * write (a driver decides that itself). Only what the tests need: startup with trust auth, and raw messages. Over TCP
 * from Node ({@link WireConnection.tcp}) or over the Neon WebSocket bridge from workerd ({@link WireConnection.ws}).
 */
export class WireConnection {
  private buffered = Buffer.alloc(0);
  private readonly received: BackendMessage[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  private transport: Transport | undefined;

  /** Connects over TCP (Node only) and completes the startup. */
  static async tcp(host: string, port: number, user = "postgres", database = "postgres"): Promise<WireConnection> {
    const { connect } = await import("node:net");
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const conn = new WireConnection();
    socket.on("data", (chunk: Buffer) => conn.receive(chunk));
    socket.on("error", () => {});
    socket.on("close", () => conn.hangUp());
    conn.transport = { write: (b) => void socket.write(b), destroy: () => socket.destroy() };
    return conn.startup(user, database);
  }

  /** Connects through a Neon WebSocket proxy (`ws://host:port/v1`), one binary frame per write, and starts up. */
  static async ws(url: string, user = "postgres", database = "postgres"): Promise<WireConnection> {
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("error", () => reject(new Error(`WebSocket to ${url} failed`)));
    });
    const conn = new WireConnection();
    socket.addEventListener("message", (e) => conn.receive(Buffer.from(e.data as ArrayBuffer)));
    socket.addEventListener("close", () => conn.hangUp());
    socket.addEventListener("error", () => conn.hangUp());
    conn.transport = { write: (b) => socket.send(b), destroy: () => socket.close(1000) };
    return conn.startup(user, database);
  }

  /** Sends the messages in ONE write. */
  send(...messages: Buffer[]): void {
    this.transport!.write(Buffer.concat(messages));
  }

  /**
   * Resolves with every message received since the last call, once one of type `type` has arrived; rejects if the
   * connection closes first.
   */
  async until(type: string): Promise<BackendMessage[]> {
    for (;;) {
      const at = this.received.findIndex((m) => m.type === type);
      if (at >= 0) return this.received.splice(0, at + 1);
      if (this.closed) throw new Error(`connection closed before a '${type}' message`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Hangs up without a Terminate message, as a crashed client would. */
  destroy(): void {
    this.transport!.destroy();
  }

  /** Sends Terminate and waits for the server to close the connection. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.send(message("X"));
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private async startup(user: string, database: string): Promise<WireConnection> {
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
    const header = Buffer.alloc(8);
    header.writeInt32BE(8 + params.length, 0);
    header.writeInt32BE(196608, 4);
    this.transport!.write(Buffer.concat([header, params]));
    const answer = await this.until("Z");
    const error = errorText(answer);
    if (error) throw new Error(`startup failed: ${error}`);
    return this;
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 5) {
      const length = this.buffered.readInt32BE(1);
      if (this.buffered.length < 1 + length) break;
      this.received.push({ type: String.fromCharCode(this.buffered[0]!), body: this.buffered.subarray(5, 1 + length) });
      this.buffered = this.buffered.subarray(1 + length);
    }
    this.wake();
  }

  private hangUp(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A frontend message: type letter and body. */
export function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** Parse into the unnamed statement (parameter types left to the server). */
export const parse = (sql: string): Buffer => message("P", cstr(""), cstr(sql), int16(0));
/** Bind text parameters to the unnamed statement, into the unnamed portal. */
export const bind = (params: string[]): Buffer =>
  message(
    "B",
    cstr(""),
    cstr(""),
    int16(0),
    int16(params.length),
    ...params.flatMap((p) => [int32(Buffer.byteLength(p)), Buffer.from(p)]),
    int16(0),
  );
export const execute = (): Buffer => message("E", cstr(""), int32(0));
export const sync = (): Buffer => message("S");
export const flush = (): Buffer => message("H");
export const query = (sql: string): Buffer => message("Q", cstr(sql));

/** The text of an ErrorResponse's message field ('M'), or undefined when `messages` hold no error. */
export function errorText(messages: BackendMessage[]): string | undefined {
  const err = messages.find((m) => m.type === "E");
  if (!err) return undefined;
  for (const field of err.body.toString("utf8").split("\0")) if (field.startsWith("M")) return field.slice(1);
  return "error without a message";
}

/** The first column of every DataRow, as text (null for NULL). */
export function firstColumns(messages: BackendMessage[]): (string | null)[] {
  return messages
    .filter((m) => m.type === "D")
    .map((m) => {
      const length = m.body.readInt32BE(2);
      return length < 0 ? null : m.body.subarray(6, 6 + length).toString("utf8");
    });
}
