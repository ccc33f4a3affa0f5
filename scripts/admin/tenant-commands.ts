import { isPlan } from "../../src/tenancy/tenant.ts";
import type { TenantView } from "../../src/control/types.ts";
import { parseFeatureChanges, planFeatures, type FeatureChanges } from "../../src/control/features.ts";
import { createTenant, getTenant, listTenants, setTenantStatus, updateTenant } from "../../src/control/tenants.ts";
import { renderMessage } from "../../src/control/errors.ts";
import { MONTHLY_QUOTA_SETTING, PLAN_MONTHLY_QUOTA } from "../../src/quota/plans.ts";
import { usageError } from "./admin-error.ts";
import { flagOf } from "./errors.ts";
import { optional, numberOption, required, type Command, type Values } from "./command.ts";
import { fields, list, table, when, type Output } from "./output.ts";
import { createTenantOn } from "../tenant-data/provision.ts";
import { deleteTenantEverywhere } from "../tenant-data/delete.ts";
import { dataAdminOf, placementOf, TIER_HELP, TIER_OPTIONS, tierText } from "./tier-options.ts";

const FEATURES_HELP = `  --features <list>     feature overrides on top of the plan: +name adds, -name removes (comma-separated);
                        features: core, advanced_analytics, bulk_export, output_schemas (tools/list publishes
                        output schemas; in no plan), conformance_fixtures (for the conformance suite only: adding it
                        needs --allow-test-features)`;

const CLEAR_HELP = `                        ~name drops that override (the plan decides again), =plan drops every override
                        first: --features =plan,+bulk_export`;

const TEST_FEATURES_HELP = `  --allow-test-features allow adding conformance_fixtures (the fixtures of the conformance suite only)`;

const TEST_FEATURES_OPTION = { "allow-test-features": { type: "boolean" } } as const;

function features(values: Values, allowClear: boolean): FeatureChanges | undefined {
  const spec = optional(values, "features");
  const allowTestFeatures = values["allow-test-features"] === true;
  return spec === undefined ? undefined : parseFeatureChanges(spec, { allowClear, allowTestFeatures });
}

/** Overrides for people: `+bulk_export (added), -advanced_analytics (removed)`, or `none`. */
function overrides(t: TenantView): string {
  const all = [...t.featuresAdd.map((f) => `+${f} (added)`), ...t.featuresRemove.map((f) => `-${f} (removed)`)];
  return all.length ? all.join(", ") : "none";
}

/** The quota in effect and where it comes from: `5000 tool calls (the tenant's own)`. */
function monthlyQuotaText(t: TenantView): string {
  const own = t.config[MONTHLY_QUOTA_SETTING] !== undefined;
  const amount = t.monthlyQuota === null ? "unlimited" : `${t.monthlyQuota} tool calls`;
  return `${amount} (${own ? "the tenant's own" : "the plan's"})`;
}

/** `--monthly-quota`: a whole number, `unlimited` or `plan`; whether it is in range is the service's to say. */
function monthlyQuotaOption(values: Values): number | "unlimited" | "plan" | undefined {
  const v = optional(values, "monthly-quota");
  if (v === undefined || v === "unlimited" || v === "plan") return v;
  return numberOption(values, "monthly-quota");
}

/** A tenant's detail lines: the plan with its own features, the overrides, then the features in effect. */
function describe(t: TenantView): [string, string][] {
  const fromPlan = isPlan(t.plan) ? ` (features: ${planFeatures(t.plan).join(", ")})` : "";
  return [
    ["slug", t.slug],
    ["id", t.id],
    ["name", t.name],
    ["plan", `${t.plan}${fromPlan}`],
    ["overrides", overrides(t)],
    ["features", t.features.length ? t.features.join(", ") : "none"],
    ["rate limit", `${t.rateLimitPerMinute}/min`],
    ["monthly quota", monthlyQuotaText(t)],
    ["status", t.status],
    ["isolation", tierText(t)],
    ["active keys", String(t.activeKeys)],
    ["created", when(t.createdAt)],
    ["updated", when(t.updatedAt)],
  ];
}

