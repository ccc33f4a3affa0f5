import type { Redis } from "@upstash/redis/cloudflare";
import type { KeyRecord } from "../auth/key-store.ts";
import { tenantCacheKey } from "../redis/keys.ts";
import { invalidateEntries } from "../redis/read-through.ts";
import type { TenantShards } from "../redis/shards.ts";

// Shared by the Worker (src/oauth/tenant-cache.ts) and the admin CLI, so nothing here may need the Worker's runtime.

/** A tenant's record: the same fields an API key's cached lookup carries for its tenant. */
export type TenantRecord = KeyRecord["tenant"];

/** Which ways to sign in at /authorize a tenant has switched on (sql/010_tenant_login.sql). */
export interface LoginSwitches {
  apiKey: boolean;
  oidc: boolean;
}

/**
 * A tenant's record as OAuth admission reads it: with its login switches, so a grant whose sign-in method the tenant
 * has switched off stops working on its next request (the control plane invalidates the entry on every change).
 */
export interface OAuthTenantRecord extends TenantRecord {
  login: LoginSwitches;
}

/**
 * Cache entry of {@link tenantCacheKey}: a record, a remembered miss (a deleted tenant), or the control plane's
 * invalidation marker (read as "ask Postgres", never overwritten by a lookup: writes are NX, as for keys).
 */
export type TenantCacheEntry = { tenant: OAuthTenantRecord } | { missing: true } | { invalidated: true };

/** Makes the Worker's next OAuth request of these tenants read Postgres again (see {@link invalidateEntries}). */
export async function invalidateCachedTenants(
  shards: TenantShards<Pick<Redis, "set">>,
  tenantIds: readonly string[],
): Promise<void> {
  // Each entry on its tenant's shard.
  await Promise.all(tenantIds.map((id) => invalidateEntries(shards.forTenant(id), [tenantCacheKey(id)])));
}
