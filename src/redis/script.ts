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

/**
 * {@link runKnownScript} in an HTTP request of its own (an explicit one-command pipeline), outside the client's
 * auto-pipelining. For a command that must not share the fate of the others issued in its tick: admission's warm read
 * goes out beside the rate limit's script, and the limiter may fail open when its request fails or is slow, which the
 * read of a credential must not; nor may a slow read hold the limiter past its timeout. Still issued synchronously, so
 * both requests run side by side: one round trip.
 */
export function runKnownScriptAlone<T = unknown>(
  redis: Pick<Redis, "pipeline">,
  script: LuaScript,
  sha: string,
  keys: string[],
  args: (string | number)[],
): Promise<T> {
  const alone = {
    evalsha: <A extends unknown[], R>(s: string, k: string[], a: A): Promise<R> =>
      redis
        .pipeline()
        .evalsha<A, R>(s, k, a)
        .exec<[R]>()
        .then(([r]) => r),
    eval: <A extends unknown[], R>(s: string, k: string[], a: A): Promise<R> =>
      redis
        .pipeline()
        .eval<A, R>(s, k, a)
        .exec<[R]>()
        .then(([r]) => r),
  };
  return runKnownScript<T>(alone as Pick<Redis, "eval" | "evalsha">, script, sha, keys, args);
}
