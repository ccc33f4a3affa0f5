import type { Redis } from "@upstash/redis/cloudflare";

/** A Lua script the Worker runs by its SHA-1, which is written out beside it (a unit test checks each one). */
export interface LuaScript {
  readonly source: string;
}

/**
 * Runs a script whose hash is known, issuing EVALSHA synchronously, so the Upstash client's auto-pipelining batches it
 * with the commands issued in the same tick (the library's `Script` computes the digest first, asynchronously, which
 * would cost a round trip of its own); sends the source (EVAL) only when Redis does not have the script cached yet.
 */
export function runKnownScript<T = unknown>(
  redis: Pick<Redis, "eval" | "evalsha">,
  script: LuaScript,
  sha: string,
  keys: string[],
  args: (string | number)[],
): Promise<T> {
  return redis.evalsha<(string | number)[], T>(sha, keys, args).catch((err: unknown) => {
    if (!/NOSCRIPT/i.test(err instanceof Error ? err.message : String(err))) throw err;
    return redis.eval<(string | number)[], T>(script.source, keys, args);
  });
}
