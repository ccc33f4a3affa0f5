import { createRequestContext, type RequestContext } from "./context.ts";
import { applyCors, isPreflight, preflight } from "./http/cors.ts";
import { errorResponse, HttpError } from "./http/errors.ts";
import { serveHealthz } from "./http/healthz.ts";
import { healthzTenant } from "./http/healthz-tenant.ts";
import { GET_ONLY, notFound } from "./http/messages.ts";
import { handleMcp, type ResponseHeaders } from "./mcp/endpoint.ts";

/**
 * The Worker. One request context per request, one error boundary: every failure becomes an HttpError response
 * with a short public message, and its detail goes to the request's log line.
 */
export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const started = Date.now();
    const rc = createRequestContext(request, env, ctx);
    const headers: ResponseHeaders = {};
    let response: Response;
    let failure: HttpError | undefined;
    try {
      response = await route(request, rc, headers);
    } catch (err) {
      failure = err instanceof HttpError ? err : new HttpError(500, "Internal error", { cause: err });
      response = errorResponse(failure);
    }
    response = withHeaders(response, { ...headers, "x-request-id": rc.requestId });
    // Here, not per route: every answer (errors included) must be readable by an allowed browser client.
    applyCors(response.headers, request, rc.config);
    logRequest(rc, request, response.status, Date.now() - started, failure);
    return response;
  },
} satisfies ExportedHandler<Env>;

/** The methods each route serves to a browser, for CORS preflights (GET on /mcp so a client can read its 405). */
const CORS_METHODS: ReadonlyMap<string, readonly string[]> = new Map([
  ["/mcp", ["POST", "GET", "DELETE"]],
  ["/healthz", ["GET"]],
  ["/healthz/tenant", ["GET"]],
]);

async function route(request: Request, rc: RequestContext, headers: ResponseHeaders): Promise<Response> {
  const { pathname } = new URL(request.url);
  const corsMethods = CORS_METHODS.get(pathname);
  if (corsMethods && isPreflight(request)) return preflight(request, rc.config, corsMethods);
  if (pathname === "/mcp") return handleMcp(request, rc, headers);
  if (pathname === "/healthz" || pathname === "/healthz/tenant") {
    // As on /mcp: a method the route does not serve is 405 with Allow, not 404.
    if (request.method !== "GET") throw new HttpError(405, GET_ONLY, { headers: { allow: "GET" } });
    if (pathname === "/healthz/tenant") return healthzTenant(request, rc);
    return serveHealthz(request, rc);
  }
  throw new HttpError(404, notFound(pathname));
}

/** Adds headers to a response; responses built by the SDK may have immutable headers, so this returns a copy. */
function withHeaders(response: Response, extra: Record<string, string>): Response {
  const copy = new Response(response.body, response);
  for (const [k, v] of Object.entries(extra)) copy.headers.set(k, v);
  return copy;
}

/** The one log line per request. Internal detail of a failure goes here and only here. */
function logRequest(rc: RequestContext, request: Request, status: number, ms: number, failure: HttpError | undefined): void {
  const fields = {
    ...rc.fields,
    http_method: request.method,
    path: new URL(request.url).pathname,
    status,
    ms,
    ...(failure ? { error: failure.internal ?? failure.publicMessage, ...(failure.cause ? { cause: String(failure.cause) } : {}) } : {}),
  };
  if (status >= 500) rc.log.error("request", { ...fields, stack: failure?.cause instanceof Error ? failure.cause.stack : undefined });
  else rc.log.info("request", fields);
}
