import type { Redis } from "@upstash/redis/cloudflare";

/** Where a read-through cache writes, and how it reports a failed write. */
export interface CacheWriter {
  redis: Pick<Redis, "set">;
  /** Runs the write after the response, so a cache miss costs the request no extra round trip. */
  waitUntil(promise: Promise<unknown>): void;
  onCacheWriteError(err: unknown): void;
}

/**
 * Caches what a Postgres lookup found (a record, or a remembered miss) for `ttlSeconds`, after the response. NX: the
 * write never replaces what is there, above all an invalidation marker the control plane wrote after this lookup read
 * Postgres, which would otherwise let a stale record live for the whole TTL. The key cache and the tenant cache share
 * this rule.
 */
export function cacheLookup(writer: CacheWriter, key: string, entry: unknown, ttlSeconds: number): void {
  writer.waitUntil(
    writer.redis.set(key, entry, { ex: ttlSeconds, nx: true }).catch((err: unknown) => writer.onCacheWriteError(err)),
  );
}
