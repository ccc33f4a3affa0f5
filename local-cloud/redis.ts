import { parseRedisUrl, RespConnection, type RedisTarget } from "./upstash/connection.ts";
import { createMemoryBackend } from "./upstash/memory.ts";
import { RedisError, type RedisReply } from "./upstash/resp.ts";

/** One command: the verb and its arguments, all strings. */
export type RedisCommand = readonly string[];

/** What the Upstash REST adapter runs commands on: a real Redis server, or the in-process fallback. */
export interface RedisBackend {
  kind: "server" | "memory";
  /** Whether the backend's Lua accepts a `#!lua` first line (Redis 7+); when false such lines become comments. */
  shebangs: boolean;
  /**
   * Runs the commands in order, not atomically; one reply per command, error replies included.
   * Rejects only when the backend itself fails (connection lost).
   */
  run(commands: readonly RedisCommand[]): Promise<RedisReply[]>;
  /**
   * Runs the commands in one MULTI/EXEC: the EXEC replies (runtime errors included as elements), or one
   * RedisError when Redis discarded the transaction (a command failed to queue).
   */
  transaction(commands: readonly RedisCommand[]): Promise<RedisReply[] | RedisError>;
  close(): Promise<void>;
}

/** How long to wait for a Redis server before falling back: an absent local server should cost ~1 s, not more. */
const CONNECT_TIMEOUT_MS = 1000;
/** Connections kept to the server; a request holds one for its duration, so a blocking command blocks only that one. */
const MAX_CONNECTIONS = 16;

/**
 * Connects to the Redis server at `redisUrl` (its db number is selected on every connection), or, when no server
 * answers within about a second, starts the in-process fallback and logs a loud warning.
 */
export async function startRedisBackend(redisUrl: string, log: (msg: string) => void): Promise<RedisBackend> {
  const target = parseRedisUrl(redisUrl);
  let first: RespConnection;
  try {
    first = await RespConnection.open(target, CONNECT_TIMEOUT_MS);
  } catch (error) {
    log(
      [
        "",
        "!".repeat(100),
        `!!! WARNING: Redis at ${target.host}:${target.port} is not reachable (${error instanceof Error ? error.message : String(error)}).`,
        "!!! Upstash REST now runs on an IN-PROCESS store (ioredis-mock): nothing is persisted or shared with other",
        "!!! processes, the db number is ignored, and Redis behaviour (errors, Lua) is only approximated.",
        "!!! Start Redis 7 on 127.0.0.1:6379 for faithful results.",
        "!".repeat(100),
        "",
      ].join("\n"),
    );
    return createMemoryBackend();
  }
  const shebangs = await supportsShebangs(first);
  log(
    `redis: Redis server at ${target.host}:${target.port}, db ${target.db}${shebangs ? "" : " (before 7: script shebangs become comments)"}`,
  );
  return createServerBackend(target, first, shebangs);
}

/** Script shebangs (`#!lua flags=...`) arrived in Redis 7.0. */
async function supportsShebangs(connection: RespConnection): Promise<boolean> {
  const [info] = await connection.send([["INFO", "server"]]);
  const version = Buffer.isBuffer(info) ? /redis_version:(\d+)/.exec(info.toString())?.[1] : undefined;
  return version === undefined || Number(version) >= 7;
}

function createServerBackend(target: RedisTarget, first: RespConnection, shebangs: boolean): RedisBackend {
  const idle: RespConnection[] = [first];
  const waiters: ((connection: RespConnection | undefined) => void)[] = [];
  let open = 1;
  let closed = false;

  async function acquire(): Promise<RespConnection> {
    for (;;) {
      if (closed) throw new Error("Redis backend is closed");
      const connection = idle.pop();
      if (connection?.healthy) return connection;
      if (connection) {
        open -= 1;
        continue;
      }
      if (open < MAX_CONNECTIONS) {
        open += 1;
        try {
          return await RespConnection.open(target, CONNECT_TIMEOUT_MS);
        } catch (error) {
          open -= 1;
          throw error;
        }
      }
      const handed = await new Promise<RespConnection | undefined>((resolve) => waiters.push(resolve));
      if (handed) return handed;
    }
  }

  function release(connection: RespConnection): void {
    if (closed || !connection.healthy) {
      open -= 1;
      connection.close();
      waiters.shift()?.(undefined); // lets a waiter open a fresh connection
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter(connection);
    else idle.push(connection);
  }

  async function withConnection<T>(task: (connection: RespConnection) => Promise<T>): Promise<T> {
    const connection = await acquire();
    try {
      return await task(connection);
    } finally {
      release(connection);
    }
  }

  return {
    kind: "server",
    shebangs,
    run: (commands) => withConnection((connection) => connection.send(commands)),
    transaction: (commands) =>
      withConnection(async (connection) => {
        // One write: MULTI, the commands, EXEC. Replies: OK, QUEUED or a queueing error per command, EXEC's reply.
        const replies = await connection.send([["MULTI"], ...commands, ["EXEC"]]);
        const exec = replies[replies.length - 1];
        if (Array.isArray(exec)) return exec;
        const queueError = replies.slice(1, -1).find((r): r is RedisError => r instanceof RedisError);
        const reason = exec instanceof RedisError ? exec.message : "EXECABORT Transaction discarded";
        return new RedisError(queueError ? `${reason} First error: ${queueError.message}` : reason);
      }),
    close: async () => {
      closed = true;
      for (const connection of idle.splice(0)) connection.close();
      for (const waiter of waiters.splice(0)) waiter(undefined);
    },
  };
}
