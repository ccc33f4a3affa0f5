import type { Redis } from "@upstash/redis/cloudflare";

/**
 * How long an invalidation marker lives. While it does, lookups of that entry go to Postgres and cache nothing; it
 * only has to outlive a lookup that was already in flight when the change committed.
 */
export const INVALIDATION_TTL_SECONDS = 60;

/**
 * Makes the next read of these cache entries go to Postgres, for whoever changed what they cache (the control plane).
 * Deleting the entries would not be enough: a lookup that read the old row just before the change could write it back
 * just after the delete, and the stale record would live for the whole cache TTL. A marker (`{ invalidated: true }`,
 * read as a miss) closes that race, because {@link cacheLookup} writes with NX.
 */
export async function invalidateEntries(redis: Pick<Redis, "set">, cacheKeys: readonly string[]): Promise<void> {
  const marker = { invalidated: true };
  await Promise.all(cacheKeys.map((key) => redis.set(key, marker, { ex: INVALIDATION_TTL_SECONDS })));
}

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
