import type { MiddlewareHandler } from "hono";
import { HttpError } from "../http/errors.ts";
import { GET_ONLY } from "../http/messages.ts";
import { serveHealthz } from "./healthz.ts";
import { healthzTenant } from "./healthz-tenant.ts";
import { newApp, preflightFor, type AppEnv } from "./scope.ts";

/**
 * As on /mcp, a method the route does not serve is 405 with Allow, not 404 (also for `/usage`). Checked by hand rather than left to
 * `get()`: Hono answers HEAD from a GET route, and these probes never did.
 */
export const getOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "GET") throw new HttpError(405, GET_ONLY, { headers: { allow: "GET" } });
  await next();
};

/** `/healthz` (the stores, unauthenticated) and `/healthz/tenant` (one tenant's path, with its key), mounted at `/healthz`. */
export const healthRoutes = newApp()
  .all("/", preflightFor(["GET"]), getOnly, (c) => serveHealthz(c.req.raw, c.var.rc))
  .all("/tenant", preflightFor(["GET"]), getOnly, (c) => healthzTenant(c.req.raw, c.var.rc));
