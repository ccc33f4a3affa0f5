import type { RequestContext } from "../context.ts";
import { forTenant } from "../db/for-tenant.ts";
import { tenantCacheKey } from "../redis/keys.ts";
import { effectiveFeatures, isPlan, type TenantContext } from "../tenancy/tenant.ts";
import type { TenantCacheEntry, TenantRecord } from "./tenant-cache-entry.ts";

export type { TenantCacheEntry, TenantRecord } from "./tenant-cache-entry.ts";

const SELECT = `select slug, name, plan, features_add, features_remove, rate_limit_per_minute, status, config
                  from public.tenants where id = $1`;

/**
 * The tenant's record: from `cached` (the entry admission read in its one Redis round trip) when it holds one, else
 * from Postgres under the tenant's own row-level security, then cached (NX, after the response) for
 * API_KEY_CACHE_TTL_SECONDS. `null`: no such tenant. Store failures throw; the caller answers 503.
 */
export async function resolveTenant(
  rc: RequestContext,
  tenantId: string,
  cached: TenantCacheEntry | null,
): Promise<TenantRecord | null> {
  if (cached && "tenant" in cached) return cached.tenant;
  if (cached && "missing" in cached) return null;
  const rows = await forTenant(rc, tenantId).query<Row>(SELECT, [tenantId], { readOnly: true });
  const tenant = rows[0] ? toRecord(tenantId, rows[0]) : null;
  const entry: TenantCacheEntry = tenant ? { tenant } : { missing: true };
  rc.waitUntil(
    rc.redis
      .set(tenantCacheKey(tenantId), entry, { ex: rc.config.apiKeyCacheTtlSeconds, nx: true })
      .catch((err: unknown) => rc.log.warn("tenant cache write failed", { error: err })),
  );
  return tenant;
}

/** The request's view of a tenant record. */
export function tenantContextOf(id: string, t: TenantRecord): TenantContext {
  return {
    id,
    slug: t.slug,
    name: t.name,
    plan: t.plan,
    features: effectiveFeatures(t.plan, t.featuresAdd, t.featuresRemove),
    rateLimitPerMinute: t.rateLimitPerMinute,
    status: t.status,
    config: t.config,
  };
}

interface Row {
  slug: string;
  name: string;
  plan: string;
  features_add: string[] | null;
  features_remove: string[] | null;
  rate_limit_per_minute: number;
  status: string;
  config: Record<string, unknown> | null;
}

function toRecord(id: string, row: Row): TenantRecord {
  if (!isPlan(row.plan)) throw new Error(`tenant ${id} has unknown plan ${row.plan}`);
  return {
    slug: row.slug,
    name: row.name,
    plan: row.plan,
    featuresAdd: row.features_add ?? [],
    featuresRemove: row.features_remove ?? [],
    rateLimitPerMinute: row.rate_limit_per_minute,
    status: row.status === "suspended" ? "suspended" : "active",
    config: row.config ?? {},
  };
}
