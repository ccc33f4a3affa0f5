import { randomUUID } from "node:crypto";
import type { RedisBackend, RedisCommand } from "../redis.ts";
import { RedisError, type RedisReply } from "./resp.ts";
import { sha1 } from "./scripts.ts";

type MockMethod = (...args: string[]) => Promise<unknown>;

const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

/**
 * The in-process fallback: ioredis-mock (Lua through fengari) shaped into RESP2 replies. It approximates Redis:
 * error texts are mapped to Redis's where known, and everything runs one request at a time, which is what
 * makes MULTI/EXEC and scripts atomic here. ioredis-mock has no SCRIPT command and does not cache EVAL'd
 * scripts, so the script cache lives here. Its Lua has no shebang syntax (`shebangs: false`).
 */
export async function createMemoryBackend(): Promise<RedisBackend> {
  const { default: RedisMock } = await import("ioredis-mock");
  // ioredis-mock shares data between instances with the same host and port; a unique host keeps this one apart.
  const mock = new RedisMock({ host: `local-cloud-${randomUUID()}`, lazyConnect: true }) as unknown as Record<
    string,
    unknown
  >;
  const scripts = new Map<string, string>();
  let tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every earlier one finished: no other request's commands can interleave with it. */
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = tail.then(task);
    tail = result.catch(() => undefined);
    return result;
  }

  function method(name: string): MockMethod | undefined {
    // Command methods come in pairs (`get`, `getBuffer`); requiring the pair keeps out the mock's own helpers.
    const lower = name.toLowerCase();
    if (!/^[a-z_]+$/.test(lower) || !Object.hasOwn(mock, lower)) return undefined;
    const fn = mock[`${lower}Buffer`];
    return typeof fn === "function" ? (fn.bind(mock) as MockMethod) : undefined;
  }

  async function evalScript(script: string, rest: string[]): Promise<RedisReply> {
    scripts.set(sha1(script), script);
    const evalBuffer = mock.evalBuffer as MockMethod;
    return fromLua(await evalBuffer.call(mock, script, ...rest));
  }

  async function execute(command: RedisCommand): Promise<RedisReply> {
    const [name = "", ...args] = command;
    try {
      switch (name.toUpperCase()) {
        case "EVAL":
        case "EVAL_RO":
          return await evalScript(args[0] ?? "", args.slice(1));
        case "EVALSHA":
        case "EVALSHA_RO": {
          const script = scripts.get((args[0] ?? "").toLowerCase());
          return script === undefined ? new RedisError(NOSCRIPT) : await evalScript(script, args.slice(1));
        }
        case "SCRIPT":
          return scriptCommand(args);
      }
      const fn = method(name);
      if (!fn)
        return new RedisError(`ERR unknown command '${name}', with args beginning with: ${args.slice(0, 3).join(" ")}`);
      return fromMock(await fn(...normaliseOptions(name, args)));
    } catch (error) {
      return toRedisError(error);
    }
  }

  function scriptCommand(args: string[]): RedisReply {
    const sub = (args[0] ?? "").toUpperCase();
    if (sub === "LOAD" && args[1] !== undefined) {
      const sha = sha1(args[1]);
      scripts.set(sha, args[1]);
      return Buffer.from(sha);
    }
    if (sub === "EXISTS") return args.slice(1).map((sha) => (scripts.has(sha.toLowerCase()) ? 1 : 0));
    if (sub === "FLUSH") {
      scripts.clear();
      return Buffer.from("OK");
    }
    return new RedisError(`ERR unknown subcommand '${args[0] ?? ""}'. Try SCRIPT HELP.`);
  }

  return {
    kind: "memory",
    shebangs: false,
    run: (commands) =>
      exclusive(async () => {
        const replies: RedisReply[] = [];
        for (const command of commands) replies.push(await execute(command));
        return replies;
      }),
    transaction: (commands) =>
      exclusive(async () => {
        // Redis discards a transaction when a command fails to queue; an unknown command is the case we can see.
        const unknown = commands.find((c) => !isScriptVerb(c[0] ?? "") && !method(c[0] ?? ""));
        if (unknown) {
          return new RedisError(
            `EXECABORT Transaction discarded because of previous errors: ERR unknown command '${unknown[0] ?? ""}'`,
          );
        }
        const replies: RedisReply[] = [];
        for (const command of commands) replies.push(await execute(command));
        return replies;
      }),
    close: async () => {
      await exclusive(async () => scripts.clear());
    },
  };
}

function isScriptVerb(name: string): boolean {
  return ["EVAL", "EVAL_RO", "EVALSHA", "EVALSHA_RO", "SCRIPT"].includes(name.toUpperCase());
}

/** ioredis-mock reply -> RESP2 shape (it returns HGETALL as an object and some numbers as JS numbers). */
function fromMock(value: unknown): RedisReply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "number") return Number.isInteger(value) ? value : Buffer.from(String(value));
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return value.map(fromMock);
  if (value instanceof Error) return toRedisError(value);
  if (typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [Buffer.from(k), fromMock(v)]);
  return Buffer.from(String(value));
}

/** Lua value -> RESP2 by Redis's conversion rules: numbers truncate to integers, false is nil, true is 1. */
function fromLua(value: unknown): RedisReply {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return 1;
  if (typeof value === "number") return Math.trunc(value);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (Array.isArray(value)) {
    // A Lua array ends at its first nil.
    const end = value.findIndex((v) => v === null || v === undefined);
    return (end === -1 ? value : value.slice(0, end)).map(fromLua);
  }
  if (typeof value === "object") {
    const table = value as { ok?: unknown; err?: unknown };
    if (table.err !== undefined) return new RedisError(String(table.err));
    if (table.ok !== undefined) return Buffer.from(String(table.ok));
    return [];
  }
  return Buffer.from(String(value));
}

function toRedisError(error: unknown): RedisError {
  const message = error instanceof Error ? error.message : String(error);
  if (/does not contain a|wrong kind of value/i.test(message)) return new RedisError(WRONGTYPE);
  if (/^Unsupported command/.test(message))
    return new RedisError(`ERR unknown command (not in the in-process store): ${message}`);
  // Redis errors start with an upper-case code (ERR, NOSCRIPT, WRONGTYPE...); give one to the mock's plain texts.
  return new RedisError(/^[A-Z]+ /.test(message) ? message : `ERR ${message}`);
}

// Redis takes option keywords in any case; ioredis-mock only in upper case (it ignores `set k v ex 10`, which
// @upstash/redis sends). Upper-case the keywords in the option positions of the commands that have them, and only
// there, so keys and values are never touched.
const OPTIONS_FROM: Record<string, number> = {
  SET: 2,
  GETEX: 1,
  EXPIRE: 2,
  PEXPIRE: 2,
  EXPIREAT: 2,
  PEXPIREAT: 2,
  ZRANGE: 3,
};
const KEYWORDS = new Set([
  "EX",
  "PX",
  "EXAT",
  "PXAT",
  "NX",
  "XX",
  "GT",
  "LT",
  "KEEPTTL",
  "GET",
  "PERSIST",
  "WITHSCORES",
  "LIMIT",
  "REV",
  "BYSCORE",
  "BYLEX",
]);

function normaliseOptions(name: string, args: string[]): string[] {
  const from = OPTIONS_FROM[name.toUpperCase()];
  if (from === undefined) return args;
  return args.map((a, i) => (i >= from && KEYWORDS.has(a.toUpperCase()) ? a.toUpperCase() : a));
}
