import type { RequestContext } from "../context.ts";
import { forTenant } from "../db/for-tenant.ts";
import { tenantCacheKey } from "../redis/keys.ts";
import { cacheLookup } from "../redis/read-through.ts";
import { tenantFieldsOf, type TenantRow } from "../tenancy/tenant.ts";
import type { OAuthTenantRecord, TenantCacheEntry } from "./tenant-cache-entry.ts";

export type { OAuthTenantRecord, TenantCacheEntry, TenantRecord } from "./tenant-cache-entry.ts";

// The login switches come through lookup_tenant_login (the Worker has no grant on tenant_login), called with the
// tenant's own slug inside the same statement: still one round trip.
const SELECT = `select t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute, t.status,
                       t.config, t.isolation, t.data_schema, t.data_url,
                       t.data_moving_since is not null as data_moving,
                       l.api_key_login, l.oidc_issuer is not null as oidc_login
                  from public.tenants as t
                  left join lateral public.lookup_tenant_login(t.slug) as l on true
                 where t.id = $1`;

/**
 * The tenant's record and login switches: from `cached` (the entry admission read in its one Redis round trip) when
 * it holds one, else from Postgres under the tenant's own row-level security, then cached (NX, after the response) for
 * API_KEY_CACHE_TTL_SECONDS. `null`: no such tenant. Store failures throw; the caller answers 503.
 */
export async function resolveTenant(
  rc: RequestContext,
  tenantId: string,
  cached: TenantCacheEntry | null,
): Promise<OAuthTenantRecord | null> {
  // An entry without login switches or a data location was written by a Worker of a release before them: it cannot
  // say whether a method is still on, or where the data is, so it counts as a miss (and expires with its TTL; NX
  // leaves it until then).
  if (cached && "tenant" in cached && cached.tenant.login && cached.tenant.data) return cached.tenant;
  if (cached && "missing" in cached) return null;
  const rows = await forTenant(rc, tenantId).query<Row>(SELECT, [tenantId], { readOnly: true });
  const tenant = rows[0] ? toRecord(tenantId, rows[0]) : null;
  const entry: TenantCacheEntry = tenant ? { tenant } : { missing: true };
  const writer = {
    redis: rc.shards.forTenant(tenantId),
    waitUntil: rc.waitUntil,
    onCacheWriteError: (err: unknown) => rc.log.warn("tenant cache write failed", { error: err }),
  };
  cacheLookup(writer, tenantCacheKey(tenantId), entry, rc.config.apiKeyCacheTtlSeconds);
  return tenant;
}

interface Row extends TenantRow {
  /** Null only when the function returned no row (a tenant deleted between the two reads of one statement). */
  api_key_login: boolean | null;
  oidc_login: boolean | null;
}

function toRecord(id: string, row: Row): OAuthTenantRecord {
  return {
    ...tenantFieldsOf(id, row),
    login: { apiKey: row.api_key_login === true, oidc: row.oidc_login === true },
  };
}