function tenantOutput(t: TenantView): Output {
  return { json: { tenant: t }, human: fields(describe(t)) };
}

/** The `tenant ...` commands. */
export const TENANT_COMMANDS: Command[] = [
  {
    words: ["tenant", "create"],
    args: [],
    options: {
      slug: { type: "string" },
      name: { type: "string" },
      plan: { type: "string" },
      features: { type: "string" },
      "rate-limit": { type: "string" },
      "key-name": { type: "string" },
      ...TEST_FEATURES_OPTION,
      "no-default-workspace": { type: "boolean" },
      ...TIER_OPTIONS,
    },
    summary: "create a tenant, its first API key and workspace",
    synopsis:
      "--slug <slug> --name <name> --plan <free|pro|enterprise> [--features +a,-b] [--rate-limit <n>] [--no-default-workspace] [--isolation shared|schema|database [--database-url <url>] [--admin-database-url <url>]]",
    details: `Creates the tenant, a first API key and a first workspace named "Default", and prints the key once: it is not
stored and cannot be shown again.

  --slug <slug>         2-63 characters of a-z, 0-9 and "-" (also the host name label with TENANT_HOST_SUFFIX)
  --name <name>         display name (no control characters)
  --plan <plan>         free (core tools), pro (+ advanced_analytics), enterprise (+ bulk_export)
${FEATURES_HELP}
${TEST_FEATURES_HELP}
  --rate-limit <n>      requests per minute, 1 to 2147483647 (default 60)
  --key-name <label>    label of the first key (default "default"; no control characters)
  --no-default-workspace  no first workspace (the tenant makes its own with create_workspace)
${TIER_HELP}
The schema or database is made ready first (schema: created, owned by tenant_mcp_owner; database: created when missing
and the admin login may, then the roles and the tenant tables); if anything fails, nothing is left behind. The schema
and database tiers need DATABASE_ADMIN_URL and DATA_SECRET_KEY (locally .dev.vars has them).
JSON: {"tenant": {...}, "apiKey": "tmcp_...", "workspace": {...} or null}`,
    async run(deps, _args, values) {
      const input = {
        slug: required(values, "slug"),
        name: required(values, "name"),
        plan: required(values, "plan"),
        features: features(values, false),
        rateLimitPerMinute: numberOption(values, "rate-limit"),
        keyName: optional(values, "key-name"),
        defaultWorkspace: values["no-default-workspace"] !== true,
      };
      const placement = placementOf(values, "shared");
      const { tenant, keyId, apiKey, workspace } =
        placement.isolation === "shared"
          ? await createTenant(deps, input)
          : await createTenantOn(deps, dataAdminOf(deps), input, placement);
      const first: [string, string] = ["workspace", workspace ? `${workspace.name} (${workspace.id})` : "-"];
      return {
        audit: { target: keyId },
        json: { tenant, apiKey, workspace },
        human: `${fields([...describe(tenant), first, ["key id", keyId], ["api key", apiKey]])}\n\nThe API key is shown only now: store it.`,
      };
    },
  },
  {
    words: ["tenant", "list"],
    args: [],
    options: {},
    summary: "list every tenant",
    synopsis: "",
    details: `JSON: {"tenants": [...]}`,
    async run(deps) {
      const tenants = await listTenants(deps);
      const rows = tenants.map((t) => [
        t.slug,
        t.name,
        t.plan,
        t.status,
        String(t.rateLimitPerMinute),
        String(t.activeKeys),
        t.dataMovingSince ? `${t.isolation} (moving)` : t.isolation,
        list(t.features),
        when(t.createdAt),
      ]);
      return {
        json: { tenants },
        human: tenants.length
          ? table(["slug", "name", "plan", "status", "rate/min", "keys", "isolation", "features", "created"], rows)
          : "no tenants",
      };
    },
  },
  {
    words: ["tenant", "show"],
    args: ["slug"],
    options: {},
    summary: "show one tenant",
    synopsis: "<slug>",
    details: `JSON: {"tenant": {...}}`,
    async run(deps, [slug]) {
      return tenantOutput(await getTenant(deps, slug as string));
    },
  },
  {
    words: ["tenant", "update"],
    args: ["slug"],
    options: {
      plan: { type: "string" },
      features: { type: "string" },
      "rate-limit": { type: "string" },
      "monthly-quota": { type: "string" },
      name: { type: "string" },
      ...TEST_FEATURES_OPTION,
    },
    summary: "change plan, features, rate limit, monthly quota or name",
    synopsis:
      "<slug> [--plan <plan>] [--features +a,-b,~c,=plan] [--rate-limit <n>] [--monthly-quota <n|unlimited|plan>] [--name <name>]",
    details: `Takes effect on the tenant's next request, also inside open sessions. Overrides stay when the plan changes;
a warning on stderr names each one that hides a feature of the new plan.

  --plan <plan>         free, pro or enterprise
${FEATURES_HELP}
${CLEAR_HELP}
${TEST_FEATURES_HELP}
  --rate-limit <n>      requests per minute, 1 to 2147483647
  --monthly-quota <n>   tool calls per calendar month (UTC), the tenant's own: a number, "unlimited", or "plan" to
                        follow the plan's again (free ${PLAN_MONTHLY_QUOTA.free}, pro ${PLAN_MONTHLY_QUOTA.pro}, enterprise unlimited)
  --name <name>         display name (no control characters)
JSON: {"tenant": {...}} (monthlyQuota: the quota in effect, null when unlimited)`,
    async run(deps, [slug], values) {
      const { tenant, warnings } = await updateTenant(deps, slug as string, {
        name: optional(values, "name"),
        plan: optional(values, "plan"),
        features: features(values, true),
        rateLimitPerMinute: numberOption(values, "rate-limit"),
        monthlyQuota: monthlyQuotaOption(values),
      });
      return { ...tenantOutput(tenant), warnings: warnings.map((w) => renderMessage(w, flagOf)) };
    },
  },
  {
    words: ["tenant", "suspend"],
    args: ["slug"],
    options: {},
    summary: "suspend a tenant (every request gets 403)",
    synopsis: "<slug>",
    details: `Takes effect on the tenant's next request. Nothing is deleted; \`tenant resume\` undoes it.
JSON: {"tenant": {...}}`,
    async run(deps, [slug]) {
      return tenantOutput(await setTenantStatus(deps, slug as string, "suspended"));
    },
  },
  {
    words: ["tenant", "resume"],
    args: ["slug"],
    options: {},
    summary: "resume a suspended tenant",
    synopsis: "<slug>",
    details: `JSON: {"tenant": {...}}`,
    async run(deps, [slug]) {
      return tenantOutput(await setTenantStatus(deps, slug as string, "active"));
    },
  },
  {
    words: ["tenant", "delete"],
    args: ["slug"],
    options: { yes: { type: "boolean" } },
    summary: "delete a tenant and all of its data",
    synopsis: "<slug> --yes",
    details: `Deletes the tenant, its keys, workspaces, documents and audit log, and its sessions and counters in Redis.
A tenant on the schema tier loses its schema, one on the database tier its database (dropped whole), which needs
DATABASE_ADMIN_URL and DATA_SECRET_KEY. There is no undo.

  --yes                 required: confirms the deletion
JSON: {"deleted": {"id": "...", "slug": "...", "isolation": "...", "dropped": "schema tenant_..." or "database ..." or null}}`,
    async run(deps, [slug], values) {
      if (values.yes !== true) throw usageError(`deleting "${slug}" removes all of its data; add --yes to confirm`);
      const deleted = await deleteTenantEverywhere(deps, () => dataAdminOf(deps), slug as string);
      const also = deleted.dropped ? `; dropped its ${deleted.dropped}` : "";
      return { json: { deleted }, human: `deleted tenant ${deleted.slug} (${deleted.id}) and all of its data${also}` };
    },
  },
];
