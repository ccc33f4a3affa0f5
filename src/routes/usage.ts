import { admit } from "../admission/admit.ts";
import { insufficientScope } from "../auth/challenge.ts";
import { hasScopes, READ_SCOPES } from "../auth/scopes.ts";
import { mcpResourceOf } from "../oauth/resource.ts";
import { readTenantUsage } from "../usage/tenant-usage.ts";
import { getOnly } from "./health.ts";
import { newApp, preflightFor } from "./scope.ts";

/**
 * `GET /usage` with a tenant's own credential (an API key, or an OAuth token for this host's `/mcp`): the tenant's
 * current period as JSON (src/usage/tenant-usage.ts), and nothing about any other tenant, since the credential is what
 * names the tenant. Admitted like an `/mcp` request (the same 401s and the per-minute rate limit, not the monthly
 * quota) and needs `mcp:read`.
 */
export const usageRoutes = newApp().all("/", preflightFor(["GET"]), getOnly, async (c) => {
  const { rc, headers } = c.var;
  const request = c.req.raw;
  const resource = mcpResourceOf(request, rc.config);
  const { principal, gate } = await admit(request, rc, headers, null, resource);
  if (!hasScopes(principal, READ_SCOPES)) throw insufficientScope(principal, resource, READ_SCOPES);
  await gate();
  const usage = await readTenantUsage(rc, principal.tenant);
  return Response.json(usage, { headers: { "cache-control": "no-store" } });
});
