import net from "node:net";
import tls from "node:tls";
import { encodeCommand, RedisError, RespParser, type RedisReply } from "./resp.ts";

/** Where a Redis server is and which logical database to use, from a `redis://` or `rediss://` URL. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
}

/** Parses `redis[s]://[user[:password]@]host[:port][/db]`; the db number defaults to 0. */
export function parseRedisUrl(redisUrl: string): RedisTarget {
  const url = new URL(redisUrl);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`Redis URL must start with redis:// or rediss://, got ${url.protocol}`);
  }
  const dbText = url.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis URL has an invalid db number: ${dbText}`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: url.port === "" ? 6379 : Number(url.port),
    db,
    tls: url.protocol === "rediss:",
    username: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
  };
}

interface Pending {
  expected: number;
  replies: RedisReply[];
  resolve: (replies: RedisReply[]) => void;
  reject: (error: Error) => void;
}

/**
 * One RESP2 connection. Commands of one `send` are written in a single write and their replies come back in
 * order, so a MULTI ... EXEC sent as one batch cannot interleave with anything else on this connection.
 */
export class RespConnection {
  private readonly socket: net.Socket;
  private readonly parser = new RespParser();
  private readonly pending: Pending[] = [];
  private broken: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("Redis connection closed")));
  }

  /**
   * Connects, authenticates and selects the target's db. Rejects within `timeoutMs` when the server does not
   * answer, so an absent server is noticed quickly.
   */
  static async open(target: RedisTarget, timeoutMs: number): Promise<RespConnection> {
    const socket = await connectSocket(target, timeoutMs);
    const connection = new RespConnection(socket);
    const setup: string[][] = [];
    if (target.password !== undefined) {
      setup.push(
        target.username === undefined ? ["AUTH", target.password] : ["AUTH", target.username, target.password],
      );
    }
    // Every pooled connection must sit in the same logical database, or keys would scatter between dbs.
    setup.push(["SELECT", String(target.db)], ["PING"]);
    const timer = setTimeout(
      () => connection.fail(new Error(`Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const replies = await connection.send(setup);
      const failed = replies.find((r): r is RedisError => r instanceof RedisError);
      if (failed) throw new Error(`Redis refused the connection setup: ${failed.message}`);
    } catch (error) {
      connection.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return connection;
  }

  /** False once the socket failed or closed; such a connection must not be reused. */
  get healthy(): boolean {
    return this.broken === undefined;
  }

  /** Sends the commands in one write and resolves with their replies, in order. */
  send(commands: readonly (readonly string[])[]): Promise<RedisReply[]> {
    if (this.broken) return Promise.reject(this.broken);
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ expected: commands.length, replies: [], resolve, reject });
      this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    });
  }

  /** Closes the socket; pending sends are rejected. */
  close(): void {
    this.fail(new Error("Redis connection closed by the adapter"));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let replies: RedisReply[];
    try {
      replies = this.parser.feed(chunk);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      this.socket.destroy();
      return;
    }
    for (const reply of replies) {
      const head = this.pending[0];
      if (!head) {
        this.fail(new Error("Redis sent a reply nobody asked for"));
        this.socket.destroy();
        return;
      }
      head.replies.push(reply);
      if (head.replies.length === head.expected) {
        this.pending.shift();
        head.resolve(head.replies);
      }
    }
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(this.broken);
  }
}

function connectSocket(target: RedisTarget, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, servername: target.host })
      : net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${target.host}:${target.port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(target.tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
