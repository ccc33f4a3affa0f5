import type { Plan, TenantContext } from "../tenancy/tenant.ts";

/**
 * Tool calls per calendar month (UTC) each plan includes; `null`: no quota. A tenant's own value, when set, replaces
 * its plan's ({@link monthlyQuotaOf}).
 */
export const PLAN_MONTHLY_QUOTA: Readonly<Record<Plan, number | null>> = {
  free: 10_000,
  pro: 100_000,
  enterprise: null,
};

/**
 * Where a tenant's own quota is kept: a key of its `config` (the tenant's settings object, which travels with its
 * cached record to every request). A whole number of calls, or `"unlimited"`; absent: the plan's.
 */
export const MONTHLY_QUOTA_SETTING = "monthlyQuota";

/** A tenant's monthly quota: its own setting when it is a valid one, else its plan's. `null`: unlimited. */
export function monthlyQuotaOf(tenant: Pick<TenantContext, "plan" | "config">): number | null {
  const own = tenant.config[MONTHLY_QUOTA_SETTING];
  if (own === "unlimited") return null;
  // Anything else that is not a whole number of calls (written by hand into the column) counts as no setting: the
  // plan's quota, never none.
  if (typeof own === "number" && Number.isSafeInteger(own) && own >= 0) return own;
  return PLAN_MONTHLY_QUOTA[tenant.plan];
}
