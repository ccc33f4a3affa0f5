import { Redis } from "@upstash/redis/cloudflare";
import {
  createShards,
  parseShardList,
  shardEndpoints,
  type RedisShards,
  type ShardEndpoint,
  type ShardEnv,
} from "./shards.ts";

/** The slice of the Worker's env the Redis clients need (`UPSTASH_SHARDS` is an optional secret, see shards.ts). */
export type RedisEnv = ShardEnv;

// The env object is the same for every request of an isolate: parse the shard list once.
const parsed = new WeakMap<object, { now: ShardEndpoint[]; previous: ShardEndpoint[] }>();

/**
 * The Worker's Redis shards (src/redis/shards.ts), each an Upstash REST client made on first use. Production and
 * local use differ only in URLs and tokens (locally the local cloud's Upstash adapters).
 * @throws Error when `UPSTASH_SHARDS` is malformed, so a misconfiguration fails loudly on the first request.
 */
export function createRedisShards(env: RedisEnv, timeoutMs: number): RedisShards<Redis> {
  let lists = parsed.get(env);
  if (!lists) {
    const previous = env.UPSTASH_SHARDS_PREVIOUS?.trim();
    lists = {
      now: shardEndpoints(env),
      previous: previous ? parseShardList(previous, "UPSTASH_SHARDS_PREVIOUS") : [],
    };
    parsed.set(env, lists);
  }
  return createShards(lists.now, (e) => createRedis(e, timeoutMs), lists.previous);
}

/**
 * The Upstash REST client of one database. Retries are cut to one short one: the client's default (5 with exponential
 * backoff) would hold a request for seconds when Redis is down, where we want a fast 503. Each command (with its
 * retry) gives up after `timeoutMs`: a Redis that accepts connections but never answers must not hold the request
 * either.
 */
export function createRedis(endpoint: ShardEndpoint, timeoutMs: number): Redis {
  return new Redis({
    url: endpoint.url,
    token: endpoint.token,
    retry: { retries: 1, backoff: () => 25 },
    // A function, not a signal: the client calls it per HTTP request, and only then turns an abort into an error
    // (an aborted fixed signal makes it resolve the command with the abort reason as its result).
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  });
}
