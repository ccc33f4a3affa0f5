import type { Context } from "hono";
import type { RequestContext } from "../context.ts";
import type { AppEnv } from "./scope.ts";
import { newApp } from "./scope.ts";
import { authenticateOperator, requireAdmin, type Operator } from "../admin/authenticate.ts";
import { OPERATIONS } from "../admin/operations.ts";
import { openApiDocument } from "../admin/openapi.ts";
import type { AuditFacts, Operation } from "../admin/operation.ts";
import { PROBLEM, toHttpError } from "../admin/problem.ts";
import { readBody, readQuery } from "../admin/request.ts";
import { recordOperatorAction } from "../control/operators.ts";
import type { AdminDeps } from "../control/types.ts";
import { HttpError } from "../http/errors.ts";

/** Where the operator API's operations are, under `/admin`. */
const API_PREFIX = "/api/v1";

/**
 * The operator API (docs/operator-api.md), mounted at `/admin`: each operation of src/admin/operations.ts, the OpenAPI
 * document, and for every other path under `/admin` a 404, all behind an operator token. So a tenant's API key or
 * OAuth token gets 401 anywhere under `/admin`, never a hint about what exists there.
 */
export const adminRoutes = newApp();

for (const op of OPERATIONS) {
  const path = `${API_PREFIX}${op.path.replace(/\{(\w+)\}/g, ":$1")}`;
  adminRoutes.on(op.method.toUpperCase(), path, (c) => runOperation(c, op));
}

adminRoutes.get(`${API_PREFIX}/openapi.json`, async (c) => {
  const { rc, headers } = c.var;
  await authenticateOperator(c.req.raw, rc, headers);
  return Response.json(openApiDocument(OPERATIONS), { headers: { "cache-control": "no-store" } });
});

adminRoutes.all("*", async (c) => {
  const { rc, headers } = c.var;
  await authenticateOperator(c.req.raw, rc, headers);
  throw new HttpError(404, "No such operation: see /admin/api/v1/openapi.json", { type: PROBLEM.notFound });
});

/**
 * One operation: authenticate, refuse a viewer's change, validate query and body, run, answer; and for a change,
 * record it in the operator audit log whatever the outcome (a refused or failed change is worth knowing about too).
 */
async function runOperation(c: Context<AppEnv>, op: Operation): Promise<Response> {
  const { rc, headers } = c.var;
  const { operator, deps } = await authenticateOperator(c.req.raw, rc, headers);
  const params = c.req.param() as Record<string, string>;
  let facts: AuditFacts = {
    ...(params.slug ? { tenantSlug: params.slug } : {}),
    ...(params.keyId || params.grantId ? { target: params.keyId ?? params.grantId } : {}),
  };
  let status = op.status ?? 200;
  try {
    if (op.action) requireAdmin(operator);
    const query = op.query ? readQuery(c.req.raw, op.query) : undefined;
    const body = op.body ? await readBody(c.req.raw, op.body) : undefined;
    const result = await op.run({ rc, deps, operator, params, query, body });
    facts = { ...facts, ...result.audit };
    const responseHeaders = { "cache-control": "no-store" };
    if (result.contentType)
      return new Response(String(result.body), {
        status,
        headers: { ...responseHeaders, "content-type": result.contentType },
      });
    return Response.json(result.body, { status, headers: responseHeaders });
  } catch (err) {
    status = toHttpError(err).status;
    throw err;
  } finally {
    if (op.action) await audit(deps, operator, op.action, status, facts, rc);
  }
}

/** Appends the audit entry; the change itself stands either way, so a failure here is logged, not answered. */
async function audit(
  deps: AdminDeps,
  operator: Operator,
  action: string,
  status: number,
  facts: AuditFacts,
  rc: RequestContext,
): Promise<void> {
  try {
    await recordOperatorAction(deps.sql, operator, { action, status, requestId: rc.requestId, ...facts });
  } catch (err) {
    rc.log.error("operator action not recorded in the operator audit log", {
      action,
      status,
      error: err instanceof Error ? err : String(err),
    });
  }
}
