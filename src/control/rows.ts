import { iso, isoOrNull } from "../db/timestamps.ts";
import { monthlyQuotaOf } from "../quota/plans.ts";
import { effectiveFeatures, isPlan } from "../tenancy/tenant.ts";
import type { KeyStatus, KeyView, TenantView } from "./types.ts";
import type { Row } from "./owner-sql.ts";

/** Columns of a tenant row plus its count of working keys, for {@link toTenantView}. Needs app.tenant_id set. */
export const TENANT_SELECT = `select t.id, t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute,
       t.status, t.config, t.created_at, t.updated_at, t.isolation, t.data_schema, t.data_moving_since,
       (select count(*) from public.api_keys as k
         where k.tenant_id = t.id
           and (k.revoked_at is null or k.revoked_at > now()) and (k.expires_at is null or k.expires_at > now()))::int
         as active_keys
  from public.tenants as t`;

/** Columns of a key row for {@link toKeyView}, with the database's clock to judge expiry by. */
export const KEY_SELECT = `select id, name, scopes, created_at, last_used_at, expires_at, revoked_at, now() as now
  from public.api_keys`;

/** A tenant row (from {@link TENANT_SELECT} or `directory_tenants()`) as the CLI shows it. */
export function toTenantView(row: Row): TenantView {
  const plan = String(row.plan);
  const add = (row.features_add as string[] | null) ?? [];
  const remove = (row.features_remove as string[] | null) ?? [];
  const config = (row.config as Record<string, unknown> | null) ?? {};
  return {
    id: String(row.id),
    slug: String(row.slug),
    name: String(row.name),
    plan,
    features: isPlan(plan) ? [...effectiveFeatures(plan, add, remove)] : [],
    featuresAdd: add,
    featuresRemove: remove,
    rateLimitPerMinute: Number(row.rate_limit_per_minute),
    monthlyQuota: isPlan(plan) ? monthlyQuotaOf({ plan, config }) : null,
    status: String(row.status),
    config,
    activeKeys: Number(row.active_keys ?? 0),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    isolation: (row.isolation as TenantView["isolation"] | undefined) ?? "shared",
    dataSchema: (row.data_schema as string | null | undefined) ?? null,
    dataMovingSince: isoOrNull(row.data_moving_since ?? null),
  };
}

/** A key row from {@link KEY_SELECT} as the CLI shows it. */
export function toKeyView(row: Row): KeyView {
  const now = new Date(row.now as string | Date).getTime();
  const revokedAt = isoOrNull(row.revoked_at);
  const expiresAt = isoOrNull(row.expires_at);
  let status: KeyStatus = "active";
  if (revokedAt !== null && Date.parse(revokedAt) <= now) status = "revoked";
  else if (expiresAt !== null && Date.parse(expiresAt) <= now) status = "expired";
  else if (revokedAt !== null) status = "rotating";
  return {
    id: String(row.id),
    name: (row.name as string | null) ?? null,
    scopes: (row.scopes as string[] | null) ?? [],
    status,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    expiresAt,
    revokedAt,
  };
}
