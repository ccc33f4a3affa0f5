import type { Context } from "hono";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { HttpError } from "../http/errors.ts";
import type { AppEnv } from "../routes/scope.ts";
import { auditOperatorAction } from "./audit-action.ts";
import { authenticateOperator, requireAdmin } from "./authenticate.ts";
import type { AuditFacts, Operation } from "./operation.ts";
import { OPERATIONS } from "./operations.ts";
import { openApiDocument } from "./openapi.ts";
import { PROBLEM, toHttpError } from "./problem.ts";
import { readBody, readQuery } from "./request.ts";

// The operator API behind src/routes/admin.ts, which loads this module on the first request under /admin/api: its
// operations, their schemas and the control plane are a large part of the Worker that no MCP request needs.

/** Where the operator API's operations are, under `/admin`. */
export const API_PREFIX = "/api/v1";

const router = new RegExpRouter<Operation>();
for (const op of OPERATIONS)
  router.add(op.method.toUpperCase(), `${API_PREFIX}${op.path.replace(/\{(\w+)\}/g, ":$1")}`, op);

/**
 * Answers one request under `/admin` that the console did not: an operation of src/admin/operations.ts, the OpenAPI
 * document, or for every other path a 404, all behind an operator token. So a tenant's API key or OAuth token gets 401
 * anywhere under `/admin`, never a hint about what exists there.
 */
export async function serveOperatorApi(c: Context<AppEnv>): Promise<Response> {
  const { rc, headers } = c.var;
  const path = c.req.path.slice("/admin".length);
  const found = findOperation(c.req.method, path);
  if (found) return runOperation(c, found.op, found.params);
  await authenticateOperator(c.req.raw, rc, headers);
  if (c.req.method === "GET" && path === `${API_PREFIX}/openapi.json`) {
    return Response.json(openApiDocument(OPERATIONS), { headers: { "cache-control": "no-store" } });
  }
  throw new HttpError(404, "No such operation: see /admin/api/v1/openapi.json", { type: PROBLEM.notFound });
}

/** The operation a method and path (under `/admin`) name, with its path parameters decoded. */
function findOperation(method: string, path: string): { op: Operation; params: Record<string, string> } | undefined {
  const result = router.match(method.toUpperCase(), path);
  const [matches, stash] = result;
  const first = matches[0];
  if (!first) return undefined;
  const [op, names] = first;
  const params: Record<string, string> = {};
  for (const [name, at] of Object.entries(names as Record<string, number | string>)) {
    const raw = stash ? (stash[at as number] as string) : (at as string);
    params[name] = decode(raw);
  }
  return { op, params };
}

/** A path parameter as Hono decodes one: percent-decoded when that is valid, as written otherwise. */
function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * One operation: authenticate, refuse a viewer's change, validate query and body, run, answer; and for a change,
 * record it in the operator audit log whatever the outcome (a refused or failed change is worth knowing about too).
 */
async function runOperation(c: Context<AppEnv>, op: Operation, params: Record<string, string>): Promise<Response> {
  const { rc, headers } = c.var;
  const { operator, deps } = await authenticateOperator(c.req.raw, rc, headers);
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
    if (op.action) await auditOperatorAction(rc, deps, operator, { action: op.action, status, ...facts });
  }
}
