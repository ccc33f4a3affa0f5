import { invalidateCachedKeys } from "../auth/key-store.ts";
import { invalidateCachedTenants } from "../oauth/tenant-cache-entry.ts";
import { tenantStatePatterns } from "../redis/keys.ts";
import type { AdminRedis } from "./types.ts";
import { ControlError, reasonOf } from "./errors.ts";
import type { AdminDeps } from "./types.ts";

/**
 * Makes the Worker's next request with any of these keys read Postgres again, so a change to a key or its tenant
 * (plan, features, rate limit, status, revocation, rotation) applies on the very next request. Runs after the
 * database change committed; when Redis cannot be reached the change still stands, and the error says when it will
 * show (cached lookups expire on their own after API_KEY_CACHE_TTL_SECONDS).
 */
export async function invalidateWorkerCache(
  shards: AdminDeps["shards"],
  keyIds: readonly string[],
  /** Tenants whose own cached record (read by OAuth requests) changed too. */
  tenantIds: readonly string[] = [],
): Promise<void> {
  try {
    await Promise.all([invalidateCachedKeys(shards, keyIds), invalidateCachedTenants(shards, tenantIds)]);
  } catch (err) {
    throw new ControlError(
      "unavailable",
      `the change is saved, but the Worker's key cache could not be invalidated (${reasonOf(err)}); ` +
        "it takes effect when cached lookups expire (API_KEY_CACHE_TTL_SECONDS, 30 s by default)",
      { cause: err },
    );
  }
}

/**
 * Removes everything the Worker keeps in Redis for a deleted tenant: its keys' cached lookups (replaced by
 * invalidation markers, so no in-flight lookup can bring one back), its sessions and its rate-limit counters.
 */
export async function purgeTenantState(
  shards: AdminDeps["shards"],
  tenantId: string,
  keyIds: readonly string[],
): Promise<void> {
  await invalidateWorkerCache(shards, keyIds, [tenantId]);
  try {
    // Everything a tenant owns lives on its shard (the key cache, on the keys' shards, was invalidated above).
    const redis = shards.forTenant(tenantId);
    for (const pattern of tenantStatePatterns(tenantId)) await deleteMatching(redis, pattern);
  } catch (err) {
    throw new ControlError(
      "unavailable",
      `the tenant is deleted, but its sessions and counters could not be removed from Redis (${reasonOf(err)}); ` +
        "they expire on their own",
      { cause: err },
    );
  }
}

async function deleteMatching(redis: AdminRedis, pattern: string): Promise<void> {
  let cursor: string | number = "0";
  do {
    const [next, keys]: [string | number, string[]] = await redis.scan(cursor, { match: pattern, count: 500 });
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (String(cursor) !== "0");
}
