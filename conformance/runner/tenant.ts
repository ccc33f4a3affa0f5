import { createKey, listKeys, revokeKey } from "../../src/control/keys.ts";
import { ControlError } from "../../src/control/errors.ts";
import { createTenant, getTenant, setTenantStatus, updateTenant } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";

/** Slug of the tenant the conformance suite runs as. */
const CONFORMANCE_SLUG = "conformance";
const KEY_NAME = "conformance run";
/** High enough that no run of the suite is ever throttled. */
const RATE_LIMIT_PER_MINUTE = 100_000;

/**
 * Makes sure the conformance tenant exists with the `conformance_fixtures` feature (the fixture tools, resources and
 * prompts the suite calls by name; no plan has it), active and with a rate limit no run reaches, then mints a fresh
 * API key for this run and revokes the keys of earlier runs. Everything goes through the control plane, as an operator
 * would with the admin CLI. Idempotent: run it against the same database any number of times. Returns the new key.
 */
export async function prepareConformanceTenant(deps: AdminDeps): Promise<{ tenantId: string; apiKey: string }> {
  const features = { add: ["conformance_fixtures" as const], remove: [] };
  const existing = await getTenant(deps, CONFORMANCE_SLUG).catch((err: unknown) => {
    if (err instanceof ControlError && err.kind === "not_found") return null;
    throw err;
  });
  if (!existing) {
    const { tenant, apiKey } = await createTenant(deps, {
      slug: CONFORMANCE_SLUG,
      name: "MCP conformance suite",
      plan: "free",
      features,
      rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
      keyName: KEY_NAME,
      // The fixtures need no workspace.
      defaultWorkspace: false,
    });
    return { tenantId: tenant.id, apiKey };
  }
  // An earlier run made it: give it back what a run needs, whatever was changed since.
  await updateTenant(deps, CONFORMANCE_SLUG, { features, rateLimitPerMinute: RATE_LIMIT_PER_MINUTE });
  if (existing.status !== "active") await setTenantStatus(deps, CONFORMANCE_SLUG, "active");
  for (const key of await listKeys(deps, CONFORMANCE_SLUG)) {
    if (key.name === KEY_NAME && key.status === "active") await revokeKey(deps, key.id);
  }
  const { apiKey } = await createKey(deps, CONFORMANCE_SLUG, { name: KEY_NAME });
  return { tenantId: existing.id, apiKey };
}
