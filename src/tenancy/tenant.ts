/** Plans a tenant can be on. */
export const PLANS = ["free", "pro", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];

/**
 * Feature flags that gate tools, resources and prompts. `core` is every tenant's; the others come with a plan or are
 * added per tenant. `output_schemas` gates no tool: it publishes the tools' output schemas in `tools/list`, for
 * clients that want typed structured output (no plan has it: each byte of a listing goes to the model with every
 * conversation). `conformance_fixtures` is never part of a plan: only a dedicated test tenant gets it.
 */
export const FEATURES = [
  "core",
  "advanced_analytics",
  "bulk_export",
  "output_schemas",
  "conformance_fixtures",
] as const;
export type Feature = (typeof FEATURES)[number];

const PLAN_FEATURES: Record<Plan, readonly Feature[]> = {
  free: ["core"],
  pro: ["core", "advanced_analytics"],
  enterprise: ["core", "advanced_analytics", "bulk_export"],
};

/** Isolation tiers: where a tenant's data tables live (docs/isolation.md). */
export const ISOLATION_TIERS = ["shared", "schema", "database"] as const;
export type IsolationTier = (typeof ISOLATION_TIERS)[number];

/**
 * Where a tenant's data tables are: schema public of the main database (`shared`), a schema of its own there
 * (`schema`), or a database of its own, whose connection string is stored sealed under DATA_SECRET_KEY (`database`).
 * The control plane (tenant, keys, audit) is in the main database whatever the tier.
 */
export type DataLocation =
  | { isolation: "shared" }
  | { isolation: "schema"; schema: string }
  | { isolation: "database"; sealedUrl: string };

/** Everything the Worker knows about the tenant behind a request. Immutable for the request's lifetime. */
export interface TenantContext {
  id: string;
  slug: string;
  name: string;
  plan: Plan;
  /** The effective feature set: the plan's features, plus the tenant's additions, minus its removals. */
  features: ReadonlySet<Feature>;
  /** Requests per minute (sliding window). */
  rateLimitPerMinute: number;
  status: "active" | "suspended";
  config: Readonly<Record<string, unknown>>;
  /** Where the tenant's data tables are; tools reach them through `ctx.db` (src/db/tenant-data.ts). */
  data: DataLocation;
  /** The tenant's data is being moved to another tier (`tenant move`): its writes are refused with 503 until done. */
  dataMoving: boolean;
}

/** Computes a tenant's effective features. Unknown feature names are ignored, so a typo cannot enable anything. */
export function effectiveFeatures(plan: Plan, add: readonly string[], remove: readonly string[]): ReadonlySet<Feature> {
  const features = new Set<Feature>(PLAN_FEATURES[plan]);
  for (const f of add) if (isFeature(f)) features.add(f);
  for (const f of remove) if (isFeature(f)) features.delete(f);
  return features;
}

/** Whether `value` names a known feature. */
export function isFeature(value: string): value is Feature {
  return (FEATURES as readonly string[]).includes(value);
}

/** Whether `value` names a known plan. */
export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

/** A tenant as its stored record names it (an API key's cached lookup and the tenant cache carry the same fields). */
export interface TenantFields {
  slug: string;
  name: string;
  plan: Plan;
  featuresAdd: readonly string[];
  featuresRemove: readonly string[];
  rateLimitPerMinute: number;
  status: TenantContext["status"];
  config: Record<string, unknown>;
  data: DataLocation;
  dataMoving: boolean;
}

/** The request's view of tenant `id`: its record with the plan and overrides turned into effective features. */
export function tenantContextOf(id: string, t: TenantFields): TenantContext {
  return {
    id,
    slug: t.slug,
    name: t.name,
    plan: t.plan,
    features: effectiveFeatures(t.plan, t.featuresAdd, t.featuresRemove),
    rateLimitPerMinute: t.rateLimitPerMinute,
    status: t.status,
    config: t.config,
    data: t.data,
    dataMoving: t.dataMoving,
  };
}

/** The tenant columns as `lookup_api_key` and the tenant cache's query return them. */
export interface TenantRow {
  slug: string;
  name: string;
  plan: string;
  features_add: string[] | null;
  features_remove: string[] | null;
  rate_limit_per_minute: number;
  status: string;
  config: Record<string, unknown> | null;
  isolation: string;
  data_schema: string | null;
  data_url: string | null;
  data_moving: boolean | null;
}

/** A tenant row of tenant `id` as {@link TenantFields}; an unknown plan or an incomplete location is a data error, thrown. */
export function tenantFieldsOf(id: string, row: TenantRow): TenantFields {
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
    data: dataLocationOf(id, row),
    dataMoving: row.data_moving === true,
  };
}

function dataLocationOf(id: string, row: TenantRow): DataLocation {
  if (row.isolation === "shared") return { isolation: "shared" };
  if (row.isolation === "schema" && row.data_schema) return { isolation: "schema", schema: row.data_schema };
  if (row.isolation === "database" && row.data_url) return { isolation: "database", sealedUrl: row.data_url };
  // The table's check constraint makes this unreachable; a tenant must never fall back to another location.
  throw new Error(`tenant ${id} has an incomplete data location (${row.isolation})`);
}
