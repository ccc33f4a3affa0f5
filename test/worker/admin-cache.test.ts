// The Worker's key cache and the admin CLI's invalidation, against the real Upstash adapter: a lookup that read
// Postgres before an admin change must not be able to cache the old record after it.
import { describe, expect, it } from "vitest";
import {
  INVALIDATION_TTL_SECONDS,
  invalidateCachedKeys,
  loadKeyRecord,
  type KeyStoreDeps,
} from "../../src/auth/key-store.ts";
import { keyCacheKey } from "../../src/redis/keys.ts";
import { redis } from "./support/fixtures.ts";
import { singleShard } from "../../src/redis/shards.ts";

function lookupRow(keyId: string, plan: string): Record<string, unknown> {
  return {
    key_id: keyId,
    tenant_id: crypto.randomUUID(),
    secret_hash: "0".repeat(64),
    expires_at: null,
    revoked_at: null,
    slug: "cache-test",
    name: "Cache test",
    plan,
    features_add: [],
    features_remove: [],
    rate_limit_per_minute: 60,
    status: "active",
    config: {},
    isolation: "shared",
    data_schema: null,
    data_url: null,
    data_moving: false,
  };
}

/** Deps whose "database" answers with `plan`, optionally doing something while the query is in flight. */
function depsWith(
  plan: string,
  duringQuery: () => Promise<void> = async () => {},
): { deps: KeyStoreDeps; settle(): Promise<void>; queries: number } {
  const pending: Promise<unknown>[] = [];
  const state = {
    queries: 0,
    deps: {
      shards: singleShard(redis),
      sql: {
        query: (async (_text: string, params: unknown[]) => {
          state.queries++;
          await duringQuery();
          return [lookupRow(params[0] as string, plan)];
        }) as never,
      },
      cacheTtlSeconds: 30,
      waitUntil: (p: Promise<unknown>) => void pending.push(p),
      onCacheWriteError: (err: unknown) => {
        throw err;
      },
    } satisfies KeyStoreDeps,
    settle: async () => void (await Promise.all(pending)),
  };
  return state;
}

const keyId = (): string => `cache${crypto.randomUUID().replaceAll("-", "").slice(0, 11)}`;

describe("key cache invalidation", () => {
  it("a lookup in flight during an invalidation does not write its stale record back", async () => {
    const id = keyId();
    // The lookup reads the old row; the admin change commits and invalidates before the lookup's cache write.
    const racing = depsWith("free", () => invalidateCachedKeys(singleShard(redis), [id]));
    expect((await loadKeyRecord(racing.deps, id))?.tenant.plan).toBe("free");
    await racing.settle();

    const next = depsWith("pro");
    expect((await loadKeyRecord(next.deps, id))?.tenant.plan).toBe("pro");
    expect(next.queries).toBe(1);
  });

  it("the marker expires on its own, and afterwards lookups are cached again", async () => {
    const id = keyId();
    await invalidateCachedKeys(singleShard(redis), [id]);
    const ttl = await redis.ttl(keyCacheKey(id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(INVALIDATION_TTL_SECONDS);

    await redis.del(keyCacheKey(id)); // what expiry does
    const first = depsWith("pro");
    await loadKeyRecord(first.deps, id);
    await first.settle();
    const second = depsWith("enterprise");
    expect((await loadKeyRecord(second.deps, id))?.tenant.plan).toBe("pro");
    expect(second.queries).toBe(0);
  });
});
