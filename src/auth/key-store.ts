import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";
import { keyCacheKey } from "../redis/keys.ts";
import { allShards, type RedisShards } from "../redis/shards.ts";
import { cacheLookup, type CacheWriter, invalidateEntries } from "../redis/read-through.ts";
import { type TenantFields, tenantFieldsOf, type TenantRow } from "../tenancy/tenant.ts";
import { DEFAULT_KEY_SCOPES } from "./scopes.ts";

/** An API key row and its tenant, as `lookup_api_key` returns them. Times are epoch milliseconds. */
export interface KeyRecord {
  keyId: string;
  tenantId: string;
  secretHash: string;
  expiresAt: number | null;
  revokedAt: number | null;
  tenant: TenantFields;
  /**
   * What the key may do (`api_keys.scopes`). Last, after `tenant`: {@link recordFingerprint} covers the fields before
   * `tenant` only, and a key's scopes never change after it is made.
   */
  scopes: string[];
}

/**
 * Cache entry: a record, a remembered miss (so junk key ids do not reach Postgres every time), or an invalidation
 * marker left by the admin CLI (read as a miss, and never overwritten by a lookup; see {@link invalidateCachedKeys}).
 */
export type KeyCacheEntry = { record: KeyRecord } | { missing: true } | { invalidated: true };

export { INVALIDATION_TTL_SECONDS } from "../redis/read-through.ts";

/**
 * Makes the next request with any of these keys read Postgres again (see {@link invalidateEntries}). On every shard: a
 * key's entry is on its key's shard and its copy on its tenant's ({@link resolveKeyRecord}), and a marker everywhere
 * needs no tenant id (one SET per shard per key, for a change an operator makes).
 */
export async function invalidateCachedKeys(
  shards: Pick<RedisShards<Pick<Redis, "set">>, "count" | "at">,
  keyIds: readonly string[],
): Promise<void> {
  await Promise.all(allShards(shards).map((redis) => invalidateEntries(redis, keyIds.map(keyCacheKey))));
}

/**
 * The beginning of `record`'s cache entry as {@link loadKeyRecord} writes it: key id, tenant id, secret hash, expiry
 * and revocation, up to the tenant. While the cached entry still begins with it, the key is the one that verified and
 * has not been revoked, re-dated or invalidated since; admission's rate-limit script compares it in Redis. It relies
 * on the property order of {@link toRecord} (JSON.stringify keeps insertion order); a test writes a real entry and
 * checks the two agree.
 */
export function recordFingerprint(record: KeyRecord): string {
  const { keyId, tenantId, secretHash, expiresAt, revokedAt } = record;
  const head = JSON.stringify({ record: { keyId, tenantId, secretHash, expiresAt, revokedAt } });
  return `${head.slice(0, -2)},"tenant":`;
}

/** What {@link loadKeyRecord} and {@link resolveKeyRecord} need. */
export interface KeyStoreDeps extends Omit<CacheWriter, "redis"> {
  /** A key's cache entry lives on the shard of its key id, with a copy on its tenant's shard (see resolveKeyRecord). */
  shards: Pick<RedisShards<Pick<Redis, "get" | "set">>, "count" | "forKey" | "forTenant" | "keyShard" | "tenantShard">;
  sql: Pick<NeonQueryFunction<false, false>, "query">;
  cacheTtlSeconds: number;
}

/**
 * The key record for `keyId`: from the Redis cache, else from Postgres through the SECURITY DEFINER function
 * `lookup_api_key` (the Worker's role cannot read api_keys itself). Redis or Postgres failures throw; the caller
 * answers 503. A cached record is at most `cacheTtlSeconds` old; changes made through the admin CLI invalidate it.
 */
export async function loadKeyRecord(deps: KeyStoreDeps, keyId: string): Promise<KeyRecord | null> {
  let cached: KeyCacheEntry | null;
  try {
    cached = await deps.shards.forKey(keyId).get<KeyCacheEntry>(keyCacheKey(keyId));
  } catch (err) {
    if (deps.shards.count === 1) throw err;
    return keyShardDown(deps, keyId, err);
  }
  return resolveKeyRecord(deps, keyId, cached);
}

