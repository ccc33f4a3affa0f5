import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";
import { keyCacheKey } from "../redis/keys.ts";
import type { KeyShards } from "../redis/shards.ts";
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

/** Makes the next request with any of these keys read Postgres again (see {@link invalidateEntries}). */
export async function invalidateCachedKeys(
  shards: KeyShards<Pick<Redis, "set">>,
  keyIds: readonly string[],
): Promise<void> {
  // Each entry on its key's shard.
  await Promise.all(keyIds.map((id) => invalidateEntries(shards.forKey(id), [keyCacheKey(id)])));
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
  /** A key's cache entry lives on the shard of its key id. */
  shards: KeyShards<Pick<Redis, "get" | "set">>;
  sql: Pick<NeonQueryFunction<false, false>, "query">;
  cacheTtlSeconds: number;
}

/**
 * The key record for `keyId`: from the Redis cache, else from Postgres through the SECURITY DEFINER function
 * `lookup_api_key` (the Worker's role cannot read api_keys itself). Redis or Postgres failures throw; the caller
 * answers 503. A cached record is at most `cacheTtlSeconds` old; changes made through the admin CLI invalidate it.
 */
export async function loadKeyRecord(deps: KeyStoreDeps, keyId: string): Promise<KeyRecord | null> {
  return resolveKeyRecord(deps, keyId, await deps.shards.forKey(keyId).get<KeyCacheEntry>(keyCacheKey(keyId)));
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
  const rows = (await deps.sql.query("select * from public.lookup_api_key($1)", [keyId])) as LookupRow[];
  const record = rows[0] ? toRecord(rows[0]) : null;
  const entry: KeyCacheEntry = record ? { record } : { missing: true };
  cacheLookup({ ...deps, redis: deps.shards.forKey(keyId) }, keyCacheKey(keyId), entry, deps.cacheTtlSeconds);
  return record;
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
