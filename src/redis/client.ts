import { Redis } from "@upstash/redis/cloudflare";

/** The slice of the Worker's env the Redis client needs. */
export type RedisEnv = Pick<Env, "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN">;

/**
 * The Upstash REST client. Production and local use differ only in URL and token (locally the local cloud's
 * Upstash adapter). Retries are cut to one short one: the client's default (5 with exponential backoff) would hold
 * a request for seconds when Redis is down, where we want a fast 503. Each command (with its retry) gives up after
 * `timeoutMs`: a Redis that accepts connections but never answers must not hold the request either.
 */
export function createRedis(env: RedisEnv, timeoutMs: number): Redis {
  return new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    retry: { retries: 1, backoff: () => 25 },
    // A function, not a signal: the client calls it per HTTP request, and only then turns an abort into an error
    // (an aborted fixed signal makes it resolve the command with the abort reason as its result).
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  });
}
