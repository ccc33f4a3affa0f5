import type { RequestContext } from "../context.ts";
import { sessionIndexKey, sessionKey } from "../redis/keys.ts";
import { isWellFormedSessionId, type SessionRecord } from "./store.ts";

/**
 * The session `sessionId` of `tenantId` from the tenant's shard in the previous shard list, while a reshard is in
 * progress (`UPSTASH_SHARDS_PREVIOUS`, docs/redis-shards.md "Resharding"), for a request that did not find it on the tenant's shard
 * now: a session opened by an isolate still on the old list, after the reshard's copy. Found, it is copied to the
 * tenant's shard now (NX, with the idle TTL, and listed in its index), where the reshard's finishing pass merges it
 * too; so only its first request after the deploy pays the extra round trip. `null` without a previous list, or when
 * the old shard does not have it either.
 * @throws the old shard's failure (the caller answers 503, never a 404 that would make the client re-initialize).
 */
export async function sessionFromPreviousShard(
  rc: Pick<RequestContext, "shards" | "config" | "now">,
  tenantId: string,
  sessionId: string,
): Promise<SessionRecord | null> {
  const previous = rc.shards.previousForTenant(tenantId);
  if (!previous || !isWellFormedSessionId(sessionId)) return null;
  const key = sessionKey(tenantId, sessionId);
  const record = await previous.get<SessionRecord>(key);
  if (record === null) return null;
  const ttl = rc.config.sessionTtlSeconds;
  const current = rc.shards.forTenant(tenantId);
  await Promise.all([
    current.set(key, record, { ex: ttl, nx: true }),
    current.zadd(sessionIndexKey(tenantId), { score: rc.now(), member: sessionId }),
    current.expire(sessionIndexKey(tenantId), ttl),
  ]);
  return record;
}