/**
 * The lookup of a key whose cache shard failed (sharded deployments only): the key cache is only a cache, so Postgres
 * answers for a key whose tenant lives on another shard, and a shard that is down fails only its own tenants'
 * requests (docs/redis-shards.md, "When a Redis shard is down"). A key of a tenant on that same shard fails as before (`err`): its
 * request needs the shard anyway. Nothing is cached.
 * @throws `err` when the key's tenant is on the failed shard; a Postgres failure.
 */
export async function keyShardDown(deps: KeyStoreDeps, keyId: string, err: unknown): Promise<KeyRecord | null> {
  const record = await lookupKey(deps, keyId);
  if (record && deps.shards.tenantShard(record.tenantId) === deps.shards.keyShard(keyId)) throw err;
  return record;
}

/**
 * {@link loadKeyRecord} for a caller that already read the cache entry (`cached`, the value of `keyCacheKey(keyId)`)
 * in a round trip of its own: OAuth admission reads it with everything else it needs from Redis.
 */
export async function resolveKeyRecord(
  deps: KeyStoreDeps,
  keyId: string,
  cached: KeyCacheEntry | null,
): Promise<KeyRecord | null> {
  // An entry without scopes or a data location was written by a Worker of a release before them: it cannot say
  // whether the key is read-only, or where the tenant's data is, so it counts as a miss (Postgres answers; the entry
  // expires with its TTL, and NX leaves it until then).
  if (cached && "record" in cached && Array.isArray(cached.record.scopes) && cached.record.tenant.data)
    return cached.record;
  if (cached && "missing" in cached) return null;
  const record = await lookupKey(deps, keyId);
  const entry: KeyCacheEntry = record ? { record } : { missing: true };
  cacheLookup({ ...deps, redis: deps.shards.forKey(keyId) }, keyCacheKey(keyId), entry, deps.cacheTtlSeconds);
  // A copy on the tenant's shard, under the same name, when that is another shard: a request whose isolate remembers
  // the key's tenant reads it there, in the same script as the tenant's session and counters, and admission's
  // rate-limit script checks it beside the tenant's window (src/admission/admit.ts), so a warm request still needs one
  // shard, one round trip and two commands. Both are written NX and invalidated on every shard, like one entry.
  if (record && deps.shards.tenantShard(record.tenantId) !== deps.shards.keyShard(keyId))
    cacheLookup(
      { ...deps, redis: deps.shards.forTenant(record.tenantId) },
      keyCacheKey(keyId),
      entry,
      deps.cacheTtlSeconds,
    );
  return record;
}

/** The key's record from Postgres (`lookup_api_key`), `null` when there is no such key. */
async function lookupKey(deps: Pick<KeyStoreDeps, "sql">, keyId: string): Promise<KeyRecord | null> {
  const rows = (await deps.sql.query("select * from public.lookup_api_key($1)", [keyId])) as LookupRow[];
  return rows[0] ? toRecord(rows[0]) : null;
}

interface LookupRow extends TenantRow {
  key_id: string;
  tenant_id: string;
  secret_hash: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  /** Absent only while the database is still on the schema before migration 008. */
  scopes?: string[] | null;
}

function toRecord(row: LookupRow): KeyRecord {
  return {
    keyId: row.key_id,
    tenantId: row.tenant_id,
    secretHash: row.secret_hash,
    expiresAt: time(row.expires_at),
    revokedAt: time(row.revoked_at),
    tenant: tenantFieldsOf(row.tenant_id, row),
    scopes: row.scopes ?? [...DEFAULT_KEY_SCOPES],
  };
}

/**
 * Why a key that verified may no longer be used at `now`, or null: revoked (a rotated key once its grace period is
 * over) or expired. API-key admission and OAuth grants signed in with a key both ask.
 */
export function keyEnded(
  record: Pick<KeyRecord, "revokedAt" | "expiresAt">,
  now: number,
): "revoked" | "expired" | null {
  if (record.revokedAt !== null && record.revokedAt <= now) return "revoked";
  if (record.expiresAt !== null && record.expiresAt <= now) return "expired";
  return null;
}

function time(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}
