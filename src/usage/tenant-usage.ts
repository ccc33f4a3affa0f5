import type { Redis } from "@upstash/redis/cloudflare";
import type { RequestContext } from "../context.ts";
import { forTenant } from "../db/for-tenant.ts";
import { quotaMonth } from "../quota/month.ts";
import { monthlyQuotaOf } from "../quota/plans.ts";
import { quotaKey } from "../redis/keys.ts";
import type { TenantShards } from "../redis/shards.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import type { TenantUsage } from "./types.ts";

export type { TenantUsage } from "./types.ts";

/** Days in the daily series, today included. */
const DAYS = 30;

/** What reading a tenant's usage needs. */
export type UsageDeps = Pick<RequestContext, "sql" | "now"> & { shards: TenantShards<Pick<Redis, "get">> };

/**
 * The usage of `tenant`, and only of it: the audit aggregates are read under row-level security as that tenant
 * (`tenant_usage`, sql/014) and the quota count from its own key. Two requests side by side: one Neon, one Redis.
 */
export async function readTenantUsage(deps: UsageDeps, tenant: TenantContext): Promise<TenantUsage> {
  const now = deps.now();
  const month = quotaMonth(now);
  const monthStart = `${month.id}-01T00:00:00.000Z`;
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  const firstDay = today - (DAYS - 1) * 86_400_000;
  const [rows, counted] = await Promise.all([
    forTenant(deps, tenant.id).query<{ usage: AuditAggregates }>(
      "select public.tenant_usage($1::timestamptz, $2::timestamptz) as usage",
      [monthStart, new Date(firstDay).toISOString()],
      { readOnly: true },
    ),
    deps.shards.forTenant(tenant.id).get<number | string>(quotaKey(tenant.id, month.id)),
  ]);
  const audit = rows[0]?.usage ?? { calls: 0, errors: 0, tools: [], days: [] };
  const limit = monthlyQuotaOf(tenant);
  const used = Number(counted ?? 0);
  const byDay = new Map(audit.days.map((d) => [d.date, d]));
  const days = Array.from({ length: DAYS }, (_, i) => {
    const date = new Date(firstDay + i * 86_400_000).toISOString().slice(0, 10);
    const d = byDay.get(date);
    return { date, calls: Number(d?.calls ?? 0), errors: Number(d?.errors ?? 0) };
  });
  return {
    tenant: tenant.slug,
    plan: tenant.plan,
    period: { month: month.id, start: monthStart, resetsAt: new Date(month.resetsAt).toISOString() },
    quota: { limit, used, remaining: limit === null ? null : Math.max(0, limit - used) },
    calls: Number(audit.calls),
    errors: Number(audit.errors),
    tools: audit.tools.map((t) => ({ tool: t.tool, calls: Number(t.calls), errors: Number(t.errors) })),
    days,
    recordedUpTo: "about a minute ago",
  };
}

/** What `tenant_usage` returns. */
interface AuditAggregates {
  calls: number;
  errors: number;
  tools: Array<{ tool: string; calls: number; errors: number }>;
  days: Array<{ date: string; calls: number; errors: number }>;
}
