import type { MiddlewareHandler } from "hono";
import { HonoBase } from "hono/hono-base";
import { RegExpRouter } from "hono/router/reg-exp-router";
import type { RequestContext } from "../context.ts";
import { preflight, isPreflight } from "../http/cors.ts";
import type { HttpError } from "../http/errors.ts";
import type { ResponseHeaders } from "../mcp/endpoint.ts";

/** The Hono environment of the Worker's app and every sub-app mounted on it. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The request's context, built once by the app's request-scope middleware (src/app.ts). */
    rc: RequestContext;
    /** Headers a route adds to its answer, an error answer included (session id, rate-limit fields). */
    headers: ResponseHeaders;
    /** The failure the answer reports, set by the one error renderer; its internal detail goes to the log line. */
    failure: HttpError | undefined;
  };
}

/**
 * Answers a CORS preflight for a route serving `methods` (a browser learns them, and may read a 405 on the others);
 * any other request, an OPTIONS that is not a preflight included, goes on to the route.
 */
export function preflightFor(methods: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPreflight(c.req.raw)) return preflight(c.req.raw, c.var.rc.config, methods);
    await next();
  };
}

/**
 * A Hono app (or sub-app) on the RegExpRouter alone. It matches paths strictly, so `/mcp/` stays a 404 as before (the
 * `hono/tiny` PatternRouter would take it for `/mcp`), and unlike the default preset it carries no second router.
 * `getPath`, for the app that receives requests, decides which path is matched.
 */
export function newApp(getPath?: (request: Request) => string): HonoBase<AppEnv> {
  return new HonoBase<AppEnv>({ router: new RegExpRouter(), ...(getPath ? { getPath } : {}) });
}
