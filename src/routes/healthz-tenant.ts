import type { Principal } from "../auth/principal.ts";
import { throttleUnrememberedKey } from "../auth/attempt-throttle.ts";
import { authenticate, TenantSuspendedError } from "../auth/authenticate.ts";
import type { RequestContext } from "../context.ts";
import { tenantData } from "../db/tenant-data.ts";
import { enforceRateLimit } from "../ratelimit/limiter.ts";
import { HttpError } from "../http/errors.ts";
import type { TenantContext } from "../tenancy/tenant.ts";

/** How long the data-path check may take before it counts as a database failure. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * What `GET /healthz/tenant` reports, in one shape for every answer past authentication; `status` names the first
 * thing that is wrong. A check that was not run (a suspended tenant is not probed further) says `skipped`.
 */
interface TenantHealth {
  status: "ok" | "suspended" | "database" | "rate_limited" | "unavailable";
  /** The tenant's slug: the caller holds its key. */
  tenant: string;
  checks: {
    tenant: "active" | "suspended";
    database: "ok" | "unavailable" | "skipped";
    rate_limit: "ok" | "exceeded" | "unavailable" | "skipped";
  };
}

/**
 * `GET /healthz/tenant` with one tenant's API key, for an uptime probe per tenant. 200 when the tenant is active, a
 * query through its row-level-security path answers with exactly its own tenant row, and it is under its rate limit.
 * Otherwise: 403 `suspended`, 503 `database`, 429 `rate_limited` (with Retry-After), 503 `unavailable` when the rate
 * limiter fails closed. A bad key gets the usual 401, an address over the failed-authentication throttle 429
 * (src/auth/attempt-throttle.ts), a key store that is down the usual 503. A suspended tenant is not probed further and
 * not counted. The probe counts as one request against the tenant's limit, so it sees exactly what the tenant's next
 * request would.
 */
export async function healthzTenant(request: Request, rc: RequestContext): Promise<Response> {
  // Same failed-authentication throttle as /mcp: a flood of random key ids here would cost the same lookups.
  await throttleUnrememberedKey(request, rc);
  let principal: Principal;
  try {
    principal = await authenticate(request, rc);
  } catch (err) {
    if (err instanceof TenantSuspendedError) {
      return report(403, {
        status: "suspended",
        tenant: err.tenantSlug,
        checks: { tenant: "suspended", database: "skipped", rate_limit: "skipped" },
      });
    }
    throw err;
  }
  const { tenant } = principal;
  const [database, limited] = await Promise.allSettled([checkDataPath(rc, tenant), enforceRateLimit(tenant, rc)]);

  const dbOk = database.status === "fulfilled";
  if (!dbOk) rc.log.error("healthz/tenant: database check failed", { error: database.reason as Error });
  let rateLimit: TenantHealth["checks"]["rate_limit"] = "ok";
  let retryAfter: string | undefined;
  if (limited.status === "rejected") {
    const e = limited.reason as unknown;
    if (e instanceof HttpError && e.status === 429) {
      rateLimit = "exceeded";
      retryAfter = e.headers["retry-after"];
    } else {
      rateLimit = "unavailable";
      rc.log.error("healthz/tenant: rate limiter failed", { error: e instanceof Error ? e : String(e) });
    }
  }

  const body: TenantHealth = {
    status: !dbOk
      ? "database"
      : rateLimit === "exceeded"
        ? "rate_limited"
        : rateLimit === "unavailable"
          ? "unavailable"
          : "ok",
    tenant: tenant.slug,
    checks: { tenant: "active", database: dbOk ? "ok" : "unavailable", rate_limit: rateLimit },
  };
  const status = { ok: 200, database: 503, rate_limited: 429, unavailable: 503, suspended: 403 }[body.status];
  const headers: Record<string, string> =
    body.status === "rate_limited"
      ? { "retry-after": retryAfter ?? "1" }
      : status === 503
        ? { "retry-after": "2" }
        : {};
  return report(status, body, headers);
}

/**
 * The tenant's data path end to end, in its own location (its isolation tier's schema or database): a Neon HTTP
 * transaction entered as the tenant, as the Worker's role, must find the tenant's tables there and be scoped to the
 * tenant. Any other answer means the location or its policies are not what we expect.
 */
async function checkDataPath(rc: RequestContext, tenant: TenantContext): Promise<void> {
  const rows = await tenantData(rc, tenant).query<{ id: string; schema: string; workspaces: number }>(
    `select current_setting('app.tenant_id') as id, current_schema() as schema,
            (select count(*) from workspaces where tenant_id <> current_setting('app.tenant_id')::uuid)::int as workspaces`,
    [],
    { readOnly: true, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) },
  );
  const expected = tenant.data.isolation === "schema" ? tenant.data.schema : "public";
  const row = rows[0];
  if (row?.id !== tenant.id || row.schema !== expected || row.workspaces !== 0) {
    throw new Error(`the data location did not answer as tenant ${tenant.id} in schema ${expected}`);
  }
}

function report(status: number, body: TenantHealth, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}
