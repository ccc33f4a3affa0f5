import type { Context, MiddlewareHandler } from "hono";
import { createRequestContext, type RequestContext } from "./context.ts";
import { applyCors } from "./http/cors.ts";
import { errorResponse, HttpError } from "./http/errors.ts";
import { notFound } from "./http/messages.ts";
import { healthRoutes } from "./routes/health.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { usageRoutes } from "./routes/usage.ts";
import { wellKnownResourceRoutes } from "./routes/well-known-resource.ts";
import { oauthRoutes } from "./routes/oauth.ts";
import { adminRoutes } from "./routes/admin.ts";
import { consoleRoutes } from "./routes/console.ts";
import { isOperatorPath, problemResponse, toHttpError } from "./admin/problem.ts";
import { newApp, type AppEnv } from "./routes/scope.ts";
import { recordRequestMetrics } from "./log/metrics.ts";
import { conventionFields } from "./log/telemetry.ts";

/**
 * One request context per request, and the one place every answer passes: headers the route asked for, the request
 * id, CORS (here, not per route: every answer, errors included, must be readable by an allowed browser client) and the
 * request's log line.
 */
const requestScope: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  const rc = createRequestContext(c.req.raw, c.env, c.executionCtx);
  c.set("rc", rc);
  c.set("headers", {});
  try {
    await next();
  } catch (err) {
    // Hono hands only Error instances to onError; anything else thrown is rendered here, the same way.
    c.res = renderError(err, c);
  }
  const response = withHeaders(c.res, { ...c.var.headers, "x-request-id": rc.requestId });
  applyCors(response.headers, c.req.raw, rc.config);
  // Hono's setter copies the previous answer's headers over a new one; clearing it first keeps these as they are.
  c.res = undefined;
  c.res = response;
  logRequest(rc, c.req.raw, response.status, Date.now() - started, c.var.failure);
};

/**
 * The one error boundary: every failure becomes an HttpError response with a short public message, and its detail
 * goes to the request's log line. The operator API (/admin) answers in RFC 9457 problem details, everything else in
 * JSON-RPC errors.
 */
function renderError(err: unknown, c: Context<AppEnv>): Response {
  // No context means the request could not even start (an invalid setting): fail loudly, as an uncaught exception.
  if ((c.var.rc as RequestContext | undefined) === undefined) throw err;
  if (isOperatorPath(c.req.path)) {
    const failure = toHttpError(err);
    c.set("failure", failure);
    return problemResponse(failure, c.var.rc.requestId);
  }
  const failure = err instanceof HttpError ? err : new HttpError(500, "Internal error", { cause: err });
  c.set("failure", failure);
  return errorResponse(failure);
}

/**
 * The Worker's routes. The path is matched as the URL spells it (Hono would percent-decode it first), so `/%6Dcp` is
 * not `/mcp`, as before.
 */
export const app = newApp((request) => new URL(request.url).pathname)
  .use(requestScope)
  .route("/mcp", mcpRoutes)
  .route("/healthz", healthRoutes)
  .route("/usage", usageRoutes)
  .route("/.well-known/oauth-protected-resource", wellKnownResourceRoutes)
  .route("/admin", consoleRoutes)
  .route("/admin", adminRoutes)
  .route("/", oauthRoutes)
  .notFound((c) => renderError(new HttpError(404, notFound(c.req.path)), c))
  .onError(renderError);

/** Adds headers to a response; responses built by the SDK may have immutable headers, so this returns a copy. */
function withHeaders(response: Response, extra: Record<string, string>): Response {
  const copy = new Response(response.body, response);
  for (const [k, v] of Object.entries(extra)) copy.headers.set(k, v);
  return copy;
}

/** The one log line per request. Internal detail of a failure goes here and only here. */
function logRequest(
  rc: RequestContext,
  request: Request,
  status: number,
  ms: number,
  failure: HttpError | undefined,
): void {
  if (failure && rc.fields.error_type === undefined) rc.fields.error_type = String(status);
  recordRequestMetrics(rc, request, status, ms);
  const fields = {
    ...conventionFields(rc.fields),
    http_method: request.method,
    path: new URL(request.url).pathname,
    status,
    ms,
    ...(failure
      ? { error: failure.internal ?? failure.publicMessage, ...(failure.cause ? { cause: String(failure.cause) } : {}) }
      : {}),
  };
  if (status >= 500)
    rc.log.error("request", { ...fields, stack: failure?.cause instanceof Error ? failure.cause.stack : undefined });
  else rc.log.info("request", fields);
}
